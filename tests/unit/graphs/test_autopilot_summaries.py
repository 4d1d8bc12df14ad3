"""The autopilot after a meeting, on the sandboxes (offline model): a summary with its action
items as tasks, sent to the attendees of the user's own meeting, once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from langchain_core.messages import BaseMessage

from agents.extraction import ExtractedTask, ExtractedTasks
from agents.scripted import ScriptedChatModel
from store.db import Database
from store.orgs import set_automation_rules
from tests.fixtures.agent_runs import immediate
from tests.fixtures.autopilot import cycle, org_tasks, sandbox_sent
from tools.calendar.sandbox import SandboxCalendar

ATTENDEES = ["ann@example.com", "bob@example.com"]
NOTES = """We reviewed the Q3 launch plan and agreed to move the launch to October 12.
Action items:
- Ann will draft the launch announcement by Friday.
- Bob to email the vendor about the delivery date.
- Carol will call the venue to confirm the booking."""
ACTIONS = [
    "Draft the launch announcement",
    "Email the vendor about the delivery date",
    "Call the venue to confirm the booking",
]


@pytest.fixture(autouse=True)
def offline_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELEGATE_MODEL", "offline")


def _ended(
    db: Database,
    org_id: str,
    event_id: str = "retro1",
    *,
    hours_ago: float = 1,
    notes: str = NOTES,
    organizer: str | None = None,
) -> dict[str, Any]:
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours_ago)
    return SandboxCalendar(db, org_id).create_event(
        event_id,
        f"Launch sync {event_id}",
        end - timedelta(minutes=45),
        end,
        attendees=ATTENDEES,
        description=notes,
        organizer=organizer,
    )


def _action_tasks(db: Database, org_id: str) -> list[str]:
    return sorted(t.title for t in org_tasks(db, org_id) if t.parent_task_id)


def test_ended_meeting_is_summarized_and_each_action_item_becomes_a_task(
    db: Database, org_id: str
) -> None:
    _ended(db, org_id)

    result = cycle(db)

    assert [c["title"] for c in result["created"]] == [
        "Summarize meeting Launch sync retro1",
        "Send summary to attendees of Launch sync retro1",
    ]
    assert _action_tasks(db, org_id) == sorted(ACTIONS)
    summary = next(t for t in org_tasks(db, org_id) if t.title.startswith("Summarize"))
    assert summary.execution_status == "completed"
    assert "October 12" in summary.result["output"]  # type: ignore[index]


def test_the_summary_goes_to_exactly_the_attendees_of_the_users_own_meeting(
    db: Database, org_id: str
) -> None:
    _ended(db, org_id)

    result = cycle(db)

    assert [r["status"] for r in result["ran"]] == ["completed", "completed"]
    sent = sandbox_sent(db, org_id)
    assert len(sent) == 1
    assert sorted(sent[0].to) == ATTENDEES and not sent[0].cc
    assert all(action in sent[0].body for action in ACTIONS)
    assert "October 12" in sent[0].body and "@" not in sent[0].body


def test_someone_elses_meeting_summary_waits_for_approval(db: Database, org_id: str) -> None:
    _ended(db, org_id, organizer="carol@partner.example")

    result = cycle(db)

    assert [r["status"] for r in result["ran"]] == ["completed", "paused"]
    send = next(t for t in org_tasks(db, org_id) if t.title.startswith("Send summary"))
    assert send.execution_type == "semi_automated"
    assert sandbox_sent(db, org_id) == []


def test_a_second_and_a_concurrent_cycle_summarize_and_send_once(db: Database, org_id: str) -> None:
    _ended(db, org_id)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: cycle(db), range(2)))
    again = cycle(db)

    assert sum(len(r["created"]) for r in results) == 2
    assert again["created"] == [] and again["ran"] == []
    assert [s["reason"] for s in again["skipped"]] == [
        "summary already sent or waiting for approval"
    ]
    assert _action_tasks(db, org_id) == sorted(ACTIONS)
    assert len(sandbox_sent(db, org_id)) == 1


def test_summary_tasks_say_which_meeting_triggered_them(db: Database, org_id: str) -> None:
    event = _ended(db, org_id)

    cycle(db)

    for task in org_tasks(db, org_id):
        if task.parent_task_id:
            continue
        trigger = task.ai_context["trigger"]
        assert trigger["kind"] == "meeting_ended"
        assert (trigger["event_id"], trigger["ended_at"]) == ("retro1", event["end"])
        logged = [e for e in task.execution_log if e["event"] == "triggered"]
        assert logged and logged[0]["trigger"]["kind"] == "meeting_ended"


def test_meetings_without_notes_or_ended_before_the_window_are_left_alone(
    db: Database, org_id: str
) -> None:
    _ended(db, org_id, "nonotes", notes="")
    _ended(db, org_id, "longago", hours_ago=30)

    result = cycle(db, summary_hours=24)

    assert result["created"] == [] and org_tasks(db, org_id) == []
    assert [s["reason"] for s in result["skipped"]] == ["no notes to summarize"]


def test_the_summary_window_is_configurable(
    db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ended(db, org_id, hours_ago=3)
    monkeypatch.setenv("DELEGATE_AUTOPILOT_SUMMARY_HOURS", "2")

    assert cycle(db)["created"] == []
    assert len(cycle(db, summary_hours=4)["created"]) == 2


def test_the_budget_stops_a_summary_cycle_and_the_next_one_carries_on(
    db: Database, org_id: str
) -> None:
    _ended(db, org_id)

    first = cycle(db, max_actions=1)

    assert [c["title"] for c in first["created"]] == ["Summarize meeting Launch sync retro1"]
    assert first["stopped"] and "1 of 1 run" in first["stopped"]
    assert sandbox_sent(db, org_id) == []

    second = cycle(db)

    assert [c["title"] for c in second["created"]] == [
        "Send summary to attendees of Launch sync retro1"
    ]
    assert len(sandbox_sent(db, org_id)) == 1


def test_a_bad_summary_window_is_refused_with_its_name(db: Database, org_id: str) -> None:
    from store.errors import InvalidInput

    with pytest.raises(InvalidInput, match="summary_hours"):
        cycle(db, summary_hours="soon")


def test_a_summary_made_outside_the_meeting_workflow_still_turns_action_items_into_tasks(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    """The model may route the summary to another agent: the notes then go through task
    extraction, so the action items still become tasks (and only once)."""
    SandboxCalendar(db, org_id).create_event(
        "solo1",
        "Launch sync",
        datetime.now(UTC) - timedelta(hours=2),
        datetime.now(UTC) - timedelta(hours=1),
        description=NOTES,
    )

    def answer(messages: list[BaseMessage], tools: list[str]) -> Any:
        if "Classification" in tools:
            return immediate("fully_automated", "writer", deliver=False)
        if "ExtractedTasks" in tools:
            quote = "Ann will draft the launch announcement by Friday."
            found = ExtractedTask(title="Draft the launch announcement", quote=quote)
            return ExtractedTasks(extracted_tasks=[found])
        return "The launch moves to October 12; Ann drafts the announcement."

    scripted_model.default = answer

    first = cycle(db)
    again = cycle(db)

    assert [r["status"] for r in first["ran"]] == ["completed"]
    assert [s["reason"] for s in first["skipped"]] == ["no attendees to send the summary to"]
    assert again["created"] == []
    titles = [t.title for t in org_tasks(db, org_id)]
    assert titles == ["Summarize meeting Launch sync", "Draft the launch announcement"]
    extracted = org_tasks(db, org_id)[1]
    assert extracted.ai_context["source"]["kind"] == "meeting"
    assert extracted.ai_context["source"]["id"] == org_tasks(db, org_id)[0].id


def test_an_attendee_domain_rule_makes_the_summary_of_the_users_own_meeting_ask_first(
    db: Database, org_id: str
) -> None:
    careful = {"name": "customers", "when": {"attendee_domains": ["example.com"]}, "then": "ask"}
    with db.session(org_id) as session:
        set_automation_rules(session, org_id, {"rules": [careful]})
    _ended(db, org_id)

    result = cycle(db)

    assert [r["status"] for r in result["ran"]] == ["completed", "paused"]
    assert sandbox_sent(db, org_id) == []
