"""The real calendar: Google Calendar v3 (the primary calendar) through
google-api-python-client."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.auth.credentials import Credentials

from store.errors import InvalidInput
from tools.backends import ProviderError
from tools.calendar.events import as_utc, iso, validate_event_id
from tools.gate.destinations import parse_emails
from tools.google.client import (
    RetryPolicy,
    build_service,
    credentials_from_env,
    endpoint_from_env,
    execute,
)

SERVICE = "google-calendar"
CALENDAR_ID = "primary"


def _when(value: dict[str, Any] | None) -> str:
    value = value or {}
    return str(value.get("dateTime") or value.get("date") or "")


def summarize_event(event: dict[str, Any]) -> dict[str, Any]:
    """A Google event resource as the Calendar protocol's plain dict."""
    return {
        "id": event.get("id", ""),
        "summary": event.get("summary", ""),
        "start": _when(event.get("start")),
        "end": _when(event.get("end")),
        "attendees": [a.get("email", "") for a in event.get("attendees") or [] if a.get("email")],
        "description": event.get("description", ""),
        "location": event.get("location", ""),
        "html_link": event.get("htmlLink", ""),
        "organizer": (event.get("organizer") or {}).get("email", ""),
        # Files attached to the event (meeting notes in Drive): names and links only.
        "attachments": [
            {"title": a.get("title", ""), "url": a.get("fileUrl", "")}
            for a in event.get("attachments") or []
        ],
        # Google sets organizer.self only on the calendar owner's own events (absent: someone
        # else's); an event with no organizer at all was made on this calendar.
        "organized_by_me": bool(event["organizer"].get("self")) if event.get("organizer") else True,
    }


class GoogleCalendar:
    """A Calendar over Google Calendar v3; event ids are client-chosen so inserts are idempotent.

    Credentials and endpoint default to the environment, like GmailMailbox.
    """

    def __init__(
        self,
        credentials: Credentials | None = None,
        *,
        api_endpoint: str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        creds = credentials or credentials_from_env("DELEGATE_CALENDAR_BACKEND=google")
        base = api_endpoint or endpoint_from_env()
        self.retry = retry or RetryPolicy()
        self._service = build_service(
            "calendar",
            "v3",
            creds,
            # Calendar's discovery document keeps its service path in the root URL.
            api_endpoint=f"{base.rstrip('/')}/calendar/v3/" if base else None,
            timeout=timeout,
        )
        self._events = self._service.events()

    def _run(self, request: Any) -> Any:
        return execute(request, service=SERVICE, policy=self.retry)

    def list_events(
        self, time_min: datetime, time_max: datetime, max_results: int = 50
    ) -> list[dict[str, Any]]:
        """Events overlapping the window, single instances, earliest first."""
        listed = self._run(
            self._events.list(
                calendarId=CALENDAR_ID,
                timeMin=iso(time_min),
                timeMax=iso(time_max),
                maxResults=max_results,
                singleEvents=True,
                orderBy="startTime",
            )
        )
        return [summarize_event(e) for e in (listed.get("items") or [])[:max_results]]

    def get_event(self, event_id: str) -> dict[str, Any] | None:
        """The event with this id, or None if Google has none."""
        try:
            event = self._run(self._events.get(calendarId=CALENDAR_ID, eventId=event_id))
        except ProviderError as exc:
            if exc.status in (404, 410):
                return None
            raise
        return summarize_event(event)

    def create_event(
        self,
        event_id: str,
        summary: str,
        start: datetime,
        end: datetime,
        attendees: list[str] | None = None,
        description: str = "",
        location: str = "",
    ) -> dict[str, Any]:
        """Insert the event under `event_id`; if Google already has it (409), return that one."""
        validate_event_id(event_id)
        if as_utc(end) <= as_utc(start):
            raise InvalidInput("a calendar event must end after it starts")
        body: dict[str, Any] = {
            "id": event_id,
            "summary": summary,
            "description": description,
            "location": location,
            "start": {"dateTime": iso(start)},
            "end": {"dateTime": iso(end)},
            "attendees": [{"email": email} for email in parse_emails(attendees or [])],
        }
        try:
            created = self._run(self._events.insert(calendarId=CALENDAR_ID, body=body))
        except ProviderError as exc:
            if exc.status != 409:
                raise
            existing = self.get_event(event_id)
            if existing is None:
                raise
            return existing
        return summarize_event(created)
