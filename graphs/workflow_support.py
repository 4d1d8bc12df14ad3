"""What the workflow graphs share: the task they run for, its log, and their retry policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import RetryPolicy

from agents.planner import ModelOutputError
from graphs.context import Context
from store import tasks as repo

#: A model answer that does not fit the schema is asked for again, this many times in all.
WORKFLOW_MODEL_RETRY = RetryPolicy(
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
    """The stored task's title and description when run for one, else the given text."""
    if not task_id:
        return TaskText(None, default_title, details.strip(), execution_type)
    ctx = runtime.context
    org_id = ctx.org_id()
    with ctx.database().session() as session:
        task = repo.get_task(session, org_id, repo.resolve_task_id(session, org_id, task_id))
        return TaskText(task.id, task.title, task.description or "", task.execution_type)


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
    with ctx.database().session() as session:
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
