"""The claim a run holds, and the fencing check every write and side effect of that run makes.

A context variable carries the run's claim (store.claims takes it; `holding` marks it as the
current run's). store.task_rows checks the stored fencing token before each lifecycle write of
the claimed task and store.claims.verify before each side effect, so a run that was taken over
changes nothing. Kept apart from store.claims so task_rows can use it without a cycle.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from store.enums import ExecutionStatus
from store.errors import Conflict

log = logging.getLogger("delegate.claims")


@dataclass(frozen=True)
class Claim:
    """One run's hold on one task."""

    org_id: str
    task_id: str
    owner: str
    token: int
    """The fencing token: the stored claim_token while this claim is the task's newest."""
    status: ExecutionStatus
    """The task's status when it was claimed (tells a worker how to run it)."""
    lease_expires_at: datetime


class StaleClaim(Conflict):
    """A newer claim took the task over: this run's writes and side effects are refused."""


_held: ContextVar[Claim | None] = ContextVar("delegate_held_claim", default=None)


@contextmanager
def holding(claim: Claim) -> Iterator[Claim]:
    """Mark `claim` as the one this run (this context) works under."""
    reset = _held.set(claim)
    try:
        yield claim
    finally:
        _held.reset(reset)


def held_claim(task_id: str) -> Claim | None:
    """The claim this run holds on `task_id`, if it holds one."""
    claim = _held.get()
    return claim if claim is not None and claim.task_id == task_id else None


def check_token(task_id: str, stored_token: int | None) -> None:
    """StaleClaim if this run holds a claim on the task and the stored token is not its own."""
    claim = held_claim(task_id)
    if claim is not None and stored_token != claim.token:
        log.warning(
            "stale owner fenced off",
            extra={"task_id": task_id, "owner": claim.owner, "token": claim.token},
        )
        raise StaleClaim(
            f"task {task_id} was taken over by another run (claim {stored_token}, this run "
            f"holds {claim.token}); this run's changes are refused"
        )
