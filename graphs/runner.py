"""Run execute_task for stored tasks with the store's checkpointer (CLI, API, worker, demo).

The graph module compiles without a checkpointer for the LangGraph server; here it is
compiled with the store's, runs with `durability="sync"`, and the automated subtasks a
decomposition queued are run right after their parent.

Every run starts by claiming its task (store/claims.py): a second caller gets AlreadyClaimed
(409) and writes nothing, not even a checkpoint. The runner renews the lease while the run
works, holds the claim as the run's fence, and releases it when the run stops.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from graphs.approval_inbox import ApprovalInbox
from graphs.run_protocol import (
    ANSWERABLE,
    EXECUTABLE,
    RECOVERABLE,
    STARTABLE,
    ClaimingRunner,
    RunSoFar,
    WaitingForApproval,
    approval_among,
    approval_asked,
    carry_on,
    interrupted_outcome,
    interrupts_of,
    log_takeover,
    outcome_of,
    thread_config,
)
from graphs.task_outcomes import record_failure
from store import claims, person_actions
from store import tasks as repo
from store.approval_decisions import record_decision, recorded_decision
from store.awaited_approvals import (
    AwaitedApproval,
    awaited_approval,
    keep_answer,
    unclaimed_waiting,
)
from store.checkpoints import open_checkpointer
from store.claims import Claim
from store.db import Database
from store.enums import ExecutionStatus
from store.errors import Conflict, DelegateError
from store.logcontext import log_context
from store.orgs import DEFAULT_ORG
from store.redaction import redact_value

__all__ = [
    "ANSWERABLE",
    "EXECUTABLE",
    "RECOVERABLE",
    "STARTABLE",
    "TaskRunner",
    "interrupted_outcome",
    "task_runner",
]

log = logging.getLogger("delegate.runner")

S = ExecutionStatus


class TaskRunner(ClaimingRunner, ApprovalInbox):
    """Executes tasks of one organization through the checkpointed execute_task graph."""

    def pending_interrupts(self, task_id: str) -> list[Any]:
        """The interrupts (approval requests) a task's run is waiting on, if any."""
        return interrupts_of(self.graph.get_state(thread_config(task_id)))

    def checkpoint_history(self, task_id: str) -> list[dict[str, Any]]:
        """The task thread's checkpoints, oldest first, each with the nodes that produced it.

        A `loop` checkpoint is written after its parent's `next` nodes ran; an `input`
        checkpoint starts a new run (so a crashed run's unfinished step is not counted)."""
        snapshots = list(reversed(list(self.graph.get_state_history(thread_config(task_id)))))
        by_id = {snap.config["configurable"]["checkpoint_id"]: snap for snap in snapshots}
        rows: list[dict[str, Any]] = []
        for snapshot in snapshots:
            metadata = snapshot.metadata or {}
            parent_id = (snapshot.parent_config or {}).get("configurable", {}).get("checkpoint_id")
            parent = by_id.get(parent_id) if metadata.get("source") == "loop" else None
            rows.append(
                {
                    "checkpoint_id": snapshot.config["configurable"].get("checkpoint_id"),
                    "step": metadata.get("step"),
                    "source": metadata.get("source"),
                    "ran": [n for n in (parent.next if parent else ()) if not n.startswith("__")],
                    "next": list(snapshot.next),
                    "created_at": snapshot.created_at,
                }
            )
        return rows

    def create(self, title: str, **fields: Any) -> str:
        with self.db.session(self.org_id) as session:
            return repo.create_task(session, self.org_id, title, **fields).id

    # -- claims: every run below starts by claiming its task ------------------------------------

    def claim(
        self,
        task_id: str,
        statuses: frozenset[ExecutionStatus],
        *,
        decision: dict[str, Any] | None = None,
        kept: AwaitedApproval | None = None,
    ) -> Claim:
        """Claim the task for a run of this runner (AlreadyClaimed when another run holds it).
        `decision`, a person's answer to a pending approval, is stored with the claim, so a
        worker can carry it out if this process dies before it has; with `kept`, the request
        it answers was never saved as an interrupt, and the answer is kept with the request
        (store.awaited_approvals.keep_answer) for the step that asks it again."""
        with self.db.transaction(self.org_id) as conn:
            claim = claims.claim_task(
                conn,
                self.org_id,
                task_id,
                self.owner,
                statuses=statuses,
                lease=self.lease,
                now=self.clock(),
            )
            if kept is not None and decision is not None:
                if not keep_answer(conn, self.org_id, task_id, kept.idempotency_key, decision):
                    raise Conflict(f"task {task_id} is not waiting for approval")
            elif decision is not None:
                record_decision(conn, self.org_id, task_id, decision)
        return claim

    def run_claimed(self, claim: Claim, *, run_subtasks: bool = False) -> dict[str, Any]:
        """Run (or carry on) the claimed task under its claim, renewing the lease meanwhile,
        and release it after. A pending, queued or blocked task gets a fresh run; a run
        another owner left (in_progress, or paused with an approval a person gave) carries on
        with the recorded decision or from its last checkpoint."""
        self.leases.keep(claim)
        try:
            with claims.holding(claim):
                graph_input = self._input_for(claim)
                outcome = self._invoke(graph_input, claim.task_id)
        finally:
            self.leases.drop(claim)
            with self.db.transaction(self.org_id) as conn:
                claims.release(conn, claim)
        if run_subtasks and outcome.get("strategy") == "decompose":
            outcome["subtasks"] = self._run_subtasks(outcome.get("subtasks") or [])
        return outcome

    def _input_for(self, claim: Claim) -> Any:
        if claim.status in STARTABLE:
            return {"task_id": claim.task_id}
        graph_input, resume = carry_on(claim, self.owner, self._run_so_far(claim))
        if resume is not None:
            log_takeover(self.db, self.org_id, claim, self.owner, resume=resume)
        return graph_input

    def _run_so_far(self, claim: Claim) -> RunSoFar:
        task_id = claim.task_id
        pending = self._approval_interrupt(task_id)
        if pending is not None:
            decision = recorded_decision(self.db, self.org_id, task_id, pending.id)
            return RunSoFar(pending, decision, (), asked=False)
        next_nodes = tuple(self.graph.get_state(thread_config(task_id)).next)
        asked = claim.status is S.PAUSED and approval_asked(self.db, self.org_id, task_id)
        return RunSoFar(None, None, next_nodes, asked=asked)

    # -- the ways a task runs ------------------------------------------------------------------

    def execute(self, task_ref: str, *, run_subtasks: bool = True) -> dict[str, Any]:
        """Run one task to its outcome (the spec's response object plus `task_id`).

        An in_progress task whose owner stopped renewing its lease is taken over; while the
        owner is alive, AlreadyClaimed (409) says who runs it since when."""
        with self.db.read_transaction(self.org_id) as conn:
            task_id, status = repo.get_status(conn, self.org_id, task_ref)
        if status not in EXECUTABLE:
            raise self._not_executable(task_id)
        try:
            claim = self.claim(task_id, EXECUTABLE)
        except claims.AlreadyClaimed:
            # A run that paused for approval holds its claim until its interrupt is saved.
            refused = self._not_executable(task_id)
            if isinstance(refused, WaitingForApproval):
                raise refused from None
            raise
        except Conflict:  # its run moved on since the read above (e.g. it paused for approval)
            raise self._not_executable(task_id) from None
        return self.run_claimed(claim, run_subtasks=run_subtasks)

    def _not_executable(self, task_id: str) -> Conflict:
        """Why the task cannot be executed now, as its stored row says. It waits for approval
        when it is paused on a request the gate recorded (store.awaited_approvals): every
        approval interrupt is raised after its request is recorded in the transaction that
        pauses the task, so the row says so whether or not the interrupt was saved since."""
        with self.db.read_transaction(self.org_id) as conn:
            if awaited_approval(conn, self.org_id, task_id) is not None:
                return WaitingForApproval(
                    f"task {task_id} is waiting for approval: approve or reject it first"
                )
            _, status = repo.get_status(conn, self.org_id, task_id)
        return Conflict(
            f"task {task_id} is {status.value}; only pending, queued or blocked tasks can be "
            "executed"
        )

    def resume(self, task_id: str, decision: Any) -> dict[str, Any]:
        """Answer the approval a run waits on with a person's decision and carry the run on.
        The decision is stored with the claim: if this process dies, a worker finishes it."""
        pending = self._waiting(task_id)
        recorded = {"interrupt_id": pending.id, "value": decision}
        return self.run_claimed(self.claim(task_id, ANSWERABLE, decision=recorded))

    def answer_unsaved(self, asked: AwaitedApproval, decision: Any) -> dict[str, Any]:
        """Answer a request whose interrupt was never saved (ApprovalInbox._unsaved_request):
        claim the paused task with the answer kept, and carry its run on, where the step that
        asks the same request takes the answer instead of pausing."""
        claim = self.claim(asked.task_id, ANSWERABLE, decision=decision, kept=asked)
        return self.run_claimed(claim)

    def _approval_interrupt(self, task_id: str) -> Any | None:
        with self.db.read_transaction(self.org_id) as conn:
            _, status = repo.get_status(conn, self.org_id, task_id)
        if status not in ANSWERABLE:
            return None  # e.g. finished by a person: its run's last interrupt never resumes
        return approval_among(self.pending_interrupts(task_id))

    # -- a person finishing a task, or sending a blocked one back with a note ----------------

    def complete(self, task_ref: str, note: str | None, *, by: str) -> dict[str, Any]:
        """A person did the task (manual, blocked or paused): complete it with `note`."""
        task_id = self._resolve(task_ref)
        with self.db.transaction(self.org_id) as conn:
            done = person_actions.complete_by_person(conn, self.org_id, task_id, note=note, by=by)
        return {
            "task_id": task_id,
            "success": True,
            "status": ExecutionStatus.COMPLETED.value,
            "result": done.result,
            "message": f"Task completed by {by}",
        }

    def retry(self, task_ref: str, note: str, *, by: str) -> dict[str, Any]:
        """Run a blocked task again with a person's note as new context for the model."""
        task_id = self._resolve(task_ref)
        with self.db.transaction(self.org_id) as conn:
            person_actions.add_retry_note(conn, self.org_id, task_id, note=note, by=by)
        return self.execute(task_id)

    def recover(self, task_ref: str) -> dict[str, Any]:
        """Carry on a run whose owner stopped (the process died) once its lease has expired:
        from its last checkpoint, with an approval a person already gave, from the start when
        it died before its first checkpoint, or from the step whose approval request it died
        saving (the gate asks the same question again). The side-effect ledger keeps a
        replayed step from acting twice. AlreadyClaimed while the owner's lease runs."""
        task_id = self._resolve(task_ref)
        with self.db.read_transaction(self.org_id) as conn:
            _, status = repo.get_status(conn, self.org_id, task_id)
        if status is S.PAUSED:
            pending = self._approval_interrupt(task_id)
            if pending is None and not self._stopped_asking(task_id):
                raise Conflict(f"task {task_id} is paused: it waits on a person or its subtasks")
            if pending and not recorded_decision(self.db, self.org_id, task_id, pending.id):
                raise WaitingForApproval(
                    f"task {task_id} is waiting for approval: approve or reject it"
                )
        elif status not in RECOVERABLE:
            raise Conflict(f"task {task_id} is {status.value}: there is no stopped run to recover")
        return self.run_claimed(self.claim(task_id, RECOVERABLE))

    def _stopped_asking(self, task_id: str) -> bool:
        """Whether the gate paused the task to ask a person and its run stopped before the
        question was checkpointed (the thread still has a step to run, and no interrupt)."""
        if not approval_asked(self.db, self.org_id, task_id):
            return False
        return bool(self.graph.get_state(thread_config(task_id)).next)

    def recover_all(self) -> list[dict[str, Any]]:
        """Recover every stranded run of the organization (see `recover`), one at a time: the
        runs whose owner's lease expired, then the paused runs that stopped asking a person
        before their interrupt was saved and that no claim names (`_stopped_while_asking`).
        A task that fails to recover is reported with the reason; the others carry on."""
        outcomes: list[dict[str, Any]] = []
        while True:
            found = claims.claim_batch(
                self.db,
                self.org_id,
                self.owner,
                limit=1,
                lease=self.lease,
                now=self.clock(),
                stranded_only=True,
            )
            if not found:
                break
            try:
                outcomes.append(self.run_claimed(found[0]))
            except DelegateError as exc:
                outcomes.append(_not_recovered(found[0].task_id, exc))
        tried = {outcome["task_id"] for outcome in outcomes}
        for task_id in self._stopped_while_asking():
            if task_id in tried:
                continue
            try:
                outcomes.append(self.recover(task_id))
            except WaitingForApproval:
                continue  # its interrupt was saved since (another recover asked it): it waits
            except DelegateError as exc:
                outcomes.append(_not_recovered(task_id, exc))
        return outcomes

    def _stopped_while_asking(self) -> list[str]:
        """The paused tasks that wait for an approval whose interrupt no checkpoint holds
        (the gate saved the pause, the run ended its claim and died before it saved the
        interrupt: a LangGraph server run ends its claim as the interrupt is raised) and that
        no live claim holds. Workers never take these over on their own (store.queue): the
        task looks like any other waiting for a person until a checkpoint is read. A task
        whose interrupt is saved, or whose owner still holds it, is left alone."""
        with self.db.read_transaction(self.org_id) as conn:
            waiting = unclaimed_waiting(conn, self.org_id, now=self.clock())
        return self._not_saved_among(waiting) if waiting else []

    def _not_saved_among(self, waiting: list[str]) -> list[str]:
        """Those of the `waiting` tasks whose run stopped asking before it saved its interrupt."""
        return [
            task_id
            for task_id in waiting
            if self._approval_interrupt(task_id) is None and self._stopped_asking(task_id)
        ]

    def _resolve(self, task_ref: str) -> str:
        with self.db.session(self.org_id) as session:
            return repo.resolve_task_id(session, self.org_id, task_ref)

    def _waiting(self, task_id: str) -> Any:
        pending = self._approval_interrupt(task_id)
        if pending is None:
            raise Conflict(f"task {task_id} is not waiting for approval")
        return pending

    def _invoke(self, graph_input: Any, task_id: str) -> dict[str, Any]:
        with log_context(task_id=task_id, org=self.organization):
            log.info("run started")
            # What the CLI, the API and the worker show: never a secret a provider echoed.
            outcome: dict[str, Any] = redact_value(self._invoke_graph(graph_input, task_id))
            log.info("run stopped: %s %s", outcome.get("strategy", "-"), outcome.get("status"))
            return outcome

    def _invoke_graph(self, graph_input: Any, task_id: str) -> dict[str, Any]:
        try:
            result = self.graph.invoke(
                graph_input, thread_config(task_id), context=self.context, durability="sync"
            )
        except DelegateError:
            raise  # a conflict or a missing task: the task was not changed by this run
        except Exception as exc:  # failed outside any node (the node error handler missed it)
            log.exception("execute_task crashed", extra={"task_id": task_id})
            return record_failure(self.db, self.org_id, task_id, "execute_task", exc, attempts=1)
        return outcome_of(result, task_id)

    def _run_subtasks(self, subtasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        updated = []
        for sub in subtasks:
            if sub.get("status") == ExecutionStatus.QUEUED.value:
                result = self.execute(sub["id"])
                sub = {**sub, "status": result.get("status"), "outcome": result}
            updated.append(sub)
        return updated


def _not_recovered(task_id: str, exc: DelegateError) -> dict[str, Any]:
    """`recover_all`'s entry for a task it could not recover, with the reason."""
    return {"task_id": task_id, "success": False, "reason": str(exc)}


@contextmanager
def task_runner(
    db: Database, *, organization: str = DEFAULT_ORG, model: str | None = None, **options: Any
) -> Iterator[TaskRunner]:
    """A TaskRunner with the store's checkpointer opened for its lifetime (`options`: the
    runner's owner, lease and clock)."""
    with ExitStack() as stack:
        saver = stack.enter_context(open_checkpointer(db))
        runner = TaskRunner(db, saver, organization=organization, model=model, **options)
        stack.callback(runner.leases.stop)
        yield runner
