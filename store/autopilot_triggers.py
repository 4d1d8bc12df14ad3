"""Proactive tasks by what triggered them: each trigger key creates its task once, ever.

The task and its trigger row are written in one transaction under a unique (org_id,
trigger_key), so two cycles racing on the same trigger create one task: the loser's whole
transaction rolls back and it finds the winner's task.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from store import tasks as repo
from store.db import Database
from store.execution import append_log_entry
from store.models import AutopilotTrigger, Task


def triggered_task(db: Database, org_id: str, key: str) -> Task | None:
    """The task this trigger created, if it did."""
    with db.session(org_id) as session:
        return session.scalars(
            select(Task)
            .join(AutopilotTrigger, AutopilotTrigger.task_id == Task.id)
            .where(AutopilotTrigger.org_id == org_id, AutopilotTrigger.trigger_key == key)
        ).first()


def create_triggered_task(
    db: Database,
    org_id: str,
    key: str,
    trigger: dict[str, Any],
    title: str,
    *,
    created_by: str,
    context: dict[str, Any] | None = None,
    **fields: Any,
) -> Task | None:
    """Create the trigger's task, saying what triggered it (ai_context and the execution log,
    plus `context`, e.g. the email it came from); None when the trigger already has its task
    (this cycle lost a race or came second)."""
    try:
        with db.session(org_id) as session:
            if session.scalar(
                select(AutopilotTrigger.id).where(
                    AutopilotTrigger.org_id == org_id, AutopilotTrigger.trigger_key == key
                )
            ):
                return None
            task = repo.create_task(session, org_id, title, created_by=created_by, **fields)
            full_trigger = {**trigger, "key": key}
            task.ai_context = {
                **(context or {}),
                "trigger": full_trigger,
                "created_by": created_by,
            }
            append_log_entry(
                task,
                {"event": "triggered", "executor_id": created_by, "trigger": full_trigger},
            )
            session.add(AutopilotTrigger(org_id=org_id, trigger_key=key, task_id=task.id))
            session.flush()
            return task
    except IntegrityError:
        return None
