"""Tasks created from a message, an email or notes: where each came from, and what is already
open, so the same work is never created twice."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.enums import ExecutionStatus
from store.models import Task

#: Tasks still open: a new one with the same title is the same work.
OPEN_STATUSES = tuple(
    s.value
    for s in (
        ExecutionStatus.PENDING,
        ExecutionStatus.QUEUED,
        ExecutionStatus.IN_PROGRESS,
        ExecutionStatus.PAUSED,
        ExecutionStatus.BLOCKED,
    )
)


def source_digest(kind: str, text: str) -> str:
    """One message's identity: the same text from the same kind of source, however spaced."""
    folded = " ".join(text.split()).lower()
    return hashlib.sha256(f"{kind}\n{folded}".encode()).hexdigest()


def title_key(title: str) -> str:
    """A title as compared for duplicates: case, spacing and punctuation folded."""
    return " ".join(re.sub(r"[^\w]+", " ", title.lower()).split())


def tasks_from_source(session: Session, org_id: str, digest: str) -> list[Task]:
    """The tasks already extracted from the message with this digest (any status), oldest
    first (the order they were found in)."""
    rows = session.scalars(
        select(Task).where(Task.org_id == org_id, Task.parent_task_id.is_(None))
        .order_by(Task.created_at.desc()).limit(2_000)
    ).all()  # fmt: skip
    return [t for t in reversed(rows) if _digest_of(t.ai_context) == digest]


def open_task_titles(session: Session, org_id: str) -> dict[str, str]:
    """Open tasks by title key -> task id."""
    rows = session.execute(
        select(Task.id, Task.title).where(
            Task.org_id == org_id, Task.execution_status.in_(OPEN_STATUSES)
        )
    ).all()
    return {title_key(title): task_id for task_id, title in rows}


def _digest_of(context: dict[str, Any] | None) -> str | None:
    source = (context or {}).get("source")
    return source.get("digest") if isinstance(source, dict) else None
