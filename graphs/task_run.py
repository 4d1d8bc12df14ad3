"""The state of an execute_task run: what it is given (TaskInput), what it answers (Outcome),
and the whole state between its nodes (TaskRun), with the log entries its nodes write."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, with_config
from typing_extensions import TypedDict

from graphs.workflow_support import STUDIO_SCHEMA
from store.enums import ExecutionType, Priority

EXECUTOR_ID = "execute_task"


@with_config(
    ConfigDict(
        **STUDIO_SCHEMA,
        # One of the two is required: Studio and JSON-schema clients see it; prepare enforces it.
        json_schema_extra={"anyOf": [{"required": ["task_id"]}, {"required": ["title"]}]},
    )
)
class TaskInput(TypedDict, total=False):
    """Start a run for an existing task (`task_id`) or create one from `title`."""

    task_id: str
    """Id of an existing task to execute (required unless a title is given)."""
    title: str
    """Title of a new task to create and execute (required unless a task_id is given)."""
    description: str
    """Details of the new task: notes, recipients, context."""
    execution_type: ExecutionType
    """Who does the new task: manual (a person), semi_automated (the AI, with a person's
    approval before anything is sent) or fully_automated. Unset: the AI chooses, and what
    it would send waits for approval unless the automation rules let it act."""
    priority: Priority
    """How urgent the new task is (default medium)."""


@with_config(STUDIO_SCHEMA)
class Outcome(TypedDict, total=False):
    """The spec's response: {success, strategy, result | subtasks | reason, message}."""

    task_id: str
    """The task this run executed."""
    success: bool
    """False only when the task failed."""
    strategy: str
    """immediate, decompose or blocked."""
    status: str
    """The task's execution_status when the run stopped."""
    result: dict[str, Any]
    """immediate: {output, confidence, ...}."""
    subtasks: list[dict[str, Any]]
    """decompose: the subtasks created, with their ids and execution types."""
    reason: str
    """blocked or failed: why, and what would unblock it."""
    message: str
    """One line for people."""


class TaskRun(TaskInput, Outcome, total=False):
    """The whole state of one execute_task run: its input, the decision and the outcome."""

    depth: int
    """0 for a top-level task; subtasks are one deeper than their parent."""
    parent_title: str | None
    """The title of the task this one is a subtask of (the model sees it as context)."""
    reply_to: dict[str, Any] | None
    """The email this task answers (its ai_context["reply_to"]): its email goes in that thread."""
    classification: dict[str, Any] | None
    """The model's decision: strategy, execution_type, confidence, reason, subtasks."""
    execution_type_chosen_by: str | None
    """person or ai: who chose the execution type this run follows."""
    automation: dict[str, Any] | None
    """For a type the AI chose: the automation rules' decision (act, ask or person)."""


#: The keys a run's outcome sets; a new run on the same thread starts without them.
OUTCOME_KEYS = (
    "success",
    "strategy",
    "status",
    "result",
    "subtasks",
    "reason",
    "message",
    "classification",
    "execution_type_chosen_by",
    "automation",
)


def entry(node: str, event: str, **details: Any) -> dict[str, Any]:
    """A log entry written by the execute_task node `node`."""
    return {
        "event": event,
        "node": node,
        "executor_id": EXECUTOR_ID,
        "executor_type": "workflow",
        **details,
    }
