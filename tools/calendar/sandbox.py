"""The sandbox calendar: events as rows in the store, per organization."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from store.db import Database
from store.errors import InvalidInput
from store.models import SandboxEvent
from tools.calendar.events import as_utc, validate_event_id
from tools.gate.destinations import parse_emails


def _event(row: SandboxEvent) -> dict[str, Any]:
    return {
        "id": row.event_id,
        "summary": row.summary,
        "start": as_utc(row.start).isoformat(),
        "end": as_utc(row.end).isoformat(),
        "attendees": list(row.attendees or []),
        "description": row.description,
        "location": row.location,
        "organizer": row.organizer or "",
        "organized_by_me": row.organizer is None,
    }


class SandboxCalendar:
    """A Calendar over the store (the org's primary calendar); ids follow Google's rules."""

    def __init__(self, db: Database, org_id: str) -> None:
        self.db = db
        self.org_id = org_id

    def list_events(
        self, time_min: datetime, time_max: datetime, max_results: int = 50
    ) -> list[dict[str, Any]]:
        """Events overlapping [time_min, time_max), earliest first."""
        statement = (
            select(SandboxEvent)
            .where(
                SandboxEvent.org_id == self.org_id,
                SandboxEvent.start < as_utc(time_max),
                SandboxEvent.end > as_utc(time_min),
            )
            .order_by(SandboxEvent.start, SandboxEvent.event_id)
            .limit(max_results)
        )
        with self.db.session(self.org_id) as session:
            return [_event(row) for row in session.scalars(statement).all()]

    def get_event(self, event_id: str) -> dict[str, Any] | None:
        """The event with this id, or None."""
        with self.db.session(self.org_id) as session:
            row = self._find(session, event_id)
            return _event(row) if row is not None else None

    def create_event(
        self,
        event_id: str,
        summary: str,
        start: datetime,
        end: datetime,
        attendees: list[str] | None = None,
        description: str = "",
        location: str = "",
        *,
        organizer: str | None = None,
    ) -> dict[str, Any]:
        """Create the event; if this id exists already, return the existing one unchanged.

        `organizer`: who organised it when that is someone else (None: the organization)."""
        validate_event_id(event_id)
        if as_utc(end) <= as_utc(start):
            raise InvalidInput("a calendar event must end after it starts")
        existing = self.get_event(event_id)
        if existing is not None:
            return existing
        try:
            with self.db.session(self.org_id) as session:
                row = SandboxEvent(
                    org_id=self.org_id,
                    event_id=event_id,
                    summary=summary,
                    description=description,
                    start=as_utc(start),
                    end=as_utc(end),
                    attendees=parse_emails(attendees or []),
                    location=location,
                    organizer=organizer,
                )
                session.add(row)
                session.flush()
                return _event(row)
        except IntegrityError:
            # Another writer created the same id between our read and insert: theirs stands.
            created = self.get_event(event_id)
            if created is None:
                raise
            return created

    def _find(self, session: Any, event_id: str) -> SandboxEvent | None:
        statement = select(SandboxEvent).where(
            SandboxEvent.org_id == self.org_id, SandboxEvent.event_id == event_id
        )
        return session.scalars(statement).first()
