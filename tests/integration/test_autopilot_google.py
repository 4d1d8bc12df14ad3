"""The autopilot on the Google Calendar and Gmail stand-ins through google-api-python-client:
tomorrow's meeting without an agenda gets one sent to exactly its attendees, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from graphs.autopilot import run_cycle
from store.db import Database
from tests.fixtures.google_standin import GoogleStandIn

pytestmark = pytest.mark.integration

ATTENDEES = ["ann@example.com", "bob@example.com"]


@pytest.fixture(autouse=True)
def offline_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELEGATE_MODEL", "offline")


def _seed(standin: GoogleStandIn, event_id: str, title: str, organizer: dict[str, Any]) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=16)
    standin.events[event_id] = {
        "id": event_id,
        "kind": "calendar#event",
        "status": "confirmed",
        "summary": title,
        "start": {"dateTime": start.isoformat()},
        "end": {"dateTime": (start + timedelta(minutes=45)).isoformat()},
        "attendees": [{"email": a} for a in ATTENDEES],
        "organizer": organizer,
    }


def test_agenda_goes_to_exactly_the_attendees_once_over_two_cycles(
    db: Database, org_id: str, gmail_env: GoogleStandIn
) -> None:
    _seed(gmail_env, "roadmap01", "Roadmap review", {"email": "me@corp.com", "self": True})

    first = dict(run_cycle(db, organization="default"))
    again = dict(run_cycle(db, organization="default"))

    assert [r["status"] for r in first["ran"]] == ["completed", "completed"]
    assert again["created"] == [] and again["ran"] == []
    sent = gmail_env.sent_messages()
    assert len(sent) == 1
    assert sorted(a.strip() for a in str(sent[0]["To"]).split(",")) == ATTENDEES


def test_someone_elses_meeting_waits_for_approval_and_sends_nothing(
    db: Database, org_id: str, gmail_env: GoogleStandIn
) -> None:
    _seed(gmail_env, "partner01", "Partner sync", {"email": "carol@partner.example"})

    result = dict(run_cycle(db, organization="default"))

    assert [r["status"] for r in result["ran"]] == ["completed", "paused"]
    assert gmail_env.sent_messages() == []
