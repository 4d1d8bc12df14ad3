"""The web page for people: serves app/web at `/` and lists pending approvals for its inbox."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from app.api.errors import ERROR_RESPONSES
from app.api.state import CallerDep, StateDep
from store import tasks as repo
from store.enums import ExecutionStatus, ExecutionType, Priority

#: The page's files: index.html, the stylesheet and the ES modules (no build step).
WEB_DIR = Path(__file__).resolve().parent.parent / "web"

#: The page loads only its own files and talks only to this origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

router = APIRouter(prefix="/api", tags=["approvals"], responses=ERROR_RESPONSES)


class InboxItem(BaseModel):
    """One task waiting on a person, with the exact action it wants to run."""

    task_id: str
    title: str
    execution_type: ExecutionType
    priority: Priority
    updated_at: datetime
    approval: Any
    """The Agent Inbox-shaped request: {action_request: {action, args}, config, description,
    task_id, idempotency_key}."""


class ApprovalInbox(BaseModel):
    """Every pending approval of the organization, most recently paused first."""

    approvals: list[InboxItem]


@router.get("/approvals", response_model=ApprovalInbox)
def list_approvals(
    caller: CallerDep,
    state: StateDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ApprovalInbox:
    """Paused tasks whose run waits on a person's approve, edit or reject."""
    with state.db.session() as session:
        paused = [
            (t.id, t.title, t.type, t.priority, t.updated_at)
            for t in repo.list_tasks(
                session, caller.org_id, status=ExecutionStatus.PAUSED, limit=limit
            )
        ]
    if not paused:
        return ApprovalInbox(approvals=[])
    runner = state.runner(caller)
    items = []
    for task_id, title, execution_type, priority, updated_at in paused:
        # A parent paused on its subtasks has no interrupt: it is not the inbox's business.
        payload = runner.pending_approval(task_id)
        if payload is None:
            continue
        items.append(
            InboxItem(
                task_id=task_id,
                title=title,
                execution_type=execution_type,
                priority=Priority(priority),
                updated_at=updated_at,
                approval=payload,
            )
        )
    items.sort(key=lambda item: item.updated_at, reverse=True)
    return ApprovalInbox(approvals=items)


def _index() -> FileResponse:
    return FileResponse(
        WEB_DIR / "index.html",
        media_type="text/html",
        headers={
            "Cache-Control": "no-cache",
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


def install(app: FastAPI) -> None:
    """Serve the page at `/` (files under /web/) and add the approvals inbox route."""
    app.include_router(router)
    app.add_api_route("/", _index, methods=["GET"], include_in_schema=False)
    app.mount("/web", StaticFiles(directory=WEB_DIR), name="web")
