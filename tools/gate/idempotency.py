"""The side-effect ledger: idempotency keys, recorded before a provider call and marked after.

A key is the SHA-256 of (task id, step, tool, canonical arguments). The ledger row is written
as `pending` before the provider is called and `done` (with the provider's result) after, so
a replayed or retried step finds the key and returns the recorded result instead of acting
twice. A row left `pending` means a crash mid-call: the gate reconciles it where the provider
allows (a Message-ID or event id derived from the key) and otherwise asks a person.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from store.db import Database
from store.models import SideEffect, utcnow
from store.redaction import redact, redact_value

PENDING = "pending"
"""Recorded; the provider call is under way or crashed."""
DONE = "done"
"""The provider accepted the call; `result` holds what it answered."""
FAILED = "failed"
"""The provider refused the call (4xx): nothing happened outside."""
UNCONFIRMED = "unconfirmed"
"""A crash left it pending and the provider cannot tell: a person was asked to check."""


def canonical_args(args: dict[str, Any]) -> str:
    """The arguments as one stable string: sorted keys, no insignificant whitespace."""
    return json.dumps(args, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def idempotency_key(task_id: str, step: str, tool: str, args: dict[str, Any]) -> str:
    """The key of one side effect: the same task, step, tool and arguments give the same key."""
    material = "\x1f".join((task_id, step, tool, canonical_args(args)))
    return hashlib.sha256(material.encode()).hexdigest()


def message_id_for(key: str) -> str:
    """The RFC 822 Message-ID an email sent under `key` carries (Gmail finds it again)."""
    return f"<{key[:40]}@delegate.idempotency>"


def event_id_for(key: str) -> str:
    """The calendar event id for `key`: hex digits are valid base32hex, as Google requires."""
    return key[:64]


@dataclass(frozen=True)
class LedgerEntry:
    """One ledger row as plain values."""

    key: str
    tool: str
    status: str
    arguments: dict[str, Any]
    result: dict[str, Any] | None


def _entry(row: SideEffect) -> LedgerEntry:
    return LedgerEntry(
        key=row.key,
        tool=row.tool,
        status=row.status,
        arguments=dict(row.arguments or {}),
        result=dict(row.result) if row.result is not None else None,
    )


def lookup(db: Database, org_id: str, key: str) -> LedgerEntry | None:
    """The ledger row for `key` in this organization, if any."""
    with db.session(org_id) as session:
        row = session.get(SideEffect, key)
        if row is None or row.org_id != org_id:
            return None
        return _entry(row)


def record_pending(
    db: Database, org_id: str, task_id: str, key: str, tool: str, args: dict[str, Any]
) -> None:
    """Write (or re-arm) the row as `pending` with the arguments about to be sent."""
    args = redact_value(args)
    with db.session(org_id) as session:
        row = session.get(SideEffect, key)
        if row is None:
            session.add(
                SideEffect(
                    key=key,
                    org_id=org_id,
                    task_id=task_id,
                    tool=tool,
                    arguments=args,
                    status=PENDING,
                )
            )
        else:
            row.arguments = args
            row.status = PENDING
            row.result = None
            row.completed_at = None


def _set_status(
    db: Database, org_id: str, key: str, status: str, result: dict[str, Any] | None
) -> None:
    result = redact_value(result)
    with db.session(org_id) as session:
        row = session.get(SideEffect, key)
        if row is None:
            raise LookupError(f"no side effect {key} in the ledger")
        row.status = status
        row.result = result
        row.completed_at = utcnow()


def mark_done(db: Database, org_id: str, key: str, result: dict[str, Any]) -> None:
    """The provider accepted the call: keep its answer for replays."""
    _set_status(db, org_id, key, DONE, result)


def mark_failed(db: Database, org_id: str, key: str, reason: str) -> None:
    """The provider refused the call; nothing happened outside."""
    _set_status(db, org_id, key, FAILED, {"error": redact(reason)})


def mark_unconfirmed(db: Database, org_id: str, key: str) -> None:
    """A crash left the call pending and the provider cannot say whether it happened."""
    _set_status(db, org_id, key, UNCONFIRMED, None)


def actions_for_task(db: Database, org_id: str, task_id: str) -> list[dict[str, Any]]:
    """The side effects done for a task, oldest first: {tool, key, args, result}."""
    with db.session(org_id) as session:
        rows = session.scalars(
            select(SideEffect)
            .where(
                SideEffect.org_id == org_id,
                SideEffect.task_id == task_id,
                SideEffect.status == DONE,
            )
            .order_by(SideEffect.completed_at, SideEffect.created_at)
        ).all()
        return [
            {
                "tool": row.tool,
                "idempotency_key": row.key,
                "args": dict(row.arguments or {}),
                "result": dict(row.result or {}),
            }
            for row in rows
        ]
