"""The autopilot cycle on the sandboxes (offline model): a meeting tomorrow without an agenda
gets one drafted and sent to exactly its attendees, once, whoever runs the cycle how often."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from store.db import Database
from tests.fixtures.autopilot import cycle, org_tasks, sandbox_sent
from tools.calendar.sandbox import SandboxCalendar

ATTENDEES = ["ann@example.com", "bob@example.com"]


@pytest.fixture(autouse=True)
def offline_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELEGATE_MODEL", "offline")


def _meeting(
    db: Database,
    org_id: str,
    event_id: str = "planning1",
    *,
    hours: float = 20,
    description: str = "",
    organizer: str | None = None,
) -> dict[str, Any]:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=hours)
    return SandboxCalendar(db, org_id).create_event(
        event_id,
        f"Quarterly planning {event_id}",
        start,
        start + timedelta(minutes=30),
        attendees=ATTENDEES,
        description=description,
        organizer=organizer,
    )


def test_meeting_without_agenda_gets_one_drafted_and_sent_to_exactly_its_attendees(
    db: Database, org_id: str
) -> None:
    _meeting(db, org_id)

    result = cycle(db)

    titles = [c["title"] for c in result["created"]]
    assert titles == [
        "Draft meeting agenda for Quarterly planning planning1",
        "Send agenda to attendees of Quarterly planning planning1",
    ]
    assert [r["status"] for r in result["ran"]] == ["completed", "completed"]
    draft, send = org_tasks(db, org_id)
    agenda = draft.result["output"]  # type: ignore[index]
    assert agenda.strip() and agenda.strip() in send.description
    sent = sandbox_sent(db, org_id)
    assert len(sent) == 1
    assert sorted(sent[0].to) == ATTENDEES and not sent[0].cc
    topics = re.findall(r"^\d+\.\s+(.+)$", agenda, re.MULTILINE)
    assert topics and all(topic in sent[0].body for topic in topics)
    assert "@" not in sent[0].body


def test_a_second_cycle_creates_and_sends_nothing_again(db: Database, org_id: str) -> None:
    _meeting(db, org_id)
    cycle(db)

    again = cycle(db)

    assert again["created"] == [] and again["ran"] == []
    assert [s["reason"] for s in again["skipped"]] == [
        "agenda already sent or waiting for approval"
    ]
    assert len(org_tasks(db, org_id)) == 2
    assert len(sandbox_sent(db, org_id)) == 1


def test_concurrent_cycles_create_each_task_once(db: Database, org_id: str) -> None:
    _meeting(db, org_id)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: cycle(db), range(2)))

    assert sum(len(r["created"]) for r in results) == 2
    assert len(org_tasks(db, org_id)) == 2
    assert len(sandbox_sent(db, org_id)) == 1


def test_each_task_says_what_triggered_it(db: Database, org_id: str) -> None:
    event = _meeting(db, org_id)

    cycle(db)

    for task in org_tasks(db, org_id):
        trigger = task.ai_context["trigger"]
        assert trigger["kind"] == "calendar_event"
        assert trigger["event_id"] == "planning1"
        assert trigger["starts_at"] == event["start"]
        assert trigger["key"].endswith(":planning1:" + trigger["key"].rsplit(":", 1)[1])
        logged = [e for e in task.execution_log if e["event"] == "triggered"]
        assert logged and logged[0]["trigger"]["event_id"] == "planning1"


def test_meeting_someone_else_organised_waits_for_approval_before_sending(
    db: Database, org_id: str
) -> None:
    _meeting(db, org_id, organizer="carol@partner.example")

    result = cycle(db)

    assert [r["status"] for r in result["ran"]] == ["completed", "paused"]
    send = org_tasks(db, org_id)[1]
    assert send.execution_type == "semi_automated"
    assert sandbox_sent(db, org_id) == []


def test_meetings_with_an_agenda_or_beyond_a_day_are_left_alone(db: Database, org_id: str) -> None:
    _meeting(db, org_id, "hasagenda", description="Agenda:\n1. Numbers\n2. Hiring")
    _meeting(db, org_id, "later6", hours=24 * 6)
    _meeting(db, org_id, "started", hours=-0.1)

    result = cycle(db)

    assert result["created"] == [] and org_tasks(db, org_id) == []


def test_the_budget_stops_a_cycle_and_the_next_one_carries_on(
    db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _meeting(db, org_id, "first", hours=10)
    _meeting(db, org_id, "second", hours=12)
    monkeypatch.setenv("DELEGATE_AUTOPILOT_MAX_TASKS", "3")

    first = cycle(db)

    assert len(first["created"]) == 3
    assert first["stopped"] and "3 of 3 tasks created" in first["stopped"]
    assert len(org_tasks(db, org_id)) == 3

    second = cycle(db)

    assert [c["title"] for c in second["created"]] == [
        "Send agenda to attendees of Quarterly planning second"
    ]
    assert len(sandbox_sent(db, org_id)) == 2


def test_a_bad_budget_is_refused_with_the_setting_named(
    db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from store.errors import InvalidInput

    _meeting(db, org_id)
    monkeypatch.setenv("DELEGATE_AUTOPILOT_MAX_ACTIONS", "lots")

    with pytest.raises(InvalidInput, match="DELEGATE_AUTOPILOT_MAX_ACTIONS"):
        cycle(db)
    assert org_tasks(db, org_id) == []
