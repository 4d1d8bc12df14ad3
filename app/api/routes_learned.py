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
    kind: str = Field(description="sign_off, approval_required or promoted.")
    value: str
    why: str
    sources: list[dict[str, Any]] = Field(description="{task_id, source} of each feedback.")


class LearnedCategory(BaseModel):
    """One category's acceptance and where it stands, with why."""

    category: str
    examples: int = Field(description="Edited outputs kept as examples.")
    preferences: list[LearnedItem]
    accepted: int = Field(description="Approvals without edits, and ratings of 4-5.")
    edited: int = Field(description="Approvals with an edit, and requests to revise.")
    rejected: int = Field(description="Rejections, and ratings of 1-2.")
    acceptance_rate: float | None = Field(
        description="The share of answers that accepted the work as it was; null: none yet."
    )
    status: str = Field(description="approval_required, promoted, pinned or learning.")
    why: str
    sources: list[dict[str, Any]] = Field(description="The answers behind the status.")


class LearnedList(BaseModel):
    """Everything learned for the organization."""

    learned: list[LearnedItem]
    categories: list[LearnedCategory]


class Forgotten(BaseModel):
    """How many stored answers and examples were forgotten."""

    forgotten: int


@router.get("/learned", response_model=LearnedList)
def get_learned(caller: CallerDep, state: StateDep) -> LearnedList:
    """The preferences, approval and promotion rules learned from people's edits, approvals,
    rejections and ratings, each with why and from which feedback; and per category its
    acceptance and where it stands."""
    found = learning.everything_learned(state.db, caller.org_id)
    categories = learning.categories_learned(state.db, caller.org_id)
    return LearnedList(
        learned=[LearnedItem(**p.as_json()) for p in found],
        categories=[LearnedCategory.model_validate(c.as_json()) for c in categories],
    )


@router.delete("/learned", response_model=Forgotten)
def delete_learned(caller: CallerDep, state: StateDep) -> Forgotten:
    """Forget everything learned for the organization (the feedback itself is kept)."""
    return Forgotten(forgotten=learned.forget(state.db, caller.org_id))
