"""Calendar event ids and times shared by the sandbox and Google calendars."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime

from store.errors import InvalidInput

#: Google Calendar's rule for client-chosen ids: base32hex characters, 5 to 1024 of them.
EVENT_ID_PATTERN = re.compile(r"^[a-v0-9]{5,1024}$")


def validate_event_id(event_id: str) -> str:
    """Return the id if Google would accept it, else raise InvalidInput saying why."""
    if not EVENT_ID_PATTERN.fullmatch(event_id or ""):
        raise InvalidInput(
            f"calendar event id {event_id!r} must be 5-1024 characters of a-v and 0-9"
        )
    return event_id


def event_id_for(key: str) -> str:
    """A valid, stable event id derived from any string (e.g. an idempotency key)."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return base64.b32hexencode(digest).decode("ascii").rstrip("=").lower()


def as_utc(moment: datetime) -> datetime:
    """A timezone-aware UTC datetime (a naive one is taken to be UTC already)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    """RFC 3339 text in UTC, as Google Calendar expects for timeMin/timeMax/dateTime."""
    return as_utc(moment).isoformat()
