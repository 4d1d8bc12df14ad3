"""When a task's meeting should happen: day, start time, duration and a title, in UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from agents.offline.text import (
    capitalize_first,
    day_bounds,
    duration_minutes,
    find_emails,
    name_from_email,
    resolve_day,
    strip_lead_in,
    time_of_day,
)

DEFAULT_START = (10, 0)
DEFAULT_MINUTES = 30


@dataclass(frozen=True)
class MeetingSlot:
    """A proposed meeting: title, topic, start and end (UTC)."""

    summary: str
    topic: str
    start: datetime
    end: datetime

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


def meeting_slot(text: str, now: datetime) -> MeetingSlot:
    """The meeting a task asks for. Relative days resolve against `now` (UTC); no day means
    the next working day; no time means 10:00; no duration means 30 minutes."""
    now = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
    day = resolve_day(text, now.date())
    if day is None:
        day = now.date() + timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
    hour, minute = time_of_day(text) or DEFAULT_START
    start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
    minutes = duration_minutes(text) or DEFAULT_MINUTES
    summary, topic = meeting_title(text)
    return MeetingSlot(summary, topic, start, start + timedelta(minutes=minutes))


def meeting_title(text: str) -> tuple[str, str]:
    """('Sync with Maria', 'sync with Maria') from 'Schedule a 30 minute sync with maria@...'."""
    first_line = strip_lead_in(text.splitlines()[0] if text else "")
    body = re.sub(
        r"^(?:schedule|book|set up|arrange|reschedule|organi[sz]e|plan)\s+(?:an?\s+|the\s+)?",
        "", first_line, flags=re.I,
    )  # fmt: skip
    body = re.sub(r"\b\d+\s*-?\s*(?:minutes?|mins?|hours?|h)\b\s*", "", body, flags=re.I)
    body = re.sub(
        r"\s*\b(?:next|this|on|coming)?\s*(?:monday|tuesday|wednesday|thursday|friday|saturday|"
        r"sunday|tomorrow|today|next week)\b.*$|\s+at\s+\d.*$", "", body, flags=re.I,
    )  # fmt: skip
    for address in find_emails(body):
        body = body.replace(address, name_from_email(address) or address)
    body = re.sub(r"\s+", " ", body).strip(" .,")
    return capitalize_first(body) or "Meeting", body or "meeting"


def event_window(text: str, now: datetime) -> tuple[datetime, datetime]:
    """The day a task refers to ('tomorrow's meeting'), or the next 7 days from now."""
    now = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
    day = resolve_day(text, now.date())
    if day is None:
        return now, now + timedelta(days=7)
    return day_bounds(day)
