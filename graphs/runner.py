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

from langchain_core.runnables import RunnableConfig
from langgraph.types import Command

from graphs.context import ProcessContext
from graphs.execute_task import build_graph
from graphs.task_outcomes import record_failure
from store import claims, person_actions
from store import tasks as repo
from store.approval_decisions import record_decision, recorded_decision
from store.checkpoints import open_checkpointer
from store.claims import Claim, Clock, LeaseKeeper
from store.db import Database, share_database
from store.enums import ExecutionStatus
from store.errors import Conflict, DelegateError, InvalidInput
from store.logcontext import log_context
from store.models import utcnow
from store.orgs import DEFAULT_ORG, ensure_organization
from store.redaction import redact_value
from tools.gate.approval import edited_args, parse_decision, requested_action

log = logging.getLogger("delegate.runner")

S = ExecutionStatus
#: A fresh run starts from these.
STARTABLE = frozenset({S.PENDING, S.QUEUED, S.BLOCKED})
#: What `execute` claims: a fresh start, or a run whose owner's lease expired.
EXECUTABLE = STARTABLE | {S.IN_PROGRESS}
#: What answering an approval claims: the paused run, or one an earlier approver left.
ANSWERABLE = frozenset({S.PAUSED, S.IN_PROGRESS})
#: What `recover` claims.
RECOVERABLE = frozenset({S.IN_PROGRESS, S.PAUSED})


class TaskRunner:
    """Executes tasks of one organization through the checkpointed execute_task graph."""

    def __init__(
        self,
        db: Database,
        checkpointer: Any,
        *,
        organization: str = DEFAULT_ORG,
        model: str | None = None,
        owner: str | None = None,
        lease: float | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        share_database(db)  # the nodes' ctx.database() is then this same engine and pool
        self.organization = organization
        self.owner = owner or claims.default_owner("runner")
        """Who this runner's claims name (host/pid/role/random)."""
        self.lease = claims.lease_seconds() if lease is None else lease
        self.clock = clock
        self.leases = LeaseKeeper(db, lease=self.lease, clock=clock)
        self.context = ProcessContext(
            organization_name=organization,
            database_url=db.url,
            **({"model": model} if model else {}),
        )
        self.graph = build_graph().compile(checkpointer=checkpointer, name="execute_task")
        with db.session() as session:
            self.org_id = ensure_organization(session, organization).id

    def _config(self, task_id: str) -> RunnableConfig:
        return {"configurable": {"thread_id": task_id}}

    def pending_interrupts(self, task_id: str) -> list[Any]:
        """The interrupts (approval requests) a task's run is waiting on, if any."""
        state = self.graph.get_state(self._config(task_id))
        return [i for t in state.tasks for i in t.interrupts]

    def checkpoint_history(self, task_id: str) -> list[dict[str, Any]]:
        """The task thread's checkpoints, oldest first, each with the nodes that produced it.

        A `loop` checkpoint is written after its parent's `next` nodes ran; an `input`
        checkpoint starts a new run (so a crashed run's unfinished step is not counted)."""
        snapshots = list(reversed(list(self.graph.get_state_history(self._config(task_id)))))
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
        with self.db.session() as session:
            return repo.create_task(session, self.org_id, title, **fields).id

    # -- claims: every run below starts by claiming its task ------------------------------------

    def claim(
        self,
        task_id: str,
        statuses: frozenset[ExecutionStatus],
        *,
        decision: dict[str, Any] | None = None,
    ) -> Claim:
        """Claim the task for a run of this runner (AlreadyClaimed when another run holds it).
        `decision`, a person's answer to a pending approval, is stored with the claim, so a
        worker can carry it out if this process dies before it has."""
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
            if decision is not None:
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
        task_id = claim.task_id
        if claim.status in STARTABLE:
            return {"task_id": task_id}
        pending = self._approval_interrupt(task_id)
        if pending is not None:
            decision = recorded_decision(self.db, self.org_id, task_id, pending.id)
            if decision is None:
                raise Conflict(f"task {task_id} is waiting for approval: approve or reject it")
            if claim.status is not S.PAUSED or claim.owner != self.owner:
                self._log_takeover(task_id, claim, resume="approval")
            return Command(resume={pending.id: decision})
        if claim.status is S.PAUSED:
            raise Conflict(f"task {task_id} is paused: it waits on a person or its subtasks")
        state = self.graph.get_state(self._config(task_id))
        self._log_takeover(task_id, claim, resume=",".join(state.next) or "prepare")
        # No interrupted step (the owner died before prepare's checkpoint): run it again;
        # prepare carries on with an in_progress task this run has claimed.
        return None if state.next else {"task_id": task_id}

    def _log_takeover(self, task_id: str, claim: Claim, *, resume: str) -> None:
        entry = {
            "event": "taken_over",
            "executor_id": self.owner,
            "executor_type": "workflow",
            "claim_token": claim.token,
            "resume_from": resume,
        }
        with self.db.transaction(self.org_id) as conn:
            repo.add_execution_log_entry(conn, self.org_id, task_id, entry)

    # -- the ways a task runs ------------------------------------------------------------------

    def execute(self, task_ref: str, *, run_subtasks: bool = True) -> dict[str, Any]:
        """Run one task to its outcome (the spec's response object plus `task_id`).

        An in_progress task whose owner stopped renewing its lease is taken over; while the
        owner is alive, AlreadyClaimed (409) says who runs it since when."""
        with self.db.read_transaction() as conn:
            task_id, status = repo.get_status(conn, self.org_id, task_ref)
        if status not in EXECUTABLE:
            if self.pending_interrupts(task_id):
                raise Conflict(
                    f"task {task_id} is waiting for approval: approve or reject it first"
                )
            raise Conflict(
                f"task {task_id} is {status.value}; only pending, queued or blocked "
                "tasks can be executed"
            )
        return self.run_claimed(self.claim(task_id, EXECUTABLE), run_subtasks=run_subtasks)

    def resume(self, task_id: str, decision: Any) -> dict[str, Any]:
        """Answer the approval a run waits on with a person's decision and carry the run on.
        The decision is stored with the claim: if this process dies, a worker finishes it."""
        pending = self._waiting(task_id)
        recorded = {"interrupt_id": pending.id, "value": decision}
        return self.run_claimed(self.claim(task_id, ANSWERABLE, decision=recorded))

    # -- human approval (tools/gate/approval.py documents the payload and the answers) ----------

    def _approval_interrupt(self, task_id: str) -> Any | None:
        with self.db.read_transaction() as conn:
            _, status = repo.get_status(conn, self.org_id, task_id)
        if status not in ANSWERABLE:
            return None  # e.g. finished by a person: its run's last interrupt never resumes
        for pending in self.pending_interrupts(task_id):
            if requested_action(getattr(pending, "value", None)) is not None:
                return pending
        return None

    def pending_approval(self, task_ref: str) -> dict[str, Any] | None:
        """The approval request a task's run is waiting on (an ApprovalRequest), or None."""
        pending = self._approval_interrupt(self._resolve(task_ref))
        return dict(pending.value) if pending is not None else None

    def pending_approvals(self, limit: int = 200) -> list[dict[str, Any]]:
        """Every approval the organization's runs wait on, most recently paused first: each
        {task_id, title, parent_id, parent_title, execution_type, priority, updated_at,
        approval}, the one inbox shape of the API, the CLI and the page."""
        with self.db.session() as session:
            # in_progress too: an approval given whose run has not carried it out yet (the
            # approver died) stays in the inbox until a worker or a person finishes it.
            paused = [
                task
                for status in (S.PAUSED, S.IN_PROGRESS)
                for task in repo.list_tasks(session, self.org_id, status=status, limit=limit)
            ]
            rows: list[dict[str, Any]] = [
                {
                    "task_id": t.id,
                    "title": t.title,
                    "parent_id": t.parent_task_id,
                    "parent_title": (
                        repo.get_title(session, self.org_id, t.parent_task_id)
                        if t.parent_task_id
                        else None
                    ),
                    "execution_type": t.execution_type,
                    "priority": t.priority,
                    "updated_at": t.updated_at,
                }
                for t in paused
            ]
        items = []
        for row in rows:
            # A parent paused on its subtasks has no interrupt: it is not the inbox's business.
            payload = self.pending_approval(row["task_id"])
            if payload is not None:
                items.append({**row, "approval": payload})
        items.sort(key=lambda item: item["updated_at"], reverse=True)
        return items

    def answer(self, task_ref: str, value: Any) -> dict[str, Any]:
        """Resume the waiting approval with any answer tools.gate.approval accepts (a
        HITLResponse, one decision, or Agent Inbox's response), checked before it is given."""
        task_id = self._resolve(task_ref)
        pending = self._waiting(task_id)
        action = requested_action(pending.value) or {"name": "", "args": {}}
        decision = parse_decision(value, action["name"])
        if decision.kind == "edit":
            decision_value: dict[str, Any] = {
                "type": "edit",
                "edited_action": {
                    "name": action["name"],
                    "args": self._validated_edit(action, decision.args),
                },
            }
        else:
            decision_value = {"type": decision.kind, "message": decision.message}
        return self.resume(task_id, decision_value)

    def approve(self, task_ref: str, edited_args: dict[str, Any] | None = None) -> dict[str, Any]:
        """Approve the waiting side effect, as proposed or with `edited_args` laid over the
        proposed arguments (e.g. {"body": "..."}); runs exactly that and continues the run."""
        if edited_args is not None and not isinstance(edited_args, dict):
            raise InvalidInput("edited arguments must be a JSON object")
        if edited_args:
            return self.answer(task_ref, {"type": "edit", "edited_action": {"args": edited_args}})
        return self.answer(task_ref, {"type": "approve"})

    def reject(self, task_ref: str, reason: str) -> dict[str, Any]:
        """Reject the waiting side effect: nothing runs and the task is blocked with `reason`."""
        reason = " ".join((reason or "").split())
        if not reason:
            raise InvalidInput("rejecting needs a reason (--reason)")
        return self.answer(task_ref, {"type": "reject", "message": reason})

    @staticmethod
    def _validated_edit(action: Any, edits: dict[str, Any]) -> dict[str, Any]:
        """The proposed arguments with the edits laid over them, checked by the tool."""
        from tools.toolkit import all_specs

        merged = edited_args(dict(action.get("args") or {}), edits)
        spec = all_specs().get(action["name"])
        return spec.validate(merged) if spec else merged

    # -- a person finishing a task, or sending a blocked one back with a note ----------------

    def complete(self, task_ref: str, note: str | None, *, by: str) -> dict[str, Any]:
        """A person did the task (manual, blocked or paused): complete it with `note`."""
        task_id = self._resolve(task_ref)
        with self.db.transaction() as conn:
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
        with self.db.transaction() as conn:
            person_actions.add_retry_note(conn, self.org_id, task_id, note=note, by=by)
        return self.execute(task_id)

    def recover(self, task_ref: str) -> dict[str, Any]:
        """Carry on a run whose owner stopped (the process died) once its lease has expired:
        from its last checkpoint, with an approval a person already gave, or from the start
        when it died before its first checkpoint. The side-effect ledger keeps a replayed
        step from acting twice. AlreadyClaimed while the owner's lease runs."""
        task_id = self._resolve(task_ref)
        with self.db.read_transaction() as conn:
            _, status = repo.get_status(conn, self.org_id, task_id)
        if status is S.PAUSED:
            pending = self._approval_interrupt(task_id)
            given = pending and recorded_decision(self.db, self.org_id, task_id, pending.id)
            if not given:
                raise Conflict(f"task {task_id} is waiting for approval: approve or reject it")
        elif status not in RECOVERABLE:
            raise Conflict(f"task {task_id} is {status.value}: there is no stopped run to recover")
        return self.run_claimed(self.claim(task_id, RECOVERABLE))

    def recover_all(self) -> list[dict[str, Any]]:
        """Recover every stranded run of the organization (see `recover`), one at a time."""
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
                return outcomes
            try:
                outcomes.append(self.run_claimed(found[0]))
            except DelegateError as exc:
                task_id = found[0].task_id
                outcomes.append({"task_id": task_id, "success": False, "reason": str(exc)})

    def _resolve(self, task_ref: str) -> str:
        with self.db.session() as session:
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
                graph_input, self._config(task_id), context=self.context, durability="sync"
            )
        except DelegateError:
            raise  # a conflict or a missing task: the task was not changed by this run
        except Exception as exc:  # failed outside any node (the node error handler missed it)
            log.exception("execute_task crashed", extra={"task_id": task_id})
            return record_failure(self.db, self.org_id, task_id, "execute_task", exc, attempts=1)
        outcome = {k: v for k, v in result.items() if v is not None and k != "__interrupt__"}
        interrupts = result.get("__interrupt__") or []
        if interrupts:
            outcome = interrupted_outcome(outcome, task_id, [i.value for i in interrupts])
        return outcome

    def _run_subtasks(self, subtasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        updated = []
        for sub in subtasks:
            if sub.get("status") == ExecutionStatus.QUEUED.value:
                result = self.execute(sub["id"])
                sub = {**sub, "status": result.get("status"), "outcome": result}
            updated.append(sub)
        return updated


def interrupted_outcome(
    outcome: dict[str, Any], task_id: str, interrupt_values: list[Any]
) -> dict[str, Any]:
    """The outcome of a run that stopped at interrupts: paused, with the approval it asks."""
    approval = next((v for v in interrupt_values if requested_action(v) is not None), None)
    paused = {
        **outcome,
        "task_id": task_id,
        "success": True,
        "status": ExecutionStatus.PAUSED.value,
        "message": "Waiting for a person's approval",
        "approval": approval,
    }
    paused.setdefault("strategy", "immediate")
    return paused


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
