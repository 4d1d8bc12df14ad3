"""Tasks created from a message, an email or notes: where each came from, and what is already
open, so the same work is never created twice.

A message's tasks are found by its digest (extracted_task_sources, unique per org, digest and
position): the same message sent again, or twice at once, creates its tasks once."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.enums import ExecutionStatus
from store.models import ExtractedTaskSource, Task

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


class SourceAlreadyRecorded(Exception):
    """A concurrent request created this message's tasks first."""


def source_digest(kind: str, text: str) -> str:
    """One message's identity: the same text from the same kind of source, however spaced."""
    folded = " ".join(text.split()).lower()
    return hashlib.sha256(f"{kind}\n{folded}".encode()).hexdigest()


def title_key(title: str) -> str:
    """A title as compared for duplicates: case, spacing and punctuation folded."""
    return " ".join(re.sub(r"[^\w]+", " ", title.lower()).split())


def tasks_from_source(session: Session, org_id: str, digest: str) -> list[Task]:
    """The tasks already extracted from the message with this digest (any status), in the
    order they were found in."""
    return list(
        session.scalars(
            select(Task)
            .join(ExtractedTaskSource, ExtractedTaskSource.task_id == Task.id)
            .where(ExtractedTaskSource.org_id == org_id, ExtractedTaskSource.digest == digest)
            .order_by(ExtractedTaskSource.position)
        )
    )


def record_source(session: Session, org_id: str, digest: str, task_ids: list[str]) -> None:
    """Record the tasks a message created, in order; SourceAlreadyRecorded (and the whole
    transaction is to be rolled back) when another request recorded the message first."""
    session.flush()  # the tasks first: the rows refer to them
    session.add_all(
        ExtractedTaskSource(org_id=org_id, digest=digest, position=position, task_id=task_id)
        for position, task_id in enumerate(task_ids)
    )
    try:
        session.flush()
    except IntegrityError:
        raise SourceAlreadyRecorded(digest) from None


def open_task_titles(session: Session, org_id: str) -> dict[str, str]:
    """Open tasks by title key -> task id."""
    rows = session.execute(
        select(Task.id, Task.title).where(
            Task.org_id == org_id, Task.execution_status.in_(OPEN_STATUSES)
        )
    ).all()
    return {title_key(title): task_id for task_id, title in rows}
