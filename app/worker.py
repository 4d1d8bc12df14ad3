"""The worker: claims what is runnable in its organization, most urgent first, and runs it.

Runnable (store.claims.runnable_filter): automated pending or queued tasks whose next attempt
time has come, runs whose owner stopped renewing its lease (taken over from their last
checkpoint), and approvals a person gave whose approver died. Blocked tasks and paused tasks
waiting for a person are left alone. Claims are taken in small batches (`FOR UPDATE SKIP
LOCKED` on PostgreSQL), so any number of workers share one database without running a task
twice; the leases of a batch are renewed while its tasks wait their turn.

With `autopilot_every`, the worker also runs an autopilot cycle (graphs.autopilot) when one
is due, before it claims work: every trigger makes its task once, so any number of workers
may run cycles on one database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from graphs.runner import task_runner
from store import claims
from store.claims import Clock
from store.db import Database
from store.errors import DelegateError
from store.logcontext import log_context
from store.models import utcnow

log = logging.getLogger("delegate.worker")


def run_worker(
    db: Database,
    *,
    organization: str = "default",
    once: bool = True,
    interval: float = 5.0,
    on_outcome: Callable[[dict[str, Any]], None] | None = None,
    max_rounds: int | None = None,
    batch_size: int = 5,
    owner: str | None = None,
    lease: float | None = None,
    clock: Clock = utcnow,
    autopilot_every: float | None = None,
    stop: threading.Event | None = None,
) -> list[dict[str, Any]]:
    """Claim and run runnable tasks until none is left (`once`) or forever, polling; with
    `autopilot_every` (seconds), run an autopilot cycle first and then whenever one is due.
    Once `stop` is set (SIGTERM), the task running finishes, the claims of the batch's
    others are released, and the worker returns."""
    stop = stop or threading.Event()
    outcomes: list[dict[str, Any]] = []
    next_cycle: datetime | None = clock() if autopilot_every is not None else None
    seen: set[str] = set()
    rounds = 0
    owner = owner or claims.default_owner("worker")
    with task_runner(
        db, organization=organization, owner=owner, lease=lease, clock=clock
    ) as runner:
        while not stop.is_set():
            if next_cycle is not None and autopilot_every is not None and clock() >= next_cycle:
                autopilot_cycle(db, organization)
                next_cycle = clock() + timedelta(seconds=autopilot_every)
            batch = claims.claim_batch(
                db, runner.org_id, owner, limit=batch_size, lease=runner.lease, now=clock()
            )
            if once:  # a task re-queued for later in this pass waits for the next pass
                batch, again = (
                    [c for c in batch if c.task_id not in seen],
                    [c for c in batch if c.task_id in seen],
                )
                _release(db, again)
            for claim in batch:
                runner.leases.keep(claim)
            for n, claim in enumerate(batch):
                if stop.is_set():
                    _release(db, batch[n:])
                    break
                seen.add(claim.task_id)
                with log_context(task_id=claim.task_id, org=organization):
                    try:
                        outcome = runner.run_claimed(claim)
                    except DelegateError as exc:  # e.g. taken over meanwhile, or it waits
                        log.warning("task not run: %s", exc)
                        continue
                outcomes.append(outcome)
                if on_outcome:
                    on_outcome(outcome)
            rounds += 1
            if once and not batch:
                return outcomes
            if max_rounds is not None and rounds >= max_rounds:
                return outcomes
            if not once and not batch:
                stop.wait(interval)
        return outcomes


def autopilot_cycle(db: Database, organization: str) -> None:
    """One autopilot cycle; a failed one is logged and the worker carries on."""
    from graphs.autopilot import run_cycle

    try:
        done = run_cycle(db, organization=organization)
    except DelegateError as exc:
        log.warning("autopilot cycle failed: %s", exc)
        return
    log.info(
        "autopilot cycle: %d created, %d run, %d skipped%s",
        len(done.get("created") or []),
        len(done.get("ran") or []),
        len(done.get("skipped") or []),
        f"; {done['stopped']}" if done.get("stopped") else "",
    )


def _release(db: Database, found: list[claims.Claim]) -> None:
    for claim in found:
        with db.transaction(claim.org_id) as conn:
            claims.release(conn, claim)
