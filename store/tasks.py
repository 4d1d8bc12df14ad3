"""The task repository: the spec's helper functions, each scoped to one organization.

This module holds the writes (lifecycle, log, subtasks); reads are in store.task_queries and
re-exported here, so `store.tasks` is the one API.

Every function takes the session and the organization explicitly; the caller owns the
transaction (`Database.session()`), so a failure anywhere leaves nothing half-written.
Every status change goes through `_transition`, which checks the lifecycle table and
appends the execution-log entry.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.enums import AssigneeType, ExecutionStatus, ExecutionType, Priority
from store.errors import Conflict, InvalidInput
from store.lifecycle import check_transition
from store.models import Task, new_id, utcnow

S = ExecutionStatus

#: Decomposition guards: how deep subtasks may nest and how many one parent may have.
MAX_SUBTASK_DEPTH = 3
MAX_SUBTASKS_PER_PARENT = 10

DEFAULT_EXECUTOR_ID = "execute_task"
DEFAULT_EXECUTOR_TYPE = AssigneeType.WORKFLOW

_EDITABLE_FIELDS = {
    "title",
    "description",
    "priority",
    "due_date",
    "execution_type",
    "estimated_duration_minutes",
    "max_retries",
    "automation_rules",
    "assigned_to_type",
    "assigned_to_id",
    "workflow_id",
    "agent_id",
}


def parse_execution_type(value: str | ExecutionType) -> ExecutionType:
    try:
        return ExecutionType(value)
    except ValueError:
        allowed = ", ".join(t.value for t in ExecutionType)
        raise InvalidInput(f"unknown execution type {value!r}; use one of: {allowed}") from None


def parse_priority(value: str | Priority) -> Priority:
    try:
        return Priority(value)
    except ValueError:
        allowed = ", ".join(p.value for p in Priority)
        raise InvalidInput(f"unknown priority {value!r}; use one of: {allowed}") from None


def parse_status(value: str | ExecutionStatus) -> ExecutionStatus:
    try:
        return ExecutionStatus(value)
    except ValueError:
        allowed = ", ".join(s.value for s in ExecutionStatus)
        raise InvalidInput(f"unknown status {value!r}; use one of: {allowed}") from None


def _clean_title(title: str) -> str:
    cleaned = " ".join((title or "").split())
    if not cleaned:
        raise InvalidInput("a task needs a non-empty title")
    if len(cleaned) > 500:
        raise InvalidInput("a task title must be at most 500 characters")
    return cleaned


def log_entry(
    event: str,
    *,
    executor_id: str = DEFAULT_EXECUTOR_ID,
    executor_type: str = DEFAULT_EXECUTOR_TYPE,
    timestamp: datetime | None = None,
    **details: Any,
) -> dict[str, Any]:
    """An execution-log entry in the spec's shape."""
    entry: dict[str, Any] = {
        "event": event,
        "executor_id": executor_id,
        "executor_type": str(executor_type),
        "timestamp": (timestamp or utcnow()).isoformat(),
    }
    entry.update({k: v for k, v in details.items() if v is not None})
    return entry


# Reading lives in store.task_queries; it is part of the same repository API.
from store.task_queries import (  # noqa: E402
    count_tasks_by_status,
    get_executable_tasks,
    get_task,
    get_task_by_ref,
    list_tasks,
    resolve_task_id,
)

__all__ = [
    "DEFAULT_EXECUTOR_ID",
    "DEFAULT_EXECUTOR_TYPE",
    "MAX_SUBTASKS_PER_PARENT",
    "MAX_SUBTASK_DEPTH",
    "add_execution_log_entry",
    "append_log_entry",
    "block_task_execution",
    "complete_task_execution",
    "count_tasks_by_status",
    "create_subtask",
    "create_task",
    "delete_task",
    "fail_task_execution",
    "get_executable_tasks",
    "get_task",
    "get_task_by_ref",
    "list_tasks",
    "log_entry",
    "normalize_title",
    "parse_execution_type",
    "parse_priority",
    "parse_status",
    "pause_task_execution",
    "queue_task",
    "resolve_task_id",
    "start_task_execution",
    "update_task",
]


# --- writing -----------------------------------------------------------------------------


def create_task(
    session: Session,
    org_id: str,
    title: str,
    *,
    description: str = "",
    execution_type: str | ExecutionType = ExecutionType.FULLY_AUTOMATED,
    priority: str | Priority = Priority.MEDIUM,
    due_date: datetime | None = None,
    max_retries: int = 3,
    estimated_duration_minutes: int | None = None,
    automation_rules: dict[str, Any] | None = None,
    parent: Task | None = None,
    created_by: str = "user",
    task_id: str | None = None,
) -> Task:
    """A new pending task, with a `created` log entry (`task_id` picks its id, e.g. a thread's)."""
    if max_retries < 0:
        raise InvalidInput("max_retries must be 0 or more")
    task = Task(
        id=task_id or new_id(),
        org_id=org_id,
        title=_clean_title(title),
        description=(description or "").strip(),
        execution_type=parse_execution_type(execution_type).value,
        priority=parse_priority(priority).value,
        due_date=due_date,
        max_retries=max_retries,
        estimated_duration_minutes=estimated_duration_minutes,
        automation_rules=automation_rules or {},
        parent_task_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 0,
        execution_status=S.PENDING.value,
        execution_log=[],
        ai_context={},
    )
    session.add(task)
    session.flush()
    task.execution_log = [
        log_entry(
            "created",
            executor_id=created_by,
            executor_type=AssigneeType.USER if created_by == "user" else AssigneeType.WORKFLOW,
            execution_type=task.execution_type,
            parent_task_id=task.parent_task_id,
        )
    ]
    session.flush()
    return task


def update_task(session: Session, org_id: str, task_id: str, **fields: Any) -> Task:
    """Change a task's editable fields (never its status: that is the lifecycle's job)."""
    unknown = set(fields) - _EDITABLE_FIELDS
    if unknown:
        raise InvalidInput(f"cannot edit field(s): {', '.join(sorted(unknown))}")
    task = get_task(session, org_id, task_id, for_update=True)
    if "title" in fields:
        fields["title"] = _clean_title(fields["title"])
    if "execution_type" in fields:
        fields["execution_type"] = parse_execution_type(fields["execution_type"]).value
    if "priority" in fields:
        fields["priority"] = parse_priority(fields["priority"]).value
    changed = {k: v for k, v in fields.items() if getattr(task, k) != v}
    for key, value in changed.items():
        setattr(task, key, value)
    if changed:
        _append(
            task,
            log_entry("updated", executor_id="user", executor_type="user", fields=sorted(changed)),
        )
    session.flush()
    return task


def delete_task(session: Session, org_id: str, task_id: str) -> None:
    """Delete a task and its subtasks."""
    task = get_task(session, org_id, task_id, for_update=True)
    for child in list(task.subtasks):
        delete_task(session, org_id, child.id)
    session.delete(task)
    session.flush()


def _append(task: Task, entry: dict[str, Any]) -> None:
    # Reassign (not .append) so the ORM sees the change and the version counter moves.
    task.execution_log = [*(task.execution_log or []), entry]


def append_log_entry(task: Task, entry: dict[str, Any]) -> None:
    """Append an entry to a task already loaded (for update) in the caller's session."""
    if not isinstance(entry, dict) or not entry.get("event"):
        raise InvalidInput("an execution-log entry needs an 'event'")
    _append(task, log_entry(entry["event"], **{k: v for k, v in entry.items() if k != "event"}))


def record_classification(
    session: Session,
    org_id: str,
    task_id: str,
    *,
    confidence: float,
    context: dict[str, Any],
    entry: dict[str, Any],
) -> Task:
    """Store the AI's decision (confidence, context keys merged) and log it, in one write."""
    task = get_task(session, org_id, task_id, for_update=True)
    task.ai_confidence = confidence
    task.ai_context = {**(task.ai_context or {}), **context}
    append_log_entry(task, entry)
    session.flush()
    return task


def add_execution_log_entry(
    session: Session, org_id: str, task_id: str, entry: dict[str, Any]
) -> Task:
    """Append one entry to a task's execution log (adding a timestamp if it has none)."""
    if not isinstance(entry, dict) or not entry.get("event"):
        raise InvalidInput("an execution-log entry needs an 'event'")
    task = get_task(session, org_id, task_id, for_update=True)
    append_log_entry(task, entry)
    session.flush()
    return task


def _transition(
    task: Task,
    target: ExecutionStatus,
    event: str,
    *,
    executor_id: str = DEFAULT_EXECUTOR_ID,
    executor_type: str = DEFAULT_EXECUTOR_TYPE,
    **details: Any,
) -> None:
    """The one place a status changes: check the table, set the status, log the move."""
    current = task.status
    check_transition(task.id, current, target)
    now = utcnow()
    task.execution_status = target.value
    if target is S.IN_PROGRESS and task.started_at is None:
        task.started_at = now
    elif target is S.BLOCKED:
        task.blocked_at = now
    elif target is S.FAILED:
        task.failed_at = now
    elif target is S.COMPLETED:
        task.completed_at = now
        if task.started_at is not None:
            task.actual_duration_minutes = round((now - task.started_at).total_seconds() / 60, 3)
    _append(
        task,
        log_entry(
            event,
            executor_id=executor_id,
            executor_type=executor_type,
            timestamp=now,
            from_status=current.value,
            to_status=target.value,
            **details,
        ),
    )


def queue_task(session: Session, org_id: str, task_id: str, *, reason: str | None = None) -> Task:
    """pending or blocked -> queued: waiting for a worker."""
    task = get_task(session, org_id, task_id, for_update=True)
    if task.status is S.BLOCKED:
        task.blocked_reason = None
    _transition(task, S.QUEUED, "queued", reason=reason)
    session.flush()
    return task


def start_task_execution(
    session: Session,
    org_id: str,
    task_id: str,
    executor_id: str = DEFAULT_EXECUTOR_ID,
    executor_type: str = DEFAULT_EXECUTOR_TYPE,
    **details: Any,
) -> Task:
    """Begin (or resume) executing a task: -> in_progress, with a `started` entry."""
    task = get_task(session, org_id, task_id, for_update=True)
    # A finished task reaches _transition too, so it fails with IllegalTransition like every
    # other illegal move (the lifecycle is enforced in one place).
    event = "resumed" if task.status in (S.PAUSED, S.BLOCKED) else "started"
    if task.status is S.BLOCKED:
        task.blocked_reason = None
    _transition(
        task,
        S.IN_PROGRESS,
        event,
        executor_id=executor_id,
        executor_type=executor_type,
        attempt=task.retry_count + 1,
        **details,
    )
    task.assigned_to_type = str(executor_type)
    task.assigned_to_id = executor_id
    session.flush()
    return task


def complete_task_execution(
    session: Session,
    org_id: str,
    task_id: str,
    result: dict[str, Any],
    executor_id: str = DEFAULT_EXECUTOR_ID,
    executor_type: str = DEFAULT_EXECUTOR_TYPE,
    **details: Any,
) -> Task:
    """-> completed with its result; a parent whose subtasks are now all done completes too."""
    task = get_task(session, org_id, task_id, for_update=True)
    task.result = result
    task.failure_reason = None
    _transition(
        task,
        S.COMPLETED,
        "completed",
        executor_id=executor_id,
        executor_type=executor_type,
        result=result,
        **details,
    )
    session.flush()
    if task.parent_task_id:
        _complete_parent_if_done(session, org_id, task.parent_task_id)
    return task


def _complete_parent_if_done(session: Session, org_id: str, parent_id: str) -> None:
    parent = get_task(session, org_id, parent_id, for_update=True)
    if parent.status is not S.PAUSED:
        return
    children = session.scalars(select(Task).where(Task.parent_task_id == parent_id)).all()
    if not children or any(c.status is not S.COMPLETED for c in children):
        return
    output = "\n".join(
        f"- {c.title}: {(c.result or {}).get('output', 'done')}".strip() for c in children
    )
    complete_task_execution(
        session,
        org_id,
        parent_id,
        {
            "strategy": "decompose",
            "output": f"All {len(children)} subtasks completed.\n{output}",
            "confidence": parent.ai_confidence,
        },
    )


def fail_task_execution(
    session: Session,
    org_id: str,
    task_id: str,
    error: str,
    should_retry: bool = True,
    executor_id: str = DEFAULT_EXECUTOR_ID,
    executor_type: str = DEFAULT_EXECUTOR_TYPE,
    **details: Any,
) -> Task:
    """Record a failure: re-queue with retry_count + 1 while retries remain, else `failed`."""
    task = get_task(session, org_id, task_id, for_update=True)
    error = (error or "unknown error").strip()
    # Only a running (or blocked) task has a retry move back to the queue; a pending task never
    # ran, so failing it is illegal, and a paused one fails outright.
    retryable = task.status in (S.IN_PROGRESS, S.BLOCKED)
    if should_retry and retryable and task.retry_count < task.max_retries:
        task.retry_count += 1
        _transition(
            task,
            S.QUEUED,
            "retry_scheduled",
            executor_id=executor_id,
            executor_type=executor_type,
            error=error,
            retry_count=task.retry_count,
            max_retries=task.max_retries,
            **details,
        )
    else:
        task.failure_reason = error
        _transition(
            task,
            S.FAILED,
            "failed",
            executor_id=executor_id,
            executor_type=executor_type,
            error=error,
            retry_count=task.retry_count,
            **details,
        )
    session.flush()
    return task


def block_task_execution(
    session: Session,
    org_id: str,
    task_id: str,
    reason: str,
    executor_id: str = DEFAULT_EXECUTOR_ID,
    executor_type: str = DEFAULT_EXECUTOR_TYPE,
    **details: Any,
) -> Task:
    """-> blocked with a reason that says what would unblock it."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("blocking a task needs a reason")
    task = get_task(session, org_id, task_id, for_update=True)
    task.blocked_reason = reason
    _transition(
        task,
        S.BLOCKED,
        "blocked",
        executor_id=executor_id,
        executor_type=executor_type,
        reason=reason,
        **details,
    )
    session.flush()
    return task


def pause_task_execution(
    session: Session,
    org_id: str,
    task_id: str,
    reason: str,
    executor_id: str = DEFAULT_EXECUTOR_ID,
    executor_type: str = DEFAULT_EXECUTOR_TYPE,
    **details: Any,
) -> Task:
    """in_progress -> paused: waiting for a person's approval or for subtasks."""
    task = get_task(session, org_id, task_id, for_update=True)
    _transition(
        task,
        S.PAUSED,
        "paused",
        executor_id=executor_id,
        executor_type=executor_type,
        reason=reason,
        **details,
    )
    session.flush()
    return task


def create_subtask(
    session: Session,
    org_id: str,
    parent_task_id: str,
    title: str,
    description: str = "",
    execution_type: str | ExecutionType = ExecutionType.FULLY_AUTOMATED,
    *,
    priority: str | Priority | None = None,
    estimated_duration_minutes: int | None = None,
) -> Task:
    """A subtask of `parent_task_id`, within the depth and count limits and never a duplicate."""
    parent = get_task(session, org_id, parent_task_id, for_update=True)
    if parent.depth + 1 > MAX_SUBTASK_DEPTH:
        raise Conflict(
            f"task {parent.id} is at depth {parent.depth}; subtasks may nest at most "
            f"{MAX_SUBTASK_DEPTH} levels"
        )
    siblings = session.scalars(select(Task).where(Task.parent_task_id == parent.id)).all()
    if len(siblings) >= MAX_SUBTASKS_PER_PARENT:
        raise Conflict(f"task {parent.id} already has {MAX_SUBTASKS_PER_PARENT} subtasks")
    key = normalize_title(title)
    if key == normalize_title(parent.title) or any(
        normalize_title(s.title) == key for s in siblings
    ):
        raise Conflict(f"task {parent.id} already has a subtask {title!r}")
    child = create_task(
        session,
        org_id,
        title,
        description=description,
        execution_type=execution_type,
        priority=priority or parent.priority,
        due_date=parent.due_date,
        max_retries=parent.max_retries,
        estimated_duration_minutes=estimated_duration_minutes,
        parent=parent,
        created_by=DEFAULT_EXECUTOR_ID,
    )
    _append(
        parent,
        log_entry(
            "subtask_created",
            subtask_id=child.id,
            title=child.title,
            execution_type=child.execution_type,
        ),
    )
    session.flush()
    return child


def normalize_title(title: str) -> str:
    """The form two titles share when they name the same work (case, spacing, punctuation)."""
    return re.sub(r"[^a-z0-9]+", " ", (title or "").lower()).strip()
