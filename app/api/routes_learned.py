"""What Delegate learned from the organization's feedback: read it, or forget it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from agents import learning
from app.api.errors import ERROR_RESPONSES
from app.api.state import CallerDep, StateDep
from store import learned

router = APIRouter(prefix="/api", tags=["learned"], responses=ERROR_RESPONSES)


class LearnedItem(BaseModel):
    """One thing learned for a category, and the feedback it came from."""

    category: str = Field(description="The route the work went through, e.g. email_drafting.")
    kind: str = Field(description="sign_off, or approval_required.")
    value: str
    why: str
    sources: list[dict[str, Any]] = Field(description="{task_id, source} of each feedback.")


class LearnedList(BaseModel):
    """Everything learned for the organization."""

    learned: list[LearnedItem]


class Forgotten(BaseModel):
    """How many stored answers and examples were forgotten."""

    forgotten: int


@router.get("/learned", response_model=LearnedList)
def get_learned(caller: CallerDep, state: StateDep) -> LearnedList:
    """The preferences and approval rules learned from people's edits, approvals and
    rejections, each with why and from which feedback."""
    found = learning.everything_learned(state.db, caller.org_id)
    return LearnedList(learned=[LearnedItem(**p.as_json()) for p in found])


@router.delete("/learned", response_model=Forgotten)
def delete_learned(caller: CallerDep, state: StateDep) -> Forgotten:
    """Forget everything learned for the organization (the feedback itself is kept)."""
    return Forgotten(forgotten=learned.forget(state.db, caller.org_id))
