"""`POST /api/chat`: a chat product hands Delegate a message; the tasks in it are created and
the executable ones run."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from app.api.errors import ERROR_RESPONSES, MAX_BODY_BYTES
from app.api.state import CallerDep, StateDep
from app.extraction import extract_and_run

router = APIRouter(
    prefix="/api", tags=["chat"], responses=ERROR_RESPONSES, max_body_size=MAX_BODY_BYTES
)


class ChatRequest(BaseModel):
    """A message from a chat, an email or meeting notes."""

    model_config = ConfigDict(extra="forbid")

    message: Annotated[str, Field(min_length=1, max_length=20_000, pattern=r"\S")]
    source: Literal["chat", "email", "meeting"] = "chat"
    run: bool = Field(default=True, description="Run the executable new tasks now.")


class ChatResponse(BaseModel):
    """Delegate's answer and every task found, with each run's outcome."""

    reply: str
    tasks: list[dict[str, Any]] = Field(
        description="[{task_id, title, execution_type, due_date, confidence, created, "
        "duplicate_of, status, outcome}]; a message sent again creates nothing new."
    )


@router.post("/chat", response_model=ChatResponse)
def chat(body: ChatRequest, caller: CallerDep, state: StateDep) -> ChatResponse:
    """Extract the tasks a message asks for, create the new ones and run what can run."""
    result = extract_and_run(state.runner(caller), body.message, body.source, run=body.run)
    return ChatResponse(**result)
