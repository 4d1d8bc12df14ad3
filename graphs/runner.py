"""Run execute_task for stored tasks with the store's checkpointer (CLI, API, worker, demo).

The graph module compiles without a checkpointer for the LangGraph server; here it is
compiled with the store's, runs with `durability="sync"`, and the automated subtasks a
decomposition queued are run right after their parent.
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
from store import person_actions
from store import tasks as repo
from store.checkpoints import open_checkpointer
from store.db import Database, share_database
from store.enums import ExecutionStatus
from store.errors import Conflict, DelegateError, InvalidInput
from store.logcontext import log_context
from store.orgs import DEFAULT_ORG, ensure_organization
from store.redaction import redact_value
from tools.gate.approval import edited_args, parse_decision, requested_action

log = logging.getLogger("delegate.runner")

RUNNABLE = {ExecutionStatus.PENDING, ExecutionStatus.QUEUED, ExecutionStatus.BLOCKED}


class TaskRunner:
    """Executes tasks of one organization through the checkpointed execute_task graph."""

    def __init__(
        self,
        db: Database,
        checkpointer: Any,
        *,
        organization: str = DEFAULT_ORG,
        model: str | None = None,
    ) -> None:
        self.db = db
        share_database(db)  # the nodes' ctx.database() is then this same engine and pool
        self.organization = organization
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

    def execute(self, task_ref: str, *, run_subtasks: bool = True) -> dict[str, Any]:
        """Run one task to its outcome (the spec's response object plus `task_id`)."""
        with self.db.read_transaction() as conn:
            task_id, status = repo.get_status(conn, self.org_id, task_ref)
        if status not in RUNNABLE:
            if status is ExecutionStatus.PAUSED and self.pending_interrupts(task_id):
                raise Conflict(
                    f"task {task_id} is waiting for approval: approve or reject it first"
                )
            raise Conflict(
                f"task {task_id} is {status.value}; only pending, queued or blocked "
                "tasks can be executed"
            )
        outcome = self._invoke({"task_id": task_id}, task_id)
        if run_subtasks and outcome.get("strategy") == "decompose":
            outcome["subtasks"] = self._run_subtasks(outcome.get("subtasks") or [])
        return outcome

    def resume(self, task_id: str, decision: Any) -> dict[str, Any]:
        """Resume a run waiting on an interrupt with a person's decision."""
        if not self.pending_interrupts(task_id):
            raise Conflict(f"task {task_id} is not waiting for approval")
        return self._invoke(Command(resume=decision), task_id)

    # -- human approval (tools/gate/approval.py documents the payload and the answers) ----------

    def _approval_interrupt(self, task_id: str) -> Any | None:
        with self.db.read_transaction() as conn:
            _, status = repo.get_status(conn, self.org_id, task_id)
        if status is not ExecutionStatus.PAUSED:
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
            paused = repo.list_tasks(
                session, self.org_id, status=ExecutionStatus.PAUSED, limit=limit
            )
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
        return self._invoke(Command(resume={pending.id: decision_value}), task_id)

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
        """Continue a run that stopped mid-step (the process died) from its last checkpoint;
        the side-effect ledger keeps a replayed step from acting twice."""
        task_id = self._resolve(task_ref)
        if self.pending_interrupts(task_id):
            raise Conflict(f"task {task_id} is waiting for approval: approve or reject it")
        if not self.graph.get_state(self._config(task_id)).next:
            raise Conflict(f"task {task_id} has no interrupted run to recover")
        return self._invoke(None, task_id)

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
            outcome.update(
                task_id=task_id,
                success=True,
                status=ExecutionStatus.PAUSED.value,
                message="Waiting for a person's approval",
                approval=next(
                    (
                        i.value
                        for i in interrupts
                        if requested_action(getattr(i, "value", None)) is not None
                    ),
                    None,
                ),
            )
            outcome.setdefault("strategy", "immediate")
        return outcome

    def _run_subtasks(self, subtasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        updated = []
        for sub in subtasks:
            if sub.get("status") == ExecutionStatus.QUEUED.value:
                result = self.execute(sub["id"])
                sub = {**sub, "status": result.get("status"), "outcome": result}
            updated.append(sub)
        return updated


@contextmanager
def task_runner(
    db: Database, *, organization: str = DEFAULT_ORG, model: str | None = None
) -> Iterator[TaskRunner]:
    """A TaskRunner with the store's checkpointer opened for its lifetime."""
    with ExitStack() as stack:
        saver = stack.enter_context(open_checkpointer(db))
        yield TaskRunner(db, saver, organization=organization, model=model)
