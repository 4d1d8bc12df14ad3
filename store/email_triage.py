"""The model's triage of inbox emails, kept per email: the autopilot asks about a message once.

The inbox trigger (graphs/autopilot_mail.py) asks the model whether an unanswered email is
from a person and needs a reply. An answer that created a task is remembered by the task's
trigger; this keeps every answer (also "needs no reply"), so a later cycle reads it instead of
asking the model again about the same message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from store.db import Database
from store.models import EmailTriageDecision


@dataclass(frozen=True)
class RecordedTriage:
    """A triage answer kept for one email."""

    decision: dict[str, Any]
    """The model's answer as it gave it (from_a_person, important, reason)."""
    decided_at: datetime


def recorded_triage(db: Database, org_id: str, trigger_key: str) -> RecordedTriage | None:
    """The triage answer kept for the email with this trigger key, if any."""
    with db.read_session(org_id) as session:
        row = session.execute(
            select(EmailTriageDecision.decision, EmailTriageDecision.decided_at).where(
                EmailTriageDecision.org_id == org_id,
                EmailTriageDecision.trigger_key == trigger_key,
            )
        ).first()
    return RecordedTriage(dict(row.decision), row.decided_at) if row is not None else None


def record_triage(db: Database, org_id: str, trigger_key: str, decision: dict[str, Any]) -> None:
    """Keep the model's answer for the email; a second answer for it (two cycles at once)
    leaves the first."""
    try:
        with db.session(org_id) as session:
            session.add(
                EmailTriageDecision(org_id=org_id, trigger_key=trigger_key, decision=decision)
            )
    except IntegrityError:
        return
