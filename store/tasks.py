"""The task repository: the spec's helper functions, each scoped to one organization.

This module creates, edits, deletes and splits tasks. The lifecycle's writes (start, complete,
fail, block, pause, queue, log entries) are in store.execution and the reads in
store.task_queries; both are re-exported here, so `store.tasks` is the one API.

Every function takes the session and the organization explicitly; the caller owns the
transaction (`Database.session()`), so a failure anywhere leaves nothing half-written.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.enums import (
    AssigneeType,
    ExecutionStatus,
    ExecutionType,
    Priority,
    parse_execution_type,
    parse_priority,
    parse_status,
)
from store.errors import Conflict, InvalidInput
from store.execution import (
    DEFAULT_EXECUTOR_ID,
    DEFAULT_EXECUTOR_TYPE,
    add_execution_log_entry,
    append_log_entry,
    apply_changes,
    block_task_execution,
    complete_task_execution,
    completing,
    fail_task_execution,
    log_entry,
    pause_task_execution,
    queue_task,
    record_classification,
    start_task_execution,
    starting,
)
from store.models import Task, new_id
from store.task_queries import (
    count_tasks_by_status,
    get_executable_tasks,
    get_status,
    get_task,
    get_task_by_ref,
    get_title,
    list_tasks,
    resolve_task_id,
)
from store.text_rules import describe_character, forbidden_character

S = ExecutionStatus

#: Decomposition guards: how deep subtasks may nest and how many one parent may have.
MAX_SUBTASK_DEPTH = 3
MAX_SUBTASKS_PER_PARENT = 10

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


def _clean_title(title: str) -> str:
    cleaned = " ".join((title or "").split())
    if not cleaned:
        raise InvalidInput("a task needs a non-empty title")
    refused = forbidden_character(cleaned)
    if refused is not None:
        raise InvalidInput(
            f"a task title must not contain control characters; found {describe_character(refused)}"
        )
    if len(cleaned) > 500:
        raise InvalidInput("a task title must be at most 500 characters")
    return cleaned


__all__ = [
    "DEFAULT_EXECUTOR_ID",
    "DEFAULT_EXECUTOR_TYPE",
    "MAX_SUBTASKS_PER_PARENT",
    "MAX_SUBTASK_DEPTH",
    "add_execution_log_entry",
    "append_log_entry",
    "apply_changes",
    "block_task_execution",
    "complete_task_execution",
    "completing",
    "count_tasks_by_status",
    "create_subtask",
    "create_task",
    "delete_task",
    "fail_task_execution",
    "get_executable_tasks",
    "get_status",
    "get_task",
    "get_task_by_ref",
    "get_title",
    "list_tasks",
    "log_entry",
    "normalize_title",
    "parse_execution_type",
    "parse_priority",
    "parse_status",
    "pause_task_execution",
    "queue_task",
    "record_classification",
    "resolve_task_id",
    "start_task_execution",
    "starting",
    "update_task",
]


def create_task(
    session: Session,
    org_id: str,
    title: str,
    *,
    description: str = "",
    execution_type: str | ExecutionType | None = ExecutionType.FULLY_AUTOMATED,
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
    kind = parse_execution_type(execution_type).value if execution_type else None
    task = Task(
        id=task_id or new_id(),
        org_id=org_id,
        title=_clean_title(title),
        description=(description or "").strip(),
        execution_type=kind,
        priority=parse_priority(priority).value,
        due_date=due_date,
        max_retries=max_retries,
        estimated_duration_minutes=estimated_duration_minutes,
        automation_rules=automation_rules or {},
        parent_task_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 0,
        execution_status=S.PENDING.value,
        execution_log=[
            log_entry(
                "created",
                executor_id=created_by,
                executor_type=AssigneeType.USER if created_by == "user" else AssigneeType.WORKFLOW,
                execution_type=kind,
                parent_task_id=parent.id if parent else None,
            )
        ],
        ai_context={},
    )
    session.add(task)
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
        append_log_entry(
            task,
            {
                "event": "updated",
                "executor_id": "user",
                "executor_type": "user",
                "fields": sorted(changed),
            },
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
    append_log_entry(
        parent,
        {
            "event": "subtask_created",
            "subtask_id": child.id,
            "title": child.title,
            "execution_type": child.execution_type,
        },
    )
    session.flush()
    return child


def normalize_title(title: str) -> str:
    """The form two titles share when they name the same work (case, spacing, punctuation)."""
    return re.sub(r"[^a-z0-9]+", " ", (title or "").lower()).strip()
