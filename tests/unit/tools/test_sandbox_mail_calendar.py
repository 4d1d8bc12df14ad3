"""The sandbox mailbox and calendar: store-backed, per organization, Gmail-like search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from store.db import Database
from store.errors import ConfigurationError, InvalidInput, NotFound
from store.orgs import ensure_organization
from tools.calendar.events import event_id_for, validate_event_id
from tools.calendar.sandbox import SandboxCalendar
from tools.email.sandbox import SandboxMailbox
from tools.google.backends import get_calendar, get_mailbox

START = datetime(2030, 5, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def other_org_id(db: Database) -> str:
    with db.session() as session:
        return ensure_organization(session, "other").id


@pytest.fixture
def mailbox(db: Database, org_id: str) -> SandboxMailbox:
    return SandboxMailbox(db, org_id)


@pytest.fixture
def calendar(db: Database, org_id: str) -> SandboxCalendar:
    return SandboxCalendar(db, org_id)


def test_draft_lands_in_drafts_not_sent(mailbox: SandboxMailbox) -> None:
    draft = mailbox.create_draft(["john@example.com"], "Thanks", "Thank you for the meeting.")
    assert [d["id"] for d in mailbox.list_drafts()] == [draft["id"]]
    assert mailbox.list_sent() == []
    assert draft["message_id"].startswith("<") and draft["message_id"].endswith(">")


def test_send_records_message_in_sent_folder(mailbox: SandboxMailbox) -> None:
    sent = mailbox.send(["a@example.com"], "Hi", "Body text", cc=["c@example.com"])
    (only,) = mailbox.list_sent()
    assert only["id"] == sent["id"]
    assert (only["to"], only["cc"], only["subject"], only["body"]) == (
        ["a@example.com"],
        ["c@example.com"],
        "Hi",
        "Body text",
    )


def test_send_with_same_message_id_does_not_send_twice(mailbox: SandboxMailbox) -> None:
    first = mailbox.send(["a@example.com"], "Hi", "Body", message_id="key-123")
    second = mailbox.send(["a@example.com"], "Hi", "Body", message_id="key-123")
    assert second["id"] == first["id"]
    assert len(mailbox.list_sent()) == 1


def test_find_sent_accepts_bracketed_and_bare_ids(mailbox: SandboxMailbox) -> None:
    sent = mailbox.send(["a@example.com"], "Hi", "Body", message_id="abc@example.org")
    assert mailbox.find_sent("<abc@example.org>")["id"] == sent["id"]  # type: ignore[index]
    assert mailbox.find_sent("abc@example.org")["id"] == sent["id"]  # type: ignore[index]
    assert mailbox.find_sent("other@example.org") is None


def test_find_sent_ignores_drafts_and_inbox(mailbox: SandboxMailbox) -> None:
    mailbox.deliver("x@example.com", "me@example.com", "In", "inbox", message_id="m1@x")
    assert mailbox.find_sent("m1@x") is None


def test_search_free_text_matches_subject_body_or_sender(mailbox: SandboxMailbox) -> None:
    mailbox.deliver("ann@example.com", "me@x", "Budget review", "numbers attached")
    mailbox.deliver("bob@example.com", "me@x", "Lunch", "see you at noon for budget talk")
    mailbox.deliver("budget-bot@example.com", "me@x", "Weekly", "report")
    mailbox.deliver("carl@example.com", "me@x", "Holiday", "away next week")
    found = {m["from"] for m in mailbox.search("budget")}
    assert found == {"ann@example.com", "bob@example.com", "budget-bot@example.com"}


def test_search_operators_combine_with_and(mailbox: SandboxMailbox) -> None:
    mailbox.deliver("ann@example.com", "me@x", "Quarterly report", "q1")
    mailbox.deliver("ann@example.com", "me@x", "Lunch", "noon")
    mailbox.deliver("bob@example.com", "me@x", "Quarterly report", "q2")
    found = mailbox.search('from:ann@example.com subject:"quarterly report"')
    assert [m["snippet"] for m in found] == ["q1"]


def test_search_in_folder_and_to(mailbox: SandboxMailbox) -> None:
    mailbox.deliver("ann@example.com", "me@x", "Report", "inbox copy")
    mailbox.send(["dana@example.com"], "Report", "sent copy")
    mailbox.create_draft(["dana@example.com"], "Report", "draft copy")
    assert [m["snippet"] for m in mailbox.search("in:sent report")] == ["sent copy"]
    assert [m["snippet"] for m in mailbox.search("in:drafts")] == ["draft copy"]
    assert {m["snippet"] for m in mailbox.search("to:dana@example.com")} == {
        "sent copy",
        "draft copy",
    }


def test_search_by_rfc822msgid(mailbox: SandboxMailbox) -> None:
    mailbox.send(["a@x"], "One", "first", message_id="one@delegate")
    mailbox.send(["a@x"], "Two", "second", message_id="two@delegate")
    assert [m["subject"] for m in mailbox.search("rfc822msgid:two@delegate")] == ["Two"]


def test_search_respects_max_results(mailbox: SandboxMailbox) -> None:
    for n in range(5):
        mailbox.deliver("a@x", "me@x", f"Note {n}", "hello")
    assert len(mailbox.search("hello", max_results=3)) == 3


def test_read_returns_full_body(mailbox: SandboxMailbox) -> None:
    body = "Line one\n\nLine two " + "x" * 300
    delivered = mailbox.deliver("ann@example.com", "me@x", "Long", body)
    message = mailbox.read(delivered["id"])
    assert (message["from"], message["subject"], message["body"]) == (
        "ann@example.com",
        "Long",
        body,
    )


def test_org_never_sees_another_orgs_mail(db: Database, org_id: str, other_org_id: str) -> None:
    mine = SandboxMailbox(db, org_id)
    theirs = SandboxMailbox(db, other_org_id)
    secret = theirs.deliver("boss@other.com", "them@other.com", "Secret plan", "classified")
    theirs.send(["x@other.com"], "Secret sent", "classified", message_id="s1@other")
    assert mine.search("classified") == []
    assert mine.search("in:inbox") == []
    assert mine.find_sent("s1@other") is None
    with pytest.raises(NotFound):
        mine.read(secret["id"])


def test_calendar_lists_events_overlapping_window(calendar: SandboxCalendar) -> None:
    calendar.create_event(
        "earl00001", "Early", START - timedelta(hours=3), START - timedelta(hours=2)
    )
    calendar.create_event(
        "overlap01", "Overlap", START - timedelta(minutes=30), START + timedelta(minutes=30)
    )
    calendar.create_event(
        "inside001", "Inside", START + timedelta(hours=1), START + timedelta(hours=2)
    )
    calendar.create_event(
        "late00001", "Late", START + timedelta(hours=5), START + timedelta(hours=6)
    )
    events = calendar.list_events(START, START + timedelta(hours=4))
    assert [e["summary"] for e in events] == ["Overlap", "Inside"]
    assert events[1]["start"] == (START + timedelta(hours=1)).isoformat()


def test_calendar_create_event_is_idempotent_on_id(calendar: SandboxCalendar) -> None:
    first = calendar.create_event(
        "standup01", "Standup", START, START + timedelta(minutes=15), attendees=["a@x"]
    )
    again = calendar.create_event("standup01", "Renamed", START, START + timedelta(hours=1))
    assert again == first
    assert len(calendar.list_events(START - timedelta(days=1), START + timedelta(days=1))) == 1


def test_calendar_rejects_id_google_would_refuse(calendar: SandboxCalendar) -> None:
    with pytest.raises(InvalidInput):
        calendar.create_event("Not_Valid!", "x", START, START + timedelta(hours=1))


def test_calendar_rejects_event_ending_before_start(calendar: SandboxCalendar) -> None:
    with pytest.raises(InvalidInput):
        calendar.create_event("reverse01", "x", START, START - timedelta(hours=1))


def test_calendar_org_isolation(db: Database, org_id: str, other_org_id: str) -> None:
    SandboxCalendar(db, other_org_id).create_event(
        "private01", "Theirs", START, START + timedelta(hours=1)
    )
    mine = SandboxCalendar(db, org_id)
    assert mine.list_events(START - timedelta(days=1), START + timedelta(days=1)) == []
    # the same id is free in another org
    created = mine.create_event("private01", "Mine", START, START + timedelta(hours=1))
    assert created["summary"] == "Mine"


def test_event_id_for_is_stable_and_valid() -> None:
    event_id = event_id_for("task-42:create_calendar_event")
    assert event_id == event_id_for("task-42:create_calendar_event")
    assert validate_event_id(event_id) == event_id
    assert event_id != event_id_for("task-43:create_calendar_event")


def test_backends_default_to_sandbox(
    db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DELEGATE_EMAIL_BACKEND", raising=False)
    monkeypatch.delenv("DELEGATE_CALENDAR_BACKEND", raising=False)
    assert isinstance(get_mailbox(db, org_id), SandboxMailbox)
    assert isinstance(get_calendar(db, org_id), SandboxCalendar)


def test_unknown_email_backend_names_variable_and_choices(
    db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DELEGATE_EMAIL_BACKEND", "outlook")
    with pytest.raises(ConfigurationError) as info:
        get_mailbox(db, org_id)
    assert "DELEGATE_EMAIL_BACKEND" in str(info.value)
    assert "sandbox, gmail" in str(info.value)


def test_unknown_calendar_backend_names_variable_and_choices(
    db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DELEGATE_CALENDAR_BACKEND", "outlook")
    with pytest.raises(ConfigurationError) as info:
        get_calendar(db, org_id)
    assert "DELEGATE_CALENDAR_BACKEND" in str(info.value)
    assert "sandbox, google" in str(info.value)
