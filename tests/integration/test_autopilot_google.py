"""The autopilot on the Google Calendar and Gmail stand-ins through google-api-python-client:
tomorrow's meeting without an agenda gets one sent to exactly its attendees, once; a meeting
that ended gets its summary sent and its action items made tasks; an unanswered question in
Gmail gets a reply drafted for approval (threads.get says whether we answered)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from graphs.autopilot import run_cycle
from graphs.runner import task_runner
from store.db import Database
from store.models import Task
from tests.fixtures.agent_runs import GOOGLE_TOKEN
from tests.fixtures.google_standin import GoogleStandIn
from tools.email.gmail import GmailMailbox

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


NOTES = (
    "We agreed to ship the beta on March 3.\n"
    "Action items:\n"
    "- Ann will draft the release notes by Friday.\n"
    "- Bob will call the customer to confirm the date."
)


def _seed_ended(
    standin: GoogleStandIn, event_id: str, organizer: dict[str, Any], *, notes: str = NOTES
) -> None:
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    standin.events[event_id] = {
        "id": event_id,
        "kind": "calendar#event",
        "status": "confirmed",
        "summary": "Beta review",
        "description": notes,
        "start": {"dateTime": (end - timedelta(minutes=30)).isoformat()},
        "end": {"dateTime": end.isoformat()},
        "attendees": [{"email": a} for a in ATTENDEES],
        "organizer": organizer,
    }


def test_ended_meeting_summary_goes_to_exactly_the_attendees_once_with_its_action_items(
    db: Database, org_id: str, gmail_env: GoogleStandIn
) -> None:
    _seed_ended(gmail_env, "betareview1", {"email": "me@corp.com", "self": True})

    first = dict(run_cycle(db, organization="default"))
    again = dict(run_cycle(db, organization="default"))

    assert [c["title"] for c in first["created"]] == [
        "Summarize meeting Beta review",
        "Send summary to attendees of Beta review",
    ]
    assert again["created"] == [] and again["ran"] == []
    sent = gmail_env.sent_messages()
    assert len(sent) == 1
    assert sorted(a.strip() for a in str(sent[0]["To"]).split(",")) == ATTENDEES
    body = sent[0].get_content()
    assert "Draft the release notes" in body and "March 3" in body
    with db.session(org_id) as session:
        actions = sorted(
            t.title for t in session.scalars(select(Task).where(Task.parent_task_id.is_not(None)))
        )
    assert actions == ["Call the customer to confirm the date", "Draft the release notes"]


def test_someone_elses_ended_meeting_summary_waits_for_approval(
    db: Database, org_id: str, gmail_env: GoogleStandIn
) -> None:
    _seed_ended(gmail_env, "betareview2", {"email": "carol@partner.example"})

    result = dict(run_cycle(db, organization="default"))

    assert [r["status"] for r in result["ran"]] == ["completed", "paused"]
    assert gmail_env.sent_messages() == []


def _hours_ago(hours: float) -> datetime:
    return datetime.now(UTC) - timedelta(hours=hours)


def _reply_tasks(db: Database, org_id: str) -> list[Task]:
    with db.session(org_id) as session:
        return list(session.scalars(select(Task).where(Task.title.like("Reply to %"))).all())


def test_unanswered_gmail_question_gets_one_reply_waiting_for_approval(
    db: Database, org_id: str, gmail_env: GoogleStandIn
) -> None:
    gmail_id = gmail_env.seed_message(
        "Ann Lee <ann@example.com>",
        "me@standin.test",
        "Invoice 4411",
        "Hi, could you tell me when invoice 4411 will be paid?",
        message_id="<inv4411@example.com>",
        received=_hours_ago(6),
    )

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: dict(run_cycle(db, organization="default")), range(2)))

    assert sum(len(r["created"]) for r in results) == 1
    (task,) = _reply_tasks(db, org_id)
    assert task.title == "Reply to ann@example.com: Invoice 4411"
    assert task.execution_status == "paused"
    trigger = task.ai_context["trigger"]
    assert (trigger["email_id"], trigger["message_id"]) == (gmail_id, "<inv4411@example.com>")
    assert trigger["thread_id"] == gmail_id
    assert gmail_env.sent_messages() == []
    listed = gmail_env.calls("GET", "/gmail/v1/users/me/messages")
    assert any("after:" in q and "before:" in q for c in listed for q in c.query.get("q", []))
    assert gmail_env.calls("GET", f"/gmail/v1/users/me/threads/{gmail_id}")


def test_the_approved_gmail_reply_goes_out_in_the_emails_thread_and_counts_as_its_answer(
    db: Database, org_id: str, gmail_env: GoogleStandIn
) -> None:
    gmail_id = gmail_env.seed_message(
        "Ann Lee <ann@example.com>", "me@standin.test", "Invoice 4411",
        "Hi, could you tell me when invoice 4411 will be paid?",
        message_id="<inv4411@example.com>", received=_hours_ago(6),
    )  # fmt: skip
    run_cycle(db, organization="default")
    (task,) = _reply_tasks(db, org_id)

    with task_runner(db, organization="default") as runner:
        runner.resume(task.id, {"type": "approve"})

    (sent,) = gmail_env.sent_messages()
    assert sent["In-Reply-To"] == "<inv4411@example.com>"
    assert sent["References"] == "<inv4411@example.com>"
    assert sent["Subject"] == "Re: Invoice 4411"
    (send,) = gmail_env.calls("POST", "/gmail/v1/users/me/messages/send")
    assert send.body["threadId"] == gmail_id
    original = GmailMailbox().read(gmail_id)
    assert GmailMailbox().answered(original)
    again = dict(run_cycle(db, organization="default"))
    assert again["created"] == [] and len(gmail_env.sent_messages()) == 1


def test_a_gmail_thread_we_replied_in_and_a_newsletter_get_no_reply(
    db: Database, org_id: str, gmail_env: GoogleStandIn
) -> None:
    asked = gmail_env.seed_message(
        "ann@example.com", "me@standin.test", "Offsite", "Can you book the room?",
        received=_hours_ago(8),
    )  # fmt: skip
    gmail_env.seed_message(
        "me@standin.test", "ann@example.com", "Re: Offsite", "Booked.",
        labels=("SENT",), received=_hours_ago(7), thread_id=asked,
    )  # fmt: skip
    gmail_env.seed_message(
        "Deals <deals@shop.example>", "me@standin.test", "Could you use 20% off?",
        "Our biggest sale of the year.",
        received=_hours_ago(9), headers={"List-Unsubscribe": "<mailto:unsub@shop.example>"},
    )  # fmt: skip

    result = dict(run_cycle(db, organization="default"))

    assert result["created"] == [] and _reply_tasks(db, org_id) == []
    reasons = sorted(s["reason"] for s in result["skipped"])
    assert reasons[0] == "already answered in its thread"
    assert reasons[1].startswith("not from a person") and "list-unsubscribe" in reasons[1].lower()


def test_an_unreadable_inbox_leaves_the_calendar_triggers_working(
    db: Database, org_id: str, gmail_env: GoogleStandIn
) -> None:
    _seed(gmail_env, "roadmap02", "Roadmap review", {"email": "me@corp.com", "self": True})
    gmail_env.fail_next("/gmail/v1/users/me/messages", 403, method="GET", reason="forbidden")

    result = dict(run_cycle(db, organization="default"))

    assert [r["status"] for r in result["ran"]] == ["completed", "completed"]
    (skipped,) = result["skipped"]
    assert skipped["title"] == "inbox" and "could not be read" in skipped["reason"]
    assert GOOGLE_TOKEN not in skipped["reason"]
