"""Execution routes: run a task, list what can run, answer a pending approval, and let a
person finish a task or retry a blocked one with a note.

Runs are synchronous (the model and tools are called in this request); FastAPI runs these
`def` endpoints in its threadpool, so the server keeps answering other requests meanwhile.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse

from app.api.errors import ERROR_RESPONSES, MAX_BODY_BYTES
from app.api.idempotency import IdempotencyKey, serve_once
from app.api.routes_tasks import Omitted, TaskId
from app.api.schemas import (
    ApprovalAnswer,
    ApproveRequest,
    CompleteRequest,
    ExecutableTasks,
    ExecuteRequest,
    ExecuteResponse,
    PendingApproval,
    RejectRequest,
    RetryRequest,
    TaskOut,
)
from app.api.state import ApiState, Caller, CallerDep, StateDep
from store import tasks as repo
from store.enums import ExecutionType
from store.errors import NotFound

router = APIRouter(
    prefix="/api", tags=["execution"], responses=ERROR_RESPONSES, max_body_size=MAX_BODY_BYTES
)


def _own_task_id(state: ApiState, caller: Caller, task_id: str) -> str:
    """The id of the caller's task (exact ids only); NotFound for anyone else's."""
    with state.db.session(caller.org_id) as session:
        return repo.get_task(session, caller.org_id, task_id).id


@router.post("/tasks/execute", response_model=ExecuteResponse, response_model_exclude_none=True)
def execute_task(
    body: ExecuteRequest,
    caller: CallerDep,
    state: StateDep,
    idempotency_key: IdempotencyKey = None,
) -> ExecuteResponse | JSONResponse:
    """Run a task now: {success, strategy, result | subtasks | reason, message, taskId}.

    409 when the task cannot run (completed, failed, already running, awaiting approval).
    With an `Idempotency-Key`, a retry gets this run's answer again instead of a 409.
    """
    task_id = _own_task_id(state, caller, body.task_id)

    def run() -> ExecuteResponse:
        outcome = state.runner(caller).execute(task_id)
        return ExecuteResponse.from_outcome(outcome, task_id)

    return serve_once(
        state, caller, "POST /api/tasks/execute", idempotency_key, body, run, exclude_none=True
    )


@router.get("/tasks/execute", response_model=ExecutableTasks)
def executable_tasks(
    caller: CallerDep,
    state: StateDep,
    execution_type: ExecutionType | Omitted = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ExecutableTasks:
    """Tasks the AI can run now (pending or queued, automated), most urgent first."""
    with state.db.session(caller.org_id) as session:
        tasks = repo.get_executable_tasks(session, caller.org_id, execution_type, limit=limit)
        return ExecutableTasks(tasks=[TaskOut.model_validate(t) for t in tasks])


@router.get("/tasks/{task_id}/approval", response_model=PendingApproval)
def pending_approval(task_id: TaskId, caller: CallerDep, state: StateDep) -> PendingApproval:
    """The action the task waits on a person to approve; 404 when nothing is pending."""
    task_id = _own_task_id(state, caller, task_id)
    payload = state.runner(caller).pending_approval(task_id)
    if payload is None:
        raise NotFound(f"task {task_id} is not waiting for approval")
    return PendingApproval(task_id=task_id, approval=payload)


@router.post(
    "/tasks/{task_id}/approval", response_model=ExecuteResponse, response_model_exclude_none=True
)
def answer_approval(
    task_id: TaskId, body: ApprovalAnswer, caller: CallerDep, state: StateDep
) -> ExecuteResponse:
    """Answer the pending approval in any shape the approval schema accepts (approve, edit,
    reject, respond; Agent Inbox's accept, edit, response, ignore, resolved)."""
    task_id = _own_task_id(state, caller, task_id)
    outcome = state.runner(caller).answer(task_id, body.value())
    return ExecuteResponse.from_outcome(outcome, task_id)


@router.post(
    "/tasks/{task_id}/approve", response_model=ExecuteResponse, response_model_exclude_none=True
)
def approve(
    task_id: TaskId,
    caller: CallerDep,
    state: StateDep,
    body: Annotated[ApproveRequest | None, Body()] = None,
) -> ExecuteResponse:
    """Approve the pending action (optionally with edited arguments) and finish the run."""
    task_id = _own_task_id(state, caller, task_id)
    edited = body.edited_args if body is not None else None
    outcome = state.runner(caller).approve(task_id, edited)
    return ExecuteResponse.from_outcome(outcome, task_id)


@router.post(
    "/tasks/{task_id}/reject", response_model=ExecuteResponse, response_model_exclude_none=True
)
def reject(
    task_id: TaskId, body: RejectRequest, caller: CallerDep, state: StateDep
) -> ExecuteResponse:
    """Reject the pending action with a reason; nothing is sent."""
    task_id = _own_task_id(state, caller, task_id)
    outcome = state.runner(caller).reject(task_id, body.reason)
    return ExecuteResponse.from_outcome(outcome, task_id)


@router.post(
    "/tasks/{task_id}/recover", response_model=ExecuteResponse, response_model_exclude_none=True
)
def recover(task_id: TaskId, caller: CallerDep, state: StateDep) -> ExecuteResponse:
    """Carry on a run whose process died, once its lease has expired (409 while the owner's
    lease runs, or when nothing stopped): from the last checkpoint, with an approval already
    given, or from the start when it died before its first checkpoint."""
    task_id = _own_task_id(state, caller, task_id)
    outcome = state.runner(caller).recover(task_id)
    return ExecuteResponse.from_outcome(outcome, task_id)


#: Who the execution log names for what a person did through the API.
API_PERSON = "api"


@router.post(
    "/tasks/{task_id}/complete", response_model=ExecuteResponse, response_model_exclude_none=True
)
def complete(
    task_id: TaskId,
    caller: CallerDep,
    state: StateDep,
    body: Annotated[CompleteRequest | None, Body()] = None,
) -> ExecuteResponse:
    """A person did the task (manual, blocked or paused): complete it with what they did.

    409 while a run is in progress and for a completed or failed task (nothing changes). A
    decomposed parent completes once all its subtasks are completed or failed."""
    task_id = _own_task_id(state, caller, task_id)
    note = body.result if body is not None else None
    outcome = state.runner(caller).complete(task_id, note, by=API_PERSON)
    return ExecuteResponse.from_outcome(outcome, task_id)


@router.post(
    "/tasks/{task_id}/retry", response_model=ExecuteResponse, response_model_exclude_none=True
)
def retry(
    task_id: TaskId, body: RetryRequest, caller: CallerDep, state: StateDep
) -> ExecuteResponse:
    """Run a blocked task again with a person's note as new context for the model (the note
    is in its log and in the model's prompt). 409 unless the task is blocked."""
    task_id = _own_task_id(state, caller, task_id)
    outcome = state.runner(caller).retry(task_id, body.note, by=API_PERSON)
    return ExecuteResponse.from_outcome(outcome, task_id)
