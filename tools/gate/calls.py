"""What the policy gate is handed: the facts of the task it acts for, and one side-effecting
call (its arguments, how to run it, validate a person's edit and reconcile after a crash)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from store.enums import ExecutionType
from tools.backends import ReplyTarget


@dataclass(frozen=True)
class TaskFacts:
    """What the gate knows about the task it acts for; the title and description are the
    trusted text a person wrote."""

    id: str
    org_id: str
    title: str
    description: str
    execution_type: ExecutionType
    approval_required: bool = False
    """A person approves every outward side effect whatever the type says: the AI chose
    the type and the automation rules did not let it act alone."""
    with_person_because: str | None = None
    """Why a task that is not typed manual runs as manual: the automation rules leave it
    with a person (cited when a side effect is refused)."""
    replying_to: ReplyTarget | None = None
    """The email this task answers (ai_context["reply_to"]): its emails go in that thread."""

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.description}"


@dataclass(frozen=True)
class GatedCall:
    """One side-effecting call as the tool hands it to the gate."""

    tool: str
    args: dict[str, Any]
    """The arguments the agent proposed (validated)."""
    run: Callable[[dict[str, Any], str], dict[str, Any]]
    """(final args, idempotency key) -> the provider's result."""
    validate: Callable[[dict[str, Any]], dict[str, Any]]
    """Validate a person's edited arguments; raises InvalidInput."""
    reconcile: Callable[[dict[str, Any], str], dict[str, Any] | None] | None = None
    """After a crash mid-call: the result if it went out, None if it surely did not.
    Missing when the provider cannot tell (then a person is asked)."""
