"""Request and response bodies of the HTTP API (pydantic), as the OpenAPI document shows them.

Requests accept snake_case names and the camelCase aliases the spec's JavaScript clients
send (`executionType`, `dueDate`, `maxRetries`, `taskId`, ...). Responses use the store's
snake_case column names (the shape of `delegate tasks --json`), except the execute-style
responses, which keep the spec's `{success, strategy, result | subtasks | reason, message,
taskId}`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

from store.enums import ExecutionStatus, ExecutionType, Priority, Strategy
from store.text_rules import describe_character, forbidden_character
from tools.gate.approval import ApprovalRequest
from tools.gate.automation import AutomationRules, rules_as_stored

MAX_TITLE = 500
MAX_TEXT = 20_000


def _no_nul(value: str) -> str:
    # PostgreSQL rejects NUL in text and JSONB; refuse it here rather than fail in the store.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _json_without_nul(value: Any) -> Any:
    if isinstance(value, str):
        _no_nul(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_nul(str(key))
            _json_without_nul(item)
    elif isinstance(value, list):
        for item in value:
            _json_without_nul(item)
    return value


def _has_text(value: str) -> str:
    if not value.split():
        raise ValueError("must not be blank")
    return value


def _utc_in_range(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+01:00 has no UTC equivalent
        raise ValueError("date is out of range") from None


def _no_control_characters(value: str) -> str:
    # Escape sequences would reach terminals raw; bidi overrides make a title read otherwise.
    refused = forbidden_character(value)
    if refused is not None:
        raise ValueError(
            f"must not contain control characters; found {describe_character(refused)}"
        )
    return value


#: Characters a title may not hold (control codes other than folded whitespace, bidi
#: overrides), written so the OpenAPI pattern states the same rule the validator applies.
_NOT_IN_TITLE = r"\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"

Title = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_TITLE,
        # Documented only: the validators below apply it with messages naming the cause.
        json_schema_extra={
            "pattern": rf"^[^{_NOT_IN_TITLE}]*[^\s{_NOT_IN_TITLE}][^{_NOT_IN_TITLE}]*$"
        },
    ),
    AfterValidator(_no_nul),
    AfterValidator(_no_control_characters),
    AfterValidator(_has_text),
]
LongText = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_no_nul)]
#: Text a person must give (a reason, a note): not blank, no NUL.
RequiredText = Annotated[
    str,
    Field(min_length=1, max_length=MAX_TEXT, pattern=r"\S"),
    AfterValidator(_no_nul),
    AfterValidator(_has_text),
]
JsonObject = Annotated[dict[str, Any], AfterValidator(_json_without_nul)]
DueDate = Annotated[datetime | None, AfterValidator(_utc_in_range)]
Retries = Annotated[int, Field(ge=0, le=20)]
Minutes = Annotated[int, Field(ge=1, le=525_600)]


def _aliases(name: str, camel: str) -> Any:
    return AliasChoices(name, camel)


_REQUEST_CONFIG = ConfigDict(extra="forbid", populate_by_name=True)


class TaskCreate(BaseModel):
    """A new task. camelCase aliases (executionType, dueDate, maxRetries, ...) are accepted."""

    model_config = _REQUEST_CONFIG

    title: Title = Field(description="What should be done, in one line.")
    description: LongText = Field(default="", description="Details: recipients, notes, context.")
    execution_type: ExecutionType | None = Field(
        default=None,
        validation_alias=_aliases("execution_type", "executionType"),
        description="manual, semi_automated (AI drafts, a person approves) or fully_automated; "
        "unset: the AI chooses when it classifies the task, and what it would send waits for "
        "approval unless the automation rules let it act.",
    )
    priority: Priority = Field(default=Priority.MEDIUM)
    due_date: DueDate = Field(
        default=None, validation_alias=_aliases("due_date", "dueDate"), description="ISO 8601."
    )
    max_retries: Retries = Field(default=3, validation_alias=_aliases("max_retries", "maxRetries"))
    estimated_duration_minutes: Minutes | None = Field(
        default=None,
        validation_alias=_aliases("estimated_duration_minutes", "estimatedDurationMinutes"),
    )
    automation_rules: AutomationRules | None = Field(
        default=None,
        validation_alias=_aliases("automation_rules", "automationRules"),
        description="When this task acts on its own, asks for approval, or stays with a "
        "person; tried before the organization's rules.",
    )


#: Absent means "unchanged"; the schema shows no null, and an explicit null is refused.
Unset = SkipJsonSchema[None]


class TaskUpdate(BaseModel):
    """Changes to a task's editable fields; only the fields sent are changed.

    due_date and estimated_duration_minutes may be sent as null to clear them.
    """

    model_config = _REQUEST_CONFIG

    title: Title | Unset = None
    description: LongText | Unset = None
    execution_type: ExecutionType | Unset = Field(
        default=None, validation_alias=_aliases("execution_type", "executionType")
    )
    priority: Priority | Unset = None
    due_date: DueDate = Field(default=None, validation_alias=_aliases("due_date", "dueDate"))
    max_retries: Retries | Unset = Field(
        default=None, validation_alias=_aliases("max_retries", "maxRetries")
    )
    estimated_duration_minutes: Minutes | None = Field(
        default=None,
        validation_alias=_aliases("estimated_duration_minutes", "estimatedDurationMinutes"),
    )
    automation_rules: AutomationRules | Unset = Field(
        default=None, validation_alias=_aliases("automation_rules", "automationRules")
    )

    @field_validator(
        "title",
        "description",
        "execution_type",
        "priority",
        "max_retries",
        "automation_rules",
        mode="before",
    )
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Runs only for fields the client sent: absent means unchanged, null is refused.
        if value is None:
            raise ValueError("cannot be null; leave the field out to keep its value")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, as keyword arguments for store.tasks.update_task."""
        changes = {name: getattr(self, name) for name in self.model_fields_set}
        if isinstance(changes.get("automation_rules"), AutomationRules):
            changes["automation_rules"] = rules_as_stored(changes["automation_rules"])
        return changes


class TaskOut(BaseModel):
    """A task as stored (snake_case columns), without its execution log."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    org_id: str
    title: str
    description: str
    priority: Priority
    due_date: datetime | None
    execution_type: ExecutionType | None
    """None until the AI chooses it."""
    execution_status: ExecutionStatus
    assigned_to_type: str | None
    assigned_to_id: str | None
    workflow_id: str | None
    agent_id: str | None
    automation_rules: dict[str, Any]
    ai_confidence: float | None
    ai_context: dict[str, Any]
    result: dict[str, Any] | None
    parent_task_id: str | None
    depth: int
    started_at: datetime | None
    blocked_at: datetime | None
    failed_at: datetime | None
    completed_at: datetime | None
    blocked_reason: str | None
    failure_reason: str | None
    retry_count: int
    max_retries: int
    next_attempt_at: datetime | None = None
    """A re-queued task runs again from this time (its backoff)."""
    claim_owner: str | None = None
    """Who runs the task now (process or worker id); None when no run holds it."""
    lease_expires_at: datetime | None = None
    """Until when the owner's claim holds without renewal; then any worker takes over."""
    estimated_duration_minutes: int | None
    actual_duration_minutes: float | None
    created_at: datetime
    updated_at: datetime
    version: int

    @field_validator("automation_rules", "ai_context", mode="before")
    @classmethod
    def _empty_dict_for_null(cls, value: Any) -> Any:
        return {} if value is None else value


class TaskDetail(TaskOut):
    """One task with its execution log and its direct subtasks."""

    execution_log: list[dict[str, Any]]
    subtasks: list[TaskOut]

    @field_validator("execution_log", mode="before")
    @classmethod
    def _empty_list_for_null(cls, value: Any) -> Any:
        return [] if value is None else value


class TaskList(BaseModel):
    """A page of tasks."""

    tasks: list[TaskOut]
    limit: int
    offset: int


class ExecutableTasks(BaseModel):
    """Tasks the AI can run now (pending or queued, automated), most urgent first."""

    tasks: list[TaskOut]


class ExecutionLog(BaseModel):
    """A task's execution log, oldest entry first."""

    task_id: str
    execution_status: ExecutionStatus
    execution_log: list[dict[str, Any]]


class ExecuteRequest(BaseModel):
    """Which task to execute: `{"taskId": ...}` (or `task_id`)."""

    model_config = _REQUEST_CONFIG

    task_id: str = Field(
        min_length=1,
        max_length=64,
        validation_alias=_aliases("taskId", "task_id"),
        description="The id of a task of your organization.",
    )


class ExecuteResponse(BaseModel):
    """The seed's answer, exactly, plus extra fields: immediate `{success: true, strategy,
    result: "<the deliverable>", message}`, decompose `{success: true, strategy, subtasks:
    [{title, execution_type, ...}], message}`, blocked `{success: false, strategy, reason,
    message}`; `taskId`, `status`, `details` (the structured result) and `approval` besides."""

    model_config = ConfigDict(populate_by_name=True)

    success: bool
    strategy: str | None = None
    status: str | None = Field(default=None, description="The task's status after the run.")
    result: str | None = Field(default=None, description="immediate: the deliverable as text.")
    subtasks: list[dict[str, Any]] | None = None
    reason: str | None = None
    message: str
    details: dict[str, Any] | None = Field(
        default=None,
        description="The structured result: output, confidence, agent or workflow, actions.",
    )
    approval: ApprovalRequest | None = Field(
        default=None,
        description="When paused: the pending approval request (langchain's HITLRequest).",
    )
    task_id: str = Field(serialization_alias="taskId", validation_alias="task_id")

    @classmethod
    def from_outcome(cls, outcome: dict[str, Any], task_id: str) -> ExecuteResponse:
        """The seed's shape of a TaskRunner outcome (its messages word for word)."""
        fields = {k: v for k, v in outcome.items() if k in cls.model_fields and v is not None}
        fields["task_id"] = str(outcome.get("task_id") or task_id)
        fields.setdefault("success", False)
        fields.setdefault("message", "")
        structured = outcome.get("result")
        if isinstance(structured, dict):
            fields["details"] = structured
            fields["result"] = str(structured.get("output") or "")
        strategy, status = outcome.get("strategy"), outcome.get("status")
        if strategy == Strategy.BLOCKED.value:
            fields.update(success=False, message=BLOCKED_MESSAGE)
            fields.pop("result", None)
        elif strategy == Strategy.DECOMPOSE.value and outcome.get("success"):
            count = len(outcome.get("subtasks") or [])
            fields["message"] = f"Task decomposed into {count} subtasks"
        elif strategy == Strategy.IMMEDIATE.value and status == ExecutionStatus.COMPLETED.value:
            fields["message"] = IMMEDIATE_MESSAGE
        return cls.model_validate(fields)


#: The seed's messages, word for word.
IMMEDIATE_MESSAGE = "Task executed successfully"
BLOCKED_MESSAGE = "Task blocked - requires human action"


class ApproveRequest(BaseModel):
    """Approve the pending action, optionally with edited arguments (e.g. a new body)."""

    model_config = _REQUEST_CONFIG

    edited_args: JsonObject | None = Field(
        default=None,
        validation_alias=_aliases("edited_args", "editedArgs"),
        description="Replacement values for the pending action's arguments.",
    )


class RejectRequest(BaseModel):
    """Reject the pending action, saying why."""

    model_config = _REQUEST_CONFIG

    reason: RequiredText


class CompleteRequest(BaseModel):
    """What the person did, kept as the task's result (optional)."""

    model_config = _REQUEST_CONFIG

    result: LongText = Field(default="", description="What was done, e.g. 'Ordered 6 chairs'.")


class RetryRequest(BaseModel):
    """A note for another attempt at a blocked task: what the AI should know or do differently."""

    model_config = _REQUEST_CONFIG

    note: RequiredText


class PendingApproval(BaseModel):
    """The action a paused task is waiting on a person to approve, edit or reject."""

    task_id: str
    approval: ApprovalRequest


class ApprovalAnswer(BaseModel):
    """A person's answer to a pending approval, in any shape the approval schema accepts:
    langchain's HITLResponse `{"decisions": [decision]}`, one decision (`{"type": "approve"}`,
    `{"type": "edit", "edited_action": {"name", "args"}}`, `{"type": "reject", "message"}`,
    `{"type": "respond", "message"}`) or Agent Inbox's answers (accept, edit, response,
    ignore, resolved)."""

    model_config = ConfigDict(extra="allow")

    type: str | None = Field(default=None, description="approve, edit, reject, respond, ...")
    decisions: list[JsonObject] | None = Field(
        default=None, description="A HITLResponse: exactly one decision."
    )

    def value(self) -> dict[str, Any]:
        """The answer as sent (without the fields left out)."""
        return self.model_dump(exclude_none=True)


class FeedbackCreate(BaseModel):
    """A rating from 1 to 5 for a finished task, with an optional comment and edited output."""

    model_config = _REQUEST_CONFIG

    rating: int = Field(ge=1, le=5, strict=True)
    comment: LongText = ""
    edited_output: LongText | None = Field(
        default=None, validation_alias=_aliases("edited_output", "editedOutput")
    )


class FeedbackOut(BaseModel):
    """Stored feedback."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    task_id: str
    rating: int
    comment: str
    edited_output: str | None
    created_at: datetime


class FeedbackList(BaseModel):
    """Feedback for one task, newest first."""

    feedback: list[FeedbackOut]


class Health(BaseModel):
    """Liveness: the process answers."""

    status: str


class ErrorBody(BaseModel):
    """Every error: a one-line `detail` (401, 404, 409, 413, 503, ...)."""

    detail: str


class FieldError(BaseModel):
    """One invalid field of a request."""

    field: str
    location: list[str | int]
    message: str


class ValidationErrorBody(BaseModel):
    """422: `detail` names each invalid field; `errors` lists them one by one."""

    detail: str
    errors: list[FieldError]
