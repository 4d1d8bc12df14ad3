"""Task routes: create, list, read, edit, delete, the execution log, and feedback."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic import StringConstraints
from pydantic.json_schema import SkipJsonSchema

from agents import learning
from app.api.errors import ERROR_RESPONSES, MAX_BODY_BYTES
from app.api.idempotency import IdempotencyKey, serve_once
from app.api.schemas import (
    ExecutionLog,
    FeedbackCreate,
    FeedbackList,
    FeedbackOut,
    TaskCreate,
    TaskDetail,
    TaskList,
    TaskOut,
    TaskUpdate,
)
from app.api.state import CallerDep, StateDep
from store import feedback as feedback_store
from store import tasks as repo
from store.enums import ExecutionStatus, ExecutionType
from store.models import Task
from tools.gate.automation import rules_as_stored

router = APIRouter(
    prefix="/api", tags=["tasks"], responses=ERROR_RESPONSES, max_body_size=MAX_BODY_BYTES
)

#: A task id as it appears in a URL: letters, digits, '-' and '_' (ids are UUIDs).
TASK_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
TaskId = Annotated[str, Path(pattern=TASK_ID_PATTERN, description="A task id (a UUID).")]

TaskIdText = Annotated[str, StringConstraints(pattern=TASK_ID_PATTERN)]

#: An optional query filter: left out when unused (the document shows no `null` value).
Omitted = SkipJsonSchema[None]


def task_detail(task: Task) -> TaskDetail:
    """A task with its log and subtasks (load inside the session that read it)."""
    detail = TaskOut.model_validate(task).model_dump()
    return TaskDetail(
        **detail,
        execution_log=task.execution_log or [],
        subtasks=[TaskOut.model_validate(child) for child in task.subtasks],
    )


@router.post("/tasks", status_code=status.HTTP_201_CREATED, response_model=TaskDetail)
def create_task(
    body: TaskCreate,
    caller: CallerDep,
    state: StateDep,
    idempotency_key: IdempotencyKey = None,
) -> TaskDetail | JSONResponse:
    """Create a pending task. With an `Idempotency-Key`, a retry returns the same task."""

    def create() -> TaskDetail:
        with state.db.session(caller.org_id) as session:
            task = repo.create_task(
                session,
                caller.org_id,
                body.title,
                description=body.description,
                execution_type=body.execution_type,
                priority=body.priority,
                due_date=body.due_date,
                max_retries=body.max_retries,
                estimated_duration_minutes=body.estimated_duration_minutes,
                automation_rules=(
                    rules_as_stored(body.automation_rules) if body.automation_rules else None
                ),
            )
            return task_detail(task)

    return serve_once(
        state, caller, "POST /api/tasks", idempotency_key, body, create, status_code=201
    )


@router.get("/tasks", response_model=TaskList)
def list_tasks(
    caller: CallerDep,
    state: StateDep,
    status_filter: Annotated[ExecutionStatus | Omitted, Query(alias="status")] = None,
    execution_type: ExecutionType | Omitted = None,
    parent_id: Annotated[TaskIdText | Omitted, Query(description="Subtasks of this task.")] = None,
    top_level: Annotated[bool, Query(description="Only tasks that are not subtasks.")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> TaskList:
    """The organization's tasks, newest first, filtered by status, type or parent."""
    with state.db.session(caller.org_id) as session:
        tasks = repo.list_tasks(
            session,
            caller.org_id,
            status=status_filter,
            execution_type=execution_type,
            parent_task_id=parent_id,
            top_level_only=top_level,
            limit=limit,
            offset=offset,
        )
        return TaskList(
            tasks=[TaskOut.model_validate(t) for t in tasks], limit=limit, offset=offset
        )


@router.get("/tasks/{task_id}", response_model=TaskDetail)
def get_task(task_id: TaskId, caller: CallerDep, state: StateDep) -> TaskDetail:
    """One task, with its execution log and subtasks."""
    with state.db.session(caller.org_id) as session:
        return task_detail(repo.get_task(session, caller.org_id, task_id))


@router.patch("/tasks/{task_id}", response_model=TaskDetail)
def update_task(
    task_id: TaskId, body: TaskUpdate, caller: CallerDep, state: StateDep
) -> TaskDetail:
    """Change a task's editable fields (its status changes only by running it)."""
    with state.db.session(caller.org_id) as session:
        task = repo.update_task(session, caller.org_id, task_id, **body.changes())
        return task_detail(task)


@router.delete("/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_task(task_id: TaskId, caller: CallerDep, state: StateDep) -> Response:
    """Delete a task and its subtasks."""
    with state.db.session(caller.org_id) as session:
        repo.delete_task(session, caller.org_id, task_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/tasks/{task_id}/log", response_model=ExecutionLog)
def get_log(task_id: TaskId, caller: CallerDep, state: StateDep) -> ExecutionLog:
    """The task's execution log, oldest entry first."""
    with state.db.session(caller.org_id) as session:
        task = repo.get_task(session, caller.org_id, task_id)
        return ExecutionLog(
            task_id=task.id,
            execution_status=task.status,
            execution_log=task.execution_log or [],
        )


@router.post(
    "/tasks/{task_id}/feedback", status_code=status.HTTP_201_CREATED, response_model=FeedbackOut
)
def add_feedback(
    task_id: TaskId, body: FeedbackCreate, caller: CallerDep, state: StateDep
) -> FeedbackOut:
    """Rate a finished (completed or failed) task; 409 while it is still open. An edited
    output is kept as an example of what the organization wants (`GET /api/learned`)."""
    with state.db.session(caller.org_id) as session:
        row = feedback_store.add_feedback(
            session, caller.org_id, task_id, body.rating, body.comment, body.edited_output
        )
        task = repo.get_task(session, caller.org_id, row.task_id)
        lesson = learning.feedback_lesson(task, row.rating, row.edited_output, row.id)
        stored = FeedbackOut.model_validate(row)
    learning.learn_from_feedback(state.db, caller.org_id, lesson)
    return stored


@router.get("/tasks/{task_id}/feedback", response_model=FeedbackList)
def list_feedback(task_id: TaskId, caller: CallerDep, state: StateDep) -> FeedbackList:
    """The feedback people gave this task, newest first."""
    with state.db.session(caller.org_id) as session:
        task = repo.get_task(session, caller.org_id, task_id)
        rows = feedback_store.list_feedback(session, caller.org_id, task.id)
        return FeedbackList(feedback=[FeedbackOut.model_validate(r) for r in rows])
