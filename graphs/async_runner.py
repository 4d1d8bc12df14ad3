"""Run claimed tasks for a worker fleet: many runs in flight in one process.

The worker fleet's runner (app.fleet): a run is the graph's sync `invoke` in a thread of its
own, from its first step to its last (why not `ainvoke`: app.fleet), and the fleet's places
call `run_claimed_here` from their threads. Each run works under its own claim (held in the
thread's context, which LangGraph copies into the threads that write its checkpoints, so
every store write and side effect is fenced as in any run); one LeaseKeeper renews every
claim in flight. `async_task_runner` opens the runner and its checkpointer from the fleet's
event loop.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from graphs.run_protocol import (
    ANSWERABLE,
    STARTABLE,
    ClaimingRunner,
    RunSoFar,
    approval_among,
    approval_asked,
    carry_on,
    interrupts_of,
    log_takeover,
    outcome_of,
    thread_config,
)
from graphs.task_outcomes import record_failure
from store import claims
from store import tasks as repo
from store.approval_decisions import recorded_decision
from store.checkpoints import open_async_checkpointer
from store.claims import Claim
from store.db import Database
from store.enums import ExecutionStatus
from store.errors import DelegateError
from store.logcontext import log_context
from store.orgs import DEFAULT_ORG
from store.redaction import redact_value

log = logging.getLogger("delegate.runner")

S = ExecutionStatus
#: A run's outcome statuses whose write (leaving in_progress) also ended the run's claim.
CLAIM_ENDED = frozenset(s.value for s in (S.COMPLETED, S.FAILED, S.BLOCKED, S.QUEUED))


class AsyncTaskRunner(ClaimingRunner):
    """Runs claimed tasks of one organization through the checkpointed execute_task graph,
    awaiting each run so that many share one process."""

    role = "worker"

    def claim_batch(self, limit: int) -> list[Claim]:
        """Claim up to `limit` runnable tasks, most urgent first (store.claims.claim_batch)."""
        return claims.claim_batch(
            self.db, self.org_id, self.owner, limit=limit, lease=self.lease, now=self.clock()
        )

    def release(self, claim: Claim) -> None:
        """End the claim: a task still in_progress keeps its owner with the lease expired
        now, so any worker takes it over at once; any other task is simply unclaimed."""
        self.leases.drop(claim)
        with self.db.transaction(self.org_id) as conn:
            claims.release(conn, claim, now=self.clock())

    def run_claimed_here(self, claim: Claim) -> dict[str, Any]:
        """Run (or carry on) the claimed task in this thread, from its first step to its last,
        under its claim, renewing its lease meanwhile, and release it after. A run that
        stopped with its task completed, failed, blocked or re-queued ended the claim in that
        last write (store.execution), so it costs no write of its own."""
        self.leases.keep(claim)
        outcome: dict[str, Any] | None = None
        try:
            with claims.holding(claim):
                outcome = self._invoke(self._input_for(claim), claim.task_id)
                return outcome
        finally:
            if outcome is not None and outcome.get("status") in CLAIM_ENDED:
                self.leases.drop(claim)
            else:
                self.release(claim)

    def _input_for(self, claim: Claim) -> Any:
        if claim.status in STARTABLE:
            return {"task_id": claim.task_id}
        state = self.graph.get_state(thread_config(claim.task_id))
        graph_input, resume = carry_on(claim, self.owner, self._run_so_far(claim, state))
        if resume is not None:
            log_takeover(self.db, self.org_id, claim, self.owner, resume=resume)
        return graph_input

    def _run_so_far(self, claim: Claim, state: Any) -> RunSoFar:
        task_id = claim.task_id
        pending = self._answerable(task_id, state)
        if pending is not None:
            decision = recorded_decision(self.db, self.org_id, task_id, pending.id)
            return RunSoFar(pending, decision, (), asked=False)
        asked = claim.status is S.PAUSED and approval_asked(self.db, self.org_id, task_id)
        return RunSoFar(None, None, tuple(state.next), asked=asked)

    def _answerable(self, task_id: str, state: Any) -> Any | None:
        with self.db.read_transaction(self.org_id) as conn:
            _, status = repo.get_status(conn, self.org_id, task_id)
        return approval_among(interrupts_of(state)) if status in ANSWERABLE else None

    def _invoke(self, graph_input: Any, task_id: str) -> dict[str, Any]:
        with log_context(task_id=task_id, org=self.organization):
            log.info("run started")
            try:
                result = self.graph.invoke(
                    graph_input, thread_config(task_id), context=self.context, durability="sync"
                )
            except DelegateError:
                raise  # a conflict or a missing task: the task was not changed by this run
            except Exception as exc:  # failed outside any node (the node error handler missed it)
                log.exception("execute_task crashed", extra={"task_id": task_id})
                failed = record_failure(self.db, self.org_id, task_id, "execute_task", exc, 1)
                return dict(redact_value(failed))
            outcome: dict[str, Any] = redact_value(outcome_of(result, task_id))
            log.info("run stopped: %s %s", outcome.get("strategy", "-"), outcome.get("status"))
            return outcome


@asynccontextmanager
async def async_task_runner(
    db: Database,
    *,
    organization: str = DEFAULT_ORG,
    model: str | None = None,
    pool_size: int = 10,
    **options: Any,
) -> AsyncIterator[AsyncTaskRunner]:
    """An AsyncTaskRunner with the async checkpointer opened for its lifetime (`options`: the
    runner's owner, lease and clock; `pool_size`: checkpoint connections on PostgreSQL)."""
    async with open_async_checkpointer(db, pool_size=pool_size) as saver:
        runner = AsyncTaskRunner(db, saver, organization=organization, model=model, **options)
        try:
            yield runner
        finally:
            runner.leases.stop()
