"""What the workflow graphs share: the task they run for, its log, retries, and its ending."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import RetryPolicy
from pydantic import ConfigDict

from agents.planner import ModelOutputError
from agents.prompts import with_person_notes
from graphs.context import Context
from graphs.task_outcomes import NEEDS_INTERVENTION, blocked_outcome, unfilled_gaps
from store import tasks as repo
from store.enums import ExecutionStatus, ExecutionType, Strategy
from store.person_actions import person_notes

#: Field docstrings become the descriptions Studio shows for each input and output field
#: (apply with `pydantic.with_config` on a graph's input and output TypedDicts).
STUDIO_SCHEMA = ConfigDict(use_attribute_docstrings=True)

#: Model calls that fail or answer with garbage are tried this many times in all (every graph
#: node that asks a model uses this policy).
MODEL_RETRY = RetryPolicy(
    initial_interval=0.2,
    backoff_factor=2.0,
    max_interval=5.0,
    max_attempts=3,
    jitter=False,
    retry_on=ModelOutputError,
)


@dataclass(frozen=True)
class TaskText:
    """The task a workflow runs for, or the text it was given directly (task_id None)."""

    task_id: str | None
    title: str
    details: str
    execution_type: str


def task_text(
    runtime: Runtime[Context],
    task_id: str | None,
    *,
    default_title: str,
    details: str = "",
    execution_type: str = "fully_automated",
) -> TaskText:
    """The stored task's title and description (with the notes people gave when they retried
    it) when run for one, else the given text."""
    if not task_id:
        return TaskText(None, default_title, details.strip(), execution_type)
    ctx = runtime.context
    org_id = ctx.org_id()
    with ctx.database().session(org_id) as session:
        task = repo.get_task(session, org_id, repo.resolve_task_id(session, org_id, task_id))
        details = with_person_notes(task.description or "", person_notes(task.ai_context))
        kind = task.execution_type or ExecutionType.SEMI_AUTOMATED.value  # untyped: ask first
        return TaskText(task.id, task.title, details, kind)


def log_step(
    runtime: Runtime[Context],
    task_id: str | None,
    workflow: str,
    node: str,
    event: str,
    **details: Any,
) -> None:
    """Append one entry to the task's execution log (nothing when run without a task)."""
    if not task_id:
        return
    ctx = runtime.context
    org_id = ctx.org_id()
    with ctx.database().session(org_id) as session:
        repo.add_execution_log_entry(
            session,
            org_id,
            task_id,
            {
                "event": event,
                "node": node,
                "workflow": workflow,
                "executor_id": workflow,
                "executor_type": "workflow",
                **details,
            },
        )


#: Workflow statuses that mean a person has to act before the task can go on.
NEEDS_A_PERSON = frozenset({"rejected", "denied", "needs_input"})
#: Workflow statuses that end the task as failed.
FAILED = frozenset({"failed"})
#: The workflow status of a task a reviewer finished themselves (answered "resolved").
DONE_BY_PERSON = "done_by_person"


def workflow_result(
    workflow: str, output: Mapping[str, Any], confidence: float | None = None
) -> dict[str, Any]:
    """The task result of a workflow run: {strategy, output, confidence, workflow, <name>}."""
    data = {k: v for k, v in output.items() if k not in ("output", "task_id") and v is not None}
    return {
        "strategy": Strategy.IMMEDIATE.value,
        "output": output.get("output") or "",
        "confidence": confidence,
        "workflow": workflow,
        workflow: data,
    }


def close_task(
    runtime: Runtime[Context],
    task_id: str,
    workflow: str,
    output: Mapping[str, Any],
    confidence: float | None = None,
) -> dict[str, Any]:
    """End a running task the way the workflow ended, and return the spec's outcome:
    completed with its result, blocked when a person must act, or failed."""
    ctx = runtime.context
    org_id = ctx.org_id()
    status = output.get("status")
    if status not in NEEDS_A_PERSON | FAILED and status != DONE_BY_PERSON:
        gaps = unfilled_gaps(str(output.get("output") or ""))
        if gaps is not None:  # written, but not whole: a person finishes it
            status, output = "needs_input", {**output, "status": "needs_input", "reason": gaps}
    result = workflow_result(workflow, output, confidence)
    details: dict[str, Any] = {"node": "execute", "workflow": workflow}
    with ctx.database().session(org_id) as session:
        task = repo.get_task(session, org_id, task_id)
        if status in NEEDS_A_PERSON | FAILED and task.status is ExecutionStatus.PAUSED:
            # Paused for an approval that then went nowhere: running again, then stopped.
            repo.start_task_execution(session, org_id, task_id, workflow, "workflow")
        if status in NEEDS_A_PERSON:
            reason = str(output.get("reason") or f"the {workflow} workflow needs a person")
            repo.block_task_execution(
                session,
                org_id,
                task_id,
                reason,
                workflow,
                "workflow",
                **details,
                result=result,
                rule=output.get("rule"),
            )
            return blocked_outcome(task_id, reason, NEEDS_INTERVENTION, result)
        if status in FAILED:
            reason = str(output.get("reason") or f"the {workflow} workflow failed")
            repo.fail_task_execution(
                session, org_id, task_id, reason, False, workflow, "workflow", **details
            )
            return {
                "task_id": task_id,
                "success": False,
                "strategy": Strategy.IMMEDIATE.value,
                "status": ExecutionStatus.FAILED.value,
                "reason": reason,
                "message": "Task failed",
            }
        executor = ("person", "user") if status == DONE_BY_PERSON else (workflow, "workflow")
        # Paused for an approval that was granted: started again and completed, one write.
        resumed = (
            [repo.starting(workflow, "workflow")] if task.status is ExecutionStatus.PAUSED else []
        )
        done = repo.completing(result, *executor, **details)
        repo.apply_changes(session, org_id, task_id, *resumed, done)
    return {
        "task_id": task_id,
        "success": True,
        "strategy": Strategy.IMMEDIATE.value,
        "status": ExecutionStatus.COMPLETED.value,
        "result": result,
        "message": f"Task completed by the {workflow} workflow",
    }
