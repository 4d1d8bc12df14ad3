"""The enums shared by the ORM, the API models and the graph state: one definition each."""

from enum import StrEnum
from typing import TypeVar

from store.errors import InvalidInput


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


def parse_execution_type(value: str | ExecutionType) -> ExecutionType:
    return _parse(ExecutionType, value, "execution type")


def parse_priority(value: str | Priority) -> Priority:
    return _parse(Priority, value, "priority")


def parse_status(value: str | ExecutionStatus) -> ExecutionStatus:
    return _parse(ExecutionStatus, value, "status")


_Enum = TypeVar("_Enum", bound=StrEnum)


def _parse(kind: type[_Enum], value: str | _Enum, what: str) -> _Enum:
    """`value` as a member of `kind`, or InvalidInput naming `what` and the allowed values."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidInput(f"unknown {what} {value!r}; use one of: {allowed}") from None
