"""SQLAlchemy 2.0 tables: organizations, API keys, tasks, workflows, agents, feedback,
the side-effect ledger and the sandbox backends' mailbox, calendar and chat."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from store.enums import ExecutionStatus, ExecutionType, Priority


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: JSON everywhere, JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSONType}


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    allowlist: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    """Trusted destinations: {"emails", "domains", "channels", "hosts"}, each a list."""
    budgets: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=dict)
    automation_rules: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=dict)
    """Default automation rules of the organization's tasks (tools/gate/automation.py)."""
    """Limits on one run that differ from the defaults, e.g. {"side_effects": 5}."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), default="default")
    prefix: Mapped[str] = mapped_column(String(16))
    """The first characters of the key, shown to people to tell keys apart."""
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the key; the key itself is never stored."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        # The executable-tasks queue: its filter and its sort keys (migration 0002).
        Index(
            "ix_tasks_org_executable",
            "org_id",
            "execution_status",
            "execution_type",
            "priority",
            "due_date",
            "created_at",
            "id",
        ),
        Index("ix_tasks_org_created", "org_id", "created_at"),
        Index("ix_tasks_parent", "parent_task_id"),
        # Workers looking for runs whose owner stopped renewing (migration 0009_run_claims).
        Index("ix_tasks_org_lease", "org_id", "execution_status", "lease_expires_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[str] = mapped_column(String(16), default=Priority.MEDIUM.value)
    due_date: Mapped[datetime | None] = mapped_column(default=None)

    execution_type: Mapped[str | None] = mapped_column(String(32), default=None)
    """manual, semi_automated or fully_automated; None until the AI chooses it (the task's
    ai_context then says `execution_type_chosen_by: ai`)."""
    execution_status: Mapped[str] = mapped_column(String(32), default=ExecutionStatus.PENDING.value)
    assigned_to_type: Mapped[str | None] = mapped_column(String(16), default=None)
    assigned_to_id: Mapped[str | None] = mapped_column(String(100), default=None)
    workflow_id: Mapped[str | None] = mapped_column(String(100), default=None)
    agent_id: Mapped[str | None] = mapped_column(String(100), default=None)

    execution_log: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    automation_rules: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    ai_confidence: Mapped[float | None] = mapped_column(Float, default=None)
    ai_context: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)

    parent_task_id: Mapped[str | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), default=None
    )
    depth: Mapped[int] = mapped_column(Integer, default=0)
    """0 for a top-level task, parent's depth + 1 for a subtask."""

    started_at: Mapped[datetime | None] = mapped_column(default=None)
    blocked_at: Mapped[datetime | None] = mapped_column(default=None)
    failed_at: Mapped[datetime | None] = mapped_column(default=None)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    blocked_reason: Mapped[str | None] = mapped_column(Text, default=None)
    failure_reason: Mapped[str | None] = mapped_column(Text, default=None)
    retry_count: Mapped[int] = mapped_column(Integer, default=0)
    max_retries: Mapped[int] = mapped_column(Integer, default=3)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    """A re-queued task waits for this time (its backoff) before a worker takes it."""

    claim_owner: Mapped[str | None] = mapped_column(String(200), default=None)
    """Who runs the task now (process or worker id); None when no run holds it."""
    claim_token: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """The fencing token: grows on every claim; a run's writes carry the one it got."""
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    """When the current (or last) claim was taken."""
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    """Until when the owner's claim holds unless renewed; after it any worker may take over."""
    estimated_duration_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    actual_duration_minutes: Mapped[float | None] = mapped_column(Float, default=None)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    """Optimistic-lock counter: a stale concurrent write fails instead of being lost."""

    subtasks: Mapped[list[Task]] = relationship(order_by="Task.created_at", viewonly=True)
    """The tasks created by decomposing this one."""

    __mapper_args__ = {"version_id_col": version}

    @property
    def status(self) -> ExecutionStatus:
        return ExecutionStatus(self.execution_status)

    @property
    def type(self) -> ExecutionType | None:
        return ExecutionType(self.execution_type) if self.execution_type else None

    def to_dict(self) -> dict[str, Any]:
        """Every column as JSON-ready values (the shape `tasks --json` and the API print)."""
        out: dict[str, Any] = {}
        for column in self.__table__.columns:
            value = getattr(self, column.key)
            out[column.key] = value.isoformat() if isinstance(value, datetime) else value
        return out


class Workflow(Base):
    """A named workflow graph (one module under graphs/) that tasks can be routed to."""

    __tablename__ = "workflows"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    graph: Mapped[str] = mapped_column(String(200))
    """The graph id in langgraph.json."""
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Agent(Base):
    """An agent as data: mirrored from the definitions in agents/."""

    __tablename__ = "agents"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    capabilities: Mapped[list[str]] = mapped_column(JSONType, default=list)
    system_instructions: Mapped[str] = mapped_column(Text, default="")
    tools: Mapped[list[str]] = mapped_column(JSONType, default=list)
    model: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Feedback(Base):
    """A person's rating (1-5), comment and optional edited output for a finished task."""

    __tablename__ = "feedback"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    edited_output: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SideEffect(Base):
    """The idempotency ledger: a side effect is recorded before it runs, marked done after."""

    __tablename__ = "side_effects"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    task_id: Mapped[str | None] = mapped_column(String(36), index=True, default=None)
    tool: Mapped[str] = mapped_column(String(64))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    """pending (recorded, call under way or crashed), done, or failed."""
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)


class IdempotentRequest(Base):
    """A client's Idempotency-Key and the answer its first request got.

    A retried request with the same key is answered from here instead of being done again
    (no second task, no second run); a row whose `status_code` is still NULL is a request
    being served right now.
    """

    __tablename__ = "idempotent_requests"

    org_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    route: Mapped[str] = mapped_column(String(64), primary_key=True)
    """The method and route the key was used on, e.g. `POST /api/tasks`."""
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the request as validated: the same key with another request is refused."""
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SandboxEmail(Base):
    """The sandbox mailbox: drafts, sent mail and an inbox, per organization."""

    __tablename__ = "sandbox_emails"
    __table_args__ = (Index("ix_sandbox_emails_org_folder", "org_id", "folder"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    folder: Mapped[str] = mapped_column(String(16))
    """drafts | sent | inbox"""
    message_id: Mapped[str] = mapped_column(String(200), default="")
    in_reply_to: Mapped[str] = mapped_column(String(200), default="", server_default="")
    """The Message-ID of the email this one answers ('' when it starts a conversation)."""
    sender: Mapped[str] = mapped_column(String(320), default="")
    to: Mapped[list[str]] = mapped_column(JSONType, default=list)
    cc: Mapped[list[str]] = mapped_column(JSONType, default=list)
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    task_id: Mapped[str | None] = mapped_column(String(36), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SandboxEvent(Base):
    """The sandbox calendar, per organization."""

    __tablename__ = "sandbox_events"
    __table_args__ = (UniqueConstraint("org_id", "event_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    start: Mapped[datetime] = mapped_column()
    end: Mapped[datetime] = mapped_column()
    attendees: Mapped[list[str]] = mapped_column(JSONType, default=list)
    location: Mapped[str] = mapped_column(Text, default="")
    organizer: Mapped[str | None] = mapped_column(String(320), default=None)
    """Who organised the event; None: the organization's own user."""
    task_id: Mapped[str | None] = mapped_column(String(36), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AutopilotTrigger(Base):
    """A proactive task by what triggered it: one task per trigger key, ever (migration 0010)."""

    __tablename__ = "autopilot_triggers"
    __table_args__ = (UniqueConstraint("org_id", "trigger_key", name="uq_autopilot_triggers_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    trigger_key: Mapped[str] = mapped_column(String(500))
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EmailTriageDecision(Base):
    """The model's triage of one inbox email (migration email_triage_decisions): the autopilot
    asks about a message once, also when its answer created no task."""

    __tablename__ = "email_triage_decisions"
    __table_args__ = (UniqueConstraint("org_id", "trigger_key", name="uq_email_triage_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    trigger_key: Mapped[str] = mapped_column(String(500))
    """The email's autopilot trigger key (its Message-ID, else the mailbox's id)."""
    decision: Mapped[dict[str, Any]] = mapped_column()
    """The model's answer: from_a_person, important, reason."""
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExtractedTaskSource(Base):
    """A task extracted from a message, by the message's digest: the message's nth task.
    The unique (org_id, digest, position) makes one message create its tasks once, even when
    it arrives twice at once (migration extracted_task_sources)."""

    __tablename__ = "extracted_task_sources"
    __table_args__ = (
        UniqueConstraint("org_id", "digest", "position", name="uq_extracted_task_sources"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64))
    """store.extracted_tasks.source_digest of the message."""
    position: Mapped[int] = mapped_column(Integer)
    """0 for the first task the message gave, 1 for the next, ..."""
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SandboxChatMessage(Base):
    """The sandbox Slack: a channel log per organization."""

    __tablename__ = "sandbox_chat_messages"
    __table_args__ = (
        Index("ix_sandbox_chat_org_channel", "org_id", "channel"),
        Index("ix_sandbox_chat_idempotency_key", "org_id", "idempotency_key"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(200))
    user: Mapped[str] = mapped_column(String(200), default="delegate")
    text: Mapped[str] = mapped_column(Text, default="")
    ts: Mapped[str] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    task_id: Mapped[str | None] = mapped_column(String(36), default=None)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), default=None)
    """The key of the side effect that posted it (Slack keeps it in message metadata)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
