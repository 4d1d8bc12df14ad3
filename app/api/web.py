"""The web page for people: serves app/web at `/` and lists pending approvals for its inbox."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from app.api.errors import ERROR_RESPONSES
from app.api.state import CallerDep, StateDep
from store.enums import ExecutionType, Priority
from tools.gate.approval import ApprovalRequest

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
    parent_id: str | None = None
    """The task this one is a subtask of, if any."""
    parent_title: str | None = None
    execution_type: ExecutionType
    priority: Priority
    updated_at: datetime
    approval: ApprovalRequest
    """langchain's HITLRequest {action_requests, review_configs} with task_id, task_title
    and idempotency_key (tools.gate.approval)."""
    answered: str | None = None
    """The answer a person already gave (approve, edit, reject, ...) that the run has not
    carried out yet (its approver stopped): approving finishes it; another answer is a 409."""


class ApprovalInbox(BaseModel):
    """Every pending approval of the organization, most recently paused first."""

    approvals: list[InboxItem]


@router.get("/approvals", response_model=ApprovalInbox)
def list_approvals(
    caller: CallerDep,
    state: StateDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ApprovalInbox:
    """Paused tasks whose run waits on a person's approve, edit, reject or respond."""
    items = state.runner(caller).pending_approvals(limit)
    return ApprovalInbox(approvals=[InboxItem.model_validate(item) for item in items])


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
