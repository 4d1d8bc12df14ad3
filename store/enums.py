"""The enums shared by the ORM, the API models and the graph state: one definition each."""

from enum import StrEnum


class ExecutionType(StrEnum):
    """Who does the work: a person, the AI with a person's approval, or the AI alone."""

    MANUAL = "manual"
    SEMI_AUTOMATED = "semi_automated"
    FULLY_AUTOMATED = "fully_automated"


class ExecutionStatus(StrEnum):
    """Where a task is in its lifecycle (see store.lifecycle for the legal moves)."""

    PENDING = "pending"
    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    PAUSED = "paused"
    BLOCKED = "blocked"
    COMPLETED = "completed"
    FAILED = "failed"


class AssigneeType(StrEnum):
    """What kind of executor a task is assigned to."""

    USER = "user"
    AGENT = "agent"
    WORKFLOW = "workflow"


class Strategy(StrEnum):
    """The three ways execute_task can handle a task."""

    IMMEDIATE = "immediate"
    DECOMPOSE = "decompose"
    BLOCKED = "blocked"


class Priority(StrEnum):
    """Task urgency; ordering is by `rank` (urgent first)."""

    URGENT = "urgent"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.MEDIUM: 2, Priority.LOW: 3}
