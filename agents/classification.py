"""What the classifier returns: the strategy for a task, who does it, with confidence and reason."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from agents.routes import ROUTES
from store.enums import ExecutionType, Strategy


class SubtaskPlan(BaseModel):
    """One subtask proposed by a `decompose` classification."""

    title: str = Field(description="A short imperative title for the subtask.")
    description: str = Field(default="", description="What the subtask must deliver.")
    execution_type: ExecutionType = Field(
        description="manual if a person must do it, fully_automated if the AI can do it alone, "
        "semi_automated if the AI drafts and a person approves."
    )


class Classification(BaseModel):
    """How Delegate will handle a task."""

    strategy: Strategy = Field(
        description="immediate: the AI can deliver it now; decompose: several deliverables or "
        "phases; blocked: needs a person or access the AI lacks."
    )
    execution_type: ExecutionType = Field(
        description="Who should do the work: manual, semi_automated or fully_automated."
    )
    confidence: float = Field(ge=0.0, le=1.0, description="How sure the decision is, 0 to 1.")
    reason: str = Field(
        description="One sentence: why this strategy; for blocked, what would unblock it."
    )
    route: str | None = Field(
        default=None,
        description="For immediate: the registered workflow or agent that does the work "
        "(one of the routes listed in the instructions).",
        json_schema_extra=lambda schema: schema.update(
            anyOf=[{"type": "string", "enum": list(ROUTES)}, {"type": "null"}]
        ),
    )
    deliver: bool = Field(
        default=False,
        description="For a message (email, Slack post, invitation): true when the task asks "
        "for it to reach people, false when it asks only for a draft.",
    )
    subtasks: list[SubtaskPlan] = Field(
        default_factory=list, description="For decompose only: 2 to 10 distinct subtasks."
    )

    @field_validator("route")
    @classmethod
    def _registered(cls, route: str | None) -> str | None:
        """An unknown route is a bad answer (the caller retries, then fails the task)."""
        if route is not None and route not in ROUTES:
            raise ValueError(f"unknown route {route!r}; registered: {', '.join(ROUTES)}")
        return route
