"""Claims: one owner per run, a lease it renews, and a fencing token that refuses stale owners.

Every way a task runs starts with `claim_task` (one task, one conditional UPDATE) or
`claim_batch` (a worker's next tasks: `FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite the
write transaction is the lock). A claim sets the owner, the lease expiry and a fencing token
one higher than the last. A second claimant changes nothing and gets `AlreadyClaimed`.

While it works the owner renews its lease (`LeaseKeeper`, a background thread). A run holds
its claim in a context variable (`holding`): every lifecycle write of that task
(store.task_rows.change) and every side effect (`verify`) first checks that the stored token
is still the run's, so an owner that stalled past its lease and was taken over changes
nothing: it gets `StaleClaim`. Leaving in_progress (done, failed, paused, blocked, re-queued)
ends the claim (store.execution); `release` ends it otherwise.

These functions take a Core connection or a session (sync); async code can run them in a
thread or on its own connection, as they are single statements.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, literal, select, update

from store.backoff import seconds_from_env
from store.claim_statement import claim_rows, claim_values
from store.db import Database, Transaction
from store.enums import ExecutionStatus
from store.errors import Conflict, NotFound
from store.fencing import Claim, StaleClaim, check_token, held_claim, holding
from store.models import utcnow
from store.queue import (
    NOW,
    pick_runnable,
    runnable_filter,
    stranded_filter,
    unowned,
    urgency_key,
)
from store.task_rows import TASKS, connection_of, remember, remember_rows

__all__ = [
    "AlreadyClaimed",
    "Claim",
    "LeaseKeeper",
    "StaleClaim",
    "claim_batch",
    "claim_task",
    "hand_over",
    "holding",
    "lease_seconds",
    "release",
    "renew",
    "runnable_filter",
    "stranded_filter",
    "verify",
]

log = logging.getLogger("delegate.claims")

S = ExecutionStatus
Clock = Callable[[], datetime]

DEFAULT_LEASE_SECONDS = 60.0


def lease_seconds() -> float:
    """DELEGATE_LEASE_SECONDS (default 60): how long a claim lasts without renewal."""
    return seconds_from_env("DELEGATE_LEASE_SECONDS", DEFAULT_LEASE_SECONDS, minimum=0.001)


def default_owner(role: str = "run") -> str:
    """An owner id naming this process: host/pid/role/a short random part."""
    return f"{socket.gethostname()}/{os.getpid()}/{role}/{uuid.uuid4().hex[:6]}"


class AlreadyClaimed(Conflict):
    """Another run holds the task's claim and its lease has not expired; nothing changed."""


def _describe(task_id: str, owner: str | None, since: datetime | None, until: Any) -> str:
    when = since.strftime("%Y-%m-%d %H:%M:%S UTC") if since else "an unknown time"
    lease = f", lease until {until:%H:%M:%S} UTC" if isinstance(until, datetime) else ""
    return f"task {task_id} is already running since {when}, owner {owner}{lease}"


def _claim_values(owner: str, now: datetime, lease: float) -> dict[str, Any]:
    return {
        "claim_owner": owner,
        "claim_token": TASKS.c.claim_token + 1,
        "claimed_at": now,
        "lease_expires_at": now + timedelta(seconds=lease),
        # A claim is a change of the row: rows other writers remember stop matching.
        "version": TASKS.c.version + 1,
        "updated_at": now,
    }


def claim_task(
    tx: Transaction,
    org_id: str,
    task_id: str,
    owner: str,
    *,
    statuses: Collection[ExecutionStatus],
    lease: float | None = None,
    now: datetime | None = None,
) -> Claim:
    """Claim one task in one conditional UPDATE: it must be in `statuses` and held by no live
    claim. AlreadyClaimed (409, naming the owner) or Conflict when not; nothing is written."""
    now = now or utcnow()
    lease = lease_seconds() if lease is None else lease
    conn = connection_of(tx)
    statement = (
        update(TASKS)
        .where(
            TASKS.c.id == task_id,
            TASKS.c.org_id == org_id,
            TASKS.c.execution_status.in_([s.value for s in statuses]),
            unowned(now),
        )
        .values(_claim_values(owner, now, lease))
        .returning(*TASKS.c)
    )
    row = conn.execute(statement).mappings().first()
    if row is None:
        raise _why_not_claimed(conn, org_id, task_id, statuses, now)
    remember(conn, dict(row))  # the run's first write starts from it, with no read
    return Claim(
        org_id, task_id, owner, row["claim_token"], S(row["execution_status"]), now + _secs(lease)
    )


def _secs(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def _why_not_claimed(
    conn: Any, org_id: str, task_id: str, statuses: Collection[ExecutionStatus], now: datetime
) -> Exception:
    row = conn.execute(
        select(
            TASKS.c.execution_status,
            TASKS.c.claim_owner,
            TASKS.c.claimed_at,
            TASKS.c.lease_expires_at,
        ).where(TASKS.c.id == task_id, TASKS.c.org_id == org_id)
    ).first()
    if row is None:
        return NotFound(f"no task {task_id!r}")
    expires = row.lease_expires_at  # the model's UTCDateTime: read back timezone-aware
    if row.claim_owner is not None and expires is not None and expires > now:
        return AlreadyClaimed(_describe(task_id, row.claim_owner, row.claimed_at, expires))
    allowed = ", ".join(s.value for s in statuses)
    return Conflict(f"task {task_id} is {row.execution_status}; this needs it {allowed}")


def claim_batch(
    db: Database,
    org_id: str,
    owner: str,
    *,
    limit: int = 1,
    lease: float | None = None,
    now: datetime | None = None,
    stranded_only: bool = False,
) -> list[Claim]:
    """Claim up to `limit` runnable tasks (store.queue: fresh tasks and stranded runs; only
    the stranded with `stranded_only`), most urgent first. On PostgreSQL one statement in
    autocommit (store.claim_statement) in which rows other workers are claiming are skipped
    (`FOR UPDATE SKIP LOCKED`), so workers never wait on each other or claim the same task;
    on SQLite a short write transaction, which serialises claimers. The claimed rows are
    remembered (store.task_rows), so each run's first lifecycle write needs no read of its
    own."""
    now = now or utcnow()
    lease = lease_seconds() if lease is None else lease
    until = now + _secs(lease)
    if db.is_sqlite:
        rows = _claim_in_transaction(db, org_id, owner, now, until, limit, stranded_only)
    else:  # one statement in autocommit (store.claim_statement)
        rows = claim_rows(
            db, org_id, owner, now=now, until=until, limit=limit, stranded_only=stranded_only
        )
        remember_rows(db, rows)
    return [
        Claim(org_id, row["id"], owner, row["claim_token"], S(row["execution_status"]), until)
        for row in sorted(rows, key=urgency_key)
    ]


def _claim_in_transaction(
    db: Database,
    org_id: str,
    owner: str,
    now: datetime,
    until: datetime,
    limit: int,
    stranded_only: bool,
) -> list[dict[str, Any]]:
    """SQLite: pick and claim in one write transaction (its lock serialises claimers)."""
    with db.transaction(org_id) as conn:
        ids = pick_runnable(conn, org_id, now, limit, stranded_only=stranded_only)
        if not ids:
            return []
        params = {"ids": ids, "now": now, "owner": owner, "until": until}
        rows = [dict(row) for row in conn.execute(_CLAIM_PICKED[stranded_only], params).mappings()]
        for row in rows:
            remember(conn, row)
    return rows


def _claim_picked(condition: Any) -> Any:
    """The UPDATE claiming picked rows (`ids`), checking once more that each is runnable."""
    return (
        update(TASKS)
        .where(TASKS.c.id.in_(bindparam("ids", expanding=True)), condition)
        .values(claim_values())
        .returning(*TASKS.c)
    )


_CLAIM_PICKED = {
    False: _claim_picked(runnable_filter(NOW)),
    True: _claim_picked(stranded_filter(NOW)),
}


_RENEW = (
    update(TASKS)
    .where(
        TASKS.c.id == bindparam("_id"),
        TASKS.c.claim_token == bindparam("_token"),
        TASKS.c.claim_owner == bindparam("_owner"),
    )
    .values(lease_expires_at=bindparam("_until"))
)


def renew(
    tx: Transaction, claim: Claim, *, lease: float | None = None, now: datetime | None = None
) -> bool:
    """Push the claim's lease out by `lease` seconds from `now`; False if the claim has ended
    (the run left in_progress) or was taken over. Does not count as a change of the row."""
    now = now or utcnow()
    lease = lease_seconds() if lease is None else lease
    params = {
        "_id": claim.task_id,
        "_token": claim.token,
        "_owner": claim.owner,
        "_until": now + _secs(lease),
    }
    result = connection_of(tx).execute(_RENEW, params)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def release(tx: Transaction, claim: Claim, *, now: datetime | None = None) -> None:
    """End the claim if it is still this one (a no-op after a takeover). A run that stopped
    while its task is still in_progress (it crashed) keeps its owner with the lease expired
    now, so the next worker takes it over at once."""
    running = TASKS.c.execution_status == S.IN_PROGRESS.value
    connection_of(tx).execute(
        update(TASKS)
        .where(TASKS.c.id == claim.task_id, TASKS.c.claim_token == claim.token)
        .values(
            claim_owner=case((running, TASKS.c.claim_owner), else_=None),
            lease_expires_at=case(
                (running, literal(now or utcnow(), TASKS.c.lease_expires_at.type)), else_=None
            ),
        )
    )


def hand_over(
    tx: Transaction,
    org_id: str,
    task_id: str,
    from_owner: str,
    token: int,
    to_owner: str,
    *,
    lease: float | None = None,
    now: datetime | None = None,
) -> Claim:
    """Pass the claim `from_owner` holds (with fencing `token`) to `to_owner`, with a new
    token, in one conditional UPDATE (the API hands its claim to the LangGraph server run it
    started). StaleClaim when that claim is no longer the task's; nothing is written."""
    now = now or utcnow()
    lease = lease_seconds() if lease is None else lease
    conn = connection_of(tx)
    row = (
        conn.execute(
            update(TASKS)
            .where(
                TASKS.c.id == task_id,
                TASKS.c.org_id == org_id,
                TASKS.c.claim_owner == from_owner,
                TASKS.c.claim_token == token,
            )
            .values(_claim_values(to_owner, now, lease))
            .returning(*TASKS.c)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise StaleClaim(f"task {task_id}: the claim {token} of {from_owner} was taken over")
    remember(conn, dict(row))
    return Claim(
        org_id,
        task_id,
        to_owner,
        row["claim_token"],
        S(row["execution_status"]),
        now + _secs(lease),
    )


# --- before a side effect ------------------------------------------------------------------

_TOKEN = select(TASKS.c.claim_token).where(
    TASKS.c.id == bindparam("task_id"), TASKS.c.org_id == bindparam("org_id")
)


def verify(db: Database, org_id: str, task_id: str) -> None:
    """Before a side effect: StaleClaim if this run's claim on the task was taken over.
    Nothing to check when the caller holds no claim (e.g. a tool run outside a task run)."""
    if held_claim(task_id) is None:
        return
    with db.read_transaction(org_id) as conn:
        token = conn.execute(_TOKEN, {"task_id": task_id, "org_id": org_id}).scalar()
    check_token(task_id, token)


# --- renewal ---------------------------------------------------------------------------------


class LeaseKeeper:
    """A background thread renewing the leases of the claims it holds, every third of a lease.

    One per runner or worker; `keep(claim)` while a run works, `drop(claim)` after."""

    def __init__(self, db: Database, *, lease: float | None = None, clock: Clock = utcnow) -> None:
        self.db = db
        self.lease = lease_seconds() if lease is None else lease
        self.clock = clock
        self._claims: dict[tuple[str, int], Claim] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def keep(self, claim: Claim) -> None:
        with self._lock:
            self._claims[(claim.task_id, claim.token)] = claim
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="delegate-lease-keeper", daemon=True
                )
                self._thread.start()

    def drop(self, claim: Claim) -> None:
        with self._lock:
            self._claims.pop((claim.task_id, claim.token), None)

    def renew_all(self) -> None:
        """Renew every held lease now; forget the claims that ended or were taken over."""
        with self._lock:
            claims = list(self._claims.values())
        for claim in claims:
            try:
                with self.db.transaction(claim.org_id) as conn:
                    alive = renew(conn, claim, lease=self.lease, now=self.clock())
            except Exception:  # a database hiccup: try again at the next beat
                log.warning("lease renewal failed", exc_info=True)
                continue
            if not alive:
                self.drop(claim)

    def _loop(self) -> None:
        while not self._wake.wait(self.lease / 3):
            self.renew_all()
        self._wake.clear()

    def stop(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._wake.set()
            thread.join(timeout=5)
