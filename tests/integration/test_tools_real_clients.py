"""Every Gmail and Calendar tool in a whole task run, through google-api-python-client.

Each test sets the backend variables as a deployment would (DELEGATE_EMAIL_BACKEND=gmail,
DELEGATE_CALENDAR_BACKEND=google, DELEGATE_GOOGLE_TOKEN, DELEGATE_GOOGLE_API_ENDPOINT at the
loopback stand-in), runs a task through TaskRunner with the scripted model calling one tool,
and checks the request the stand-in recorded and what the task's result and log say.
"""

from __future__ import annotations

import base64
import email
import email.policy
from email.message import EmailMessage
from typing import Any

import pytest

from agents.scripted import ScriptedChatModel
from graphs.runner import TaskRunner
from store.db import Database
from tests.fixtures.agent_runs import GOOGLE_TOKEN, events, load_task, run_one_tool, stored_result
from tests.fixtures.google_standin import GoogleStandIn, RecordedRequest

pytestmark = pytest.mark.integration

GMAIL = "/gmail/v1/users/me"
EVENTS = "/calendar/v3/calendars/primary/events"
BEARER = f"Bearer {GOOGLE_TOKEN}"
REPLY_TITLE = "Reply to john@example.com thanking him for the meeting"  # the email agent
EMAIL = {"to": ["john@example.com"], "subject": "Thank you", "body": "Thanks for today, John."}


def decoded(raw: str) -> EmailMessage:
    """An RFC 822 message from Gmail's base64url `raw` field."""
    message = email.message_from_bytes(base64.urlsafe_b64decode(raw), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def assert_google_request(request: RecordedRequest, method: str, path: str) -> None:
    """The request as google-api-python-client sends it: method, path, JSON, bearer token."""
    assert (request.method, request.path) == (method, path)
    assert request.headers["authorization"] == BEARER
    assert request.query["alt"] == ["json"]


def requests_to(standin: GoogleStandIn, method: str, path: str) -> list[RecordedRequest]:
    """The recorded requests of exactly this method and path (not a prefix)."""
    return [r for r in standin.calls(method, path) if r.path == path]


def tool_calls(db: Database, org_id: str, task_id: str) -> list[str]:
    """The tools the execution log says were called, in order."""
    return [e["tool"] for e in events(db, org_id, task_id, "tool_called")]


# --- Gmail ----------------------------------------------------------------------------------


def test_draft_email_creates_a_gmail_draft(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    task_id, outcome = run_one_tool(
        runner, scripted_model, REPLY_TITLE, "draft_email", EMAIL, "Drafted a reply to John."
    )

    assert outcome["status"] == "completed"
    (request,) = gmail_env.calls("POST", f"{GMAIL}/drafts")
    assert_google_request(request, "POST", f"{GMAIL}/drafts")
    draft = decoded(request.body["message"]["raw"])
    assert (draft["To"], draft["Subject"]) == ("john@example.com", "Thank you")
    assert "Thanks for today, John." in draft.get_content()
    assert gmail_env.calls("POST", f"{GMAIL}/messages/send") == []
    (action,) = stored_result(db, org_id, task_id)["actions"]
    assert action["tool"] == "draft_email"
    assert action["result"]["id"] in gmail_env.drafts
    assert action["result"]["message_id"] == draft["Message-ID"]
    (done,) = events(db, org_id, task_id, "side_effect_done")
    assert done["provider_result"]["id"] == action["result"]["id"]


def test_send_email_sends_through_gmail(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    task_id, outcome = run_one_tool(
        runner, scripted_model, REPLY_TITLE, "send_email", EMAIL, "Sent John a thank-you."
    )

    assert outcome["status"] == "completed"
    (request,) = gmail_env.calls("POST", f"{GMAIL}/messages/send")
    assert_google_request(request, "POST", f"{GMAIL}/messages/send")
    sent = decoded(request.body["raw"])
    assert (sent["To"], sent["Subject"]) == ("john@example.com", "Thank you")
    result = stored_result(db, org_id, task_id)
    assert result["output"] == "Sent John a thank-you."
    (action,) = result["actions"]
    assert action["tool"] == "send_email"
    assert action["result"]["message_id"] == sent["Message-ID"]
    assert action["result"]["id"] in gmail_env.messages
    assert tool_calls(db, org_id, task_id) == ["send_email"]


def test_search_email_lists_and_fetches_matching_gmail_messages(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    hit = gmail_env.seed_message(
        "billing@vendor.example", "me@standin.test", "Invoice 2291", "Due Friday."
    )
    gmail_env.seed_message("ann@example.com", "me@standin.test", "Lunch?", "Noon works.")

    task_id, outcome = run_one_tool(
        runner,
        scripted_model,
        "Find the invoice email from billing@vendor.example in my inbox",
        "search_email",
        {"query": "from:billing@vendor.example"},
    )

    assert outcome["status"] == "completed"
    (listing,) = requests_to(gmail_env, "GET", f"{GMAIL}/messages")
    assert_google_request(listing, "GET", f"{GMAIL}/messages")
    assert listing.query["q"] == ["from:billing@vendor.example"]
    assert listing.query["maxResults"] == ["10"]
    (fetch,) = gmail_env.calls("GET", f"{GMAIL}/messages/")
    assert_google_request(fetch, "GET", f"{GMAIL}/messages/{hit}")
    output = stored_result(db, org_id, task_id)["output"]
    assert "Invoice 2291" in output and "Lunch?" not in output
    assert tool_calls(db, org_id, task_id) == ["search_email"]


def test_read_email_fetches_the_full_gmail_message(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    gmail_id = gmail_env.seed_message(
        "ann@example.com", "me@standin.test", "Offsite", "The offsite moves to Thursday."
    )

    task_id, outcome = run_one_tool(
        runner,
        scripted_model,
        "Read the offsite email in my inbox",
        "read_email",
        {"message_id": gmail_id},
    )

    assert outcome["status"] == "completed"
    (request,) = gmail_env.calls("GET", f"{GMAIL}/messages/")
    assert_google_request(request, "GET", f"{GMAIL}/messages/{gmail_id}")
    assert request.query["format"] == ["full"]
    output = stored_result(db, org_id, task_id)["output"]
    assert "The offsite moves to Thursday." in output
    assert '<untrusted_content source="an email">' in output


# --- Calendar -------------------------------------------------------------------------------


def _event(event_id: str, summary: str, start: str, end: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "summary": summary,
        "start": {"dateTime": start},
        "end": {"dateTime": end},
    }


def test_list_events_reads_the_google_calendar_window(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    gmail_env.events["evt00001"] = _event(
        "evt00001", "Design review", "2030-05-01T10:00:00+00:00", "2030-05-01T11:00:00+00:00"
    )
    gmail_env.events["evt00002"] = _event(
        "evt00002", "Next month", "2030-06-01T10:00:00+00:00", "2030-06-01T11:00:00+00:00"
    )

    task_id, outcome = run_one_tool(
        runner,
        scripted_model,
        "What is on my calendar on 1 May 2030?",
        "list_events",
        {"time_min": "2030-05-01T00:00:00+00:00", "time_max": "2030-05-02T00:00:00+00:00"},
    )

    assert outcome["status"] == "completed"
    (request,) = gmail_env.calls("GET", EVENTS)
    assert_google_request(request, "GET", EVENTS)
    assert request.query["timeMin"] == ["2030-05-01T00:00:00+00:00"]
    assert request.query["timeMax"] == ["2030-05-02T00:00:00+00:00"]
    assert request.query["singleEvents"] == ["true"]
    output = stored_result(db, org_id, task_id)["output"]
    assert "Design review" in output and "Next month" not in output
    assert tool_calls(db, org_id, task_id) == ["list_events"]


def test_create_calendar_event_inserts_a_google_event_with_attendees(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    args = {
        "summary": "Design review",
        "start": "2030-05-01T15:00:00+00:00",
        "end": "2030-05-01T15:30:00+00:00",
        "attendees": ["ann@example.com"],
    }

    task_id, outcome = run_one_tool(
        runner,
        scripted_model,
        "Schedule a design review with ann@example.com on 1 May 2030 at 15:00 UTC",
        "create_calendar_event",
        args,
        "Scheduled the design review.",
    )

    assert outcome["status"] == "completed"
    (request,) = gmail_env.calls("POST", EVENTS)
    assert_google_request(request, "POST", EVENTS)
    assert request.body["summary"] == "Design review"
    assert request.body["attendees"] == [{"email": "ann@example.com"}]
    assert request.body["start"] == {"dateTime": "2030-05-01T15:00:00+00:00"}
    assert request.body["end"] == {"dateTime": "2030-05-01T15:30:00+00:00"}
    (action,) = stored_result(db, org_id, task_id)["actions"]
    assert action["tool"] == "create_calendar_event"
    # The event id is derived from the idempotency key: a replay inserts the same event.
    assert request.body["id"] == action["idempotency_key"][:64]
    assert action["result"]["event_id"] == request.body["id"]
    assert set(gmail_env.events) == {request.body["id"]}


def test_find_free_time_returns_the_gaps_between_google_events_in_the_windows_offset(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    # 10:00-11:00 UTC, as an event made in California carries it.
    gmail_env.events["evt00003"] = _event(
        "evt00003", "Standup", "2030-05-01T03:00:00-07:00", "2030-05-01T04:00:00-07:00"
    )

    task_id, outcome = run_one_tool(
        runner,
        scripted_model,
        "Find free time for an hour on my calendar on the morning of 1 May 2030",
        "find_free_time",
        {
            "duration_minutes": 60,
            "time_min": "2030-05-01T09:00:00+00:00",
            "time_max": "2030-05-01T12:00:00+00:00",
        },
    )

    assert outcome["status"] == "completed"
    (request,) = gmail_env.calls("GET", EVENTS)
    assert_google_request(request, "GET", EVENTS)
    assert request.query["maxResults"] == ["250"]
    assert request.query["timeMin"] == ["2030-05-01T09:00:00+00:00"]
    output = stored_result(db, org_id, task_id)["output"]
    assert '"start": "2030-05-01T09:00:00+00:00",\n  "end": "2030-05-01T10:00:00+00:00"' in output
    assert '"start": "2030-05-01T11:00:00+00:00",\n  "end": "2030-05-01T12:00:00+00:00"' in output
    assert "-07:00" not in output  # the slots are in the window's offset
    assert tool_calls(db, org_id, task_id) == ["find_free_time"]


# --- provider failures ----------------------------------------------------------------------


def test_gmail_4xx_fails_the_task_with_the_providers_reason(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    gmail_env.fail_next(
        f"{GMAIL}/messages/send", 400, message="Invalid To header", reason="invalidArgument"
    )

    task_id, outcome = run_one_tool(
        runner, scripted_model, REPLY_TITLE, "send_email", EMAIL, "Sent."
    )

    assert outcome["status"] == "failed"
    assert outcome["success"] is False
    assert len(gmail_env.calls("POST", f"{GMAIL}/messages/send")) == 1  # a 4xx is not retried
    assert gmail_env.sent_messages() == []
    task = load_task(db, org_id, task_id)
    assert task.failure_reason is not None
    assert "Invalid To header" in task.failure_reason and "HTTP 400" in task.failure_reason
    (failed,) = events(db, org_id, task_id, "failed")
    assert "Invalid To header" in failed["error"]
    assert GOOGLE_TOKEN not in str(task.execution_log)


def test_gmail_429_is_retried_and_the_task_completes(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    gmail_env.fail_next(
        f"{GMAIL}/messages/send", 429, message="Too many requests", reason="rateLimitExceeded"
    )

    task_id, outcome = run_one_tool(
        runner, scripted_model, REPLY_TITLE, "send_email", EMAIL, "Sent."
    )

    assert outcome["status"] == "completed"
    assert len(gmail_env.calls("POST", f"{GMAIL}/messages/send")) == 2
    # Before retrying, the backend checked Sent for its Message-ID: nothing went out twice.
    (check,) = requests_to(gmail_env, "GET", f"{GMAIL}/messages")
    assert check.query["q"][0].startswith("in:sent rfc822msgid:")
    (sent,) = gmail_env.sent_messages()
    (action,) = stored_result(db, org_id, task_id)["actions"]
    assert action["result"]["message_id"] == sent["Message-ID"]


def test_calendar_insert_whose_answer_was_lost_is_retried_without_a_second_event(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    gmail_env.fail_next(EVENTS, 503, method="POST", after_processing=True)
    args = {"summary": "Sync", "start": "2030-05-02T09:00:00+00:00", "end": "2030-05-02T09:30:00"}

    task_id, outcome = run_one_tool(
        runner,
        scripted_model,
        "Schedule a sync on 2 May 2030",
        "create_calendar_event",
        args,
        "Ok.",
    )

    assert outcome["status"] == "completed"
    # The retry reuses the client-chosen id: Google answers 409 and the event is fetched.
    assert len(requests_to(gmail_env, "POST", EVENTS)) == 2
    (event_id,) = gmail_env.events
    assert gmail_env.calls("GET", f"{EVENTS}/{event_id}")
    (action,) = stored_result(db, org_id, task_id)["actions"]
    assert action["result"]["event_id"] == event_id
