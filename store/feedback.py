"""People's feedback on finished tasks: a 1-5 rating, a comment and an optional edited output."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.enums import ExecutionStatus
from store.errors import Conflict, InvalidInput
from store.models import Feedback
from store.tasks import get_task

MIN_RATING = 1
MAX_RATING = 5

#: Only a task that has stopped for good can be rated.
FINISHED = frozenset({ExecutionStatus.COMPLETED, ExecutionStatus.FAILED})


def add_feedback(
    session: Session,
    org_id: str,
    task_id: str,
    rating: int,
    comment: str = "",
    edited_output: str | None = None,
) -> Feedback:
    """Record a person's rating of a finished task; Conflict if the task has not finished."""
    if isinstance(rating, bool) or not isinstance(rating, int):
        raise InvalidInput("rating must be a whole number from 1 to 5")
    if not MIN_RATING <= rating <= MAX_RATING:
        raise InvalidInput(f"rating must be from {MIN_RATING} to {MAX_RATING}, not {rating}")
    task = get_task(session, org_id, task_id)
    if task.status not in FINISHED:
        raise Conflict(
            f"task {task.id} is {task.status.value}; only completed or failed tasks take feedback"
        )
    edited = edited_output.strip() if edited_output is not None else None
    feedback = Feedback(
        org_id=org_id,
        task_id=task.id,
        rating=rating,
        comment=(comment or "").strip(),
        edited_output=edited or None,
    )
    session.add(feedback)
    session.flush()
    return feedback


def list_feedback(
    session: Session, org_id: str, task_id: str | None = None, *, limit: int = 100
) -> Sequence[Feedback]:
    """The organization's feedback, newest first, optionally for one task."""
    query = select(Feedback).where(Feedback.org_id == org_id)
    if task_id is not None:
        query = query.where(Feedback.task_id == task_id)
    return session.scalars(query.order_by(Feedback.created_at.desc()).limit(limit)).all()
