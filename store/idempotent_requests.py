"""Idempotency keys for API requests: the first request with a key is served, a retry is
answered with the first one's response.

The usual protocol (Stripe's, the IETF Idempotency-Key draft's): the key is reserved in
its own committed transaction before any work, so a concurrent duplicate sees it and is
told the first is still being served; the response is stored when the work succeeds; a
failure releases the key so the client may retry. A key older than `KEY_LIFETIME` is
forgotten, and a reservation older than `RESERVATION_TIMEOUT` (its server died) is taken
over.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from store.db import Database
from store.errors import Conflict, InvalidInput
from store.models import IdempotentRequest, utcnow

#: How long a key is remembered.
KEY_LIFETIME = timedelta(hours=24)

#: How long a reservation whose request never finished blocks the key.
RESERVATION_TIMEOUT = timedelta(minutes=10)

#: Longest key accepted (the IETF draft leaves it to the server).
MAX_KEY_LENGTH = 255


class KeyReused(InvalidInput):
    """The key was already used for a different request."""


@dataclass(frozen=True)
class StoredResponse:
    """What the first request with the key was answered."""

    status_code: int
    body: dict[str, Any]


def fingerprint(request: Any) -> str:
    """A stable digest of a request's validated content (key order does not matter)."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> str:
    """The key as given, or InvalidInput naming what is wrong with it."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    if not key.isprintable() or not key.isascii():
        raise InvalidInput("Idempotency-Key must be printable ASCII")
    return key


def reserve(
    db: Database, org_id: str, route: str, key: str, digest: str, *, now: datetime | None = None
) -> StoredResponse | None:
    """Reserve `key` for this request, or return the response a finished first request got.

    Raises Conflict while another request with the key is being served, and InvalidInput
    when the key was used for a different request."""
    now = now or utcnow()
    check_key(key)
    for _ in range(3):  # an expired row is removed, then the insert is tried again
        try:
            with db.session(org_id) as session:
                session.add(
                    IdempotentRequest(
                        org_id=org_id, route=route, key=key, fingerprint=digest, created_at=now
                    )
                )
            return None
        except IntegrityError:
            pass
        with db.read_session(org_id) as session:
            row = session.execute(
                select(IdempotentRequest).where(
                    IdempotentRequest.org_id == org_id,
                    IdempotentRequest.route == route,
                    IdempotentRequest.key == key,
                )
            ).scalar_one_or_none()
            if row is None:
                continue  # released between our insert and this read
            reserved_at = row.created_at
            age = now - reserved_at
            stale = age > KEY_LIFETIME or (row.status_code is None and age > RESERVATION_TIMEOUT)
            if not stale:
                if row.fingerprint != digest:
                    raise KeyReused(
                        "this Idempotency-Key was already used with a different request; "
                        "use a new key for a new request"
                    )
                if row.status_code is None:
                    raise Conflict(
                        "a request with this Idempotency-Key is still being served; "
                        "retry when it has finished"
                    )
                return StoredResponse(row.status_code, dict(row.response or {}))
        _forget(db, org_id, route, key, created_at=reserved_at)
    raise Conflict("this Idempotency-Key is being used by concurrent requests; retry shortly")


def record(
    db: Database, org_id: str, route: str, key: str, status_code: int, body: dict[str, Any]
) -> None:
    """Store the response of the request that holds the reservation."""
    with db.session(org_id) as session:
        session.execute(
            update(IdempotentRequest)
            .where(
                IdempotentRequest.org_id == org_id,
                IdempotentRequest.route == route,
                IdempotentRequest.key == key,
            )
            .values(status_code=status_code, response=body)
        )


def release(db: Database, org_id: str, route: str, key: str) -> None:
    """Give the key back after a failure, so the client's retry is served afresh."""
    _forget(db, org_id, route, key)


def _forget(
    db: Database, org_id: str, route: str, key: str, *, created_at: datetime | None = None
) -> None:
    conditions = [
        IdempotentRequest.org_id == org_id,
        IdempotentRequest.route == route,
        IdempotentRequest.key == key,
    ]
    if created_at is not None:  # only the row we judged stale, not a newer reservation
        conditions.append(IdempotentRequest.created_at == created_at)
    with db.session(org_id) as session:
        session.execute(delete(IdempotentRequest).where(*conditions))
