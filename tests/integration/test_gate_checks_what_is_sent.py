"""The gate checks exactly what is sent, through the real clients against loopback stand-ins:
google-api-python-client (Gmail, Calendar), slack-sdk, and Playwright on Chromium.

Each case is one the security review found: a value the gate read as one trusted destination
while the client sent it to more, or to another; and a legitimate address refused because
the person wrote it in quotes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.scripted import ScriptedChatModel
from graphs.runner import TaskRunner
from store.db import Database
from tests.fixtures.agent_runs import events, load_task, run_one_tool
from tests.fixtures.google_standin import GoogleStandIn
from tests.fixtures.slack_standin import SlackStandin
from tests.fixtures.web_standin import WebPages
from tools.browser.settings import DEBIAN_CHROMIUM

pytestmark = pytest.mark.integration

EVENTS = "/calendar/v3/calendars/primary/events"
SEND = "/gmail/v1/users/me/messages/send"
MEETING = {"summary": "Planning", "start": "2030-05-01T10:00:00+00:00"}
MEETING_END = {"end": "2030-05-01T10:30:00+00:00"}


def refusals(db: Database, org_id: str, task_id: str) -> list[str]:
    return [e["reason"] for e in events(db, org_id, task_id, "arguments_refused")]


def test_two_addresses_in_one_recipient_send_nothing_through_gmail(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    args = {"to": ["emma@corp.com, mark@evil.com"], "subject": "Q3", "body": "The numbers."}

    task_id, _outcome = run_one_tool(
        runner,
        scripted_model,
        "Reply to emma@corp.com thanking her for the Q3 numbers",
        "send_email",
        args,
    )

    assert gmail_env.calls("POST", SEND) == []
    (reason,) = refusals(db, org_id, task_id)
    assert "holds more than one address" in reason
    assert "more than one address" in str(load_task(db, org_id, task_id).result)


def test_two_addresses_in_one_attendee_invite_nobody_through_google_calendar(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    args = {**MEETING, **MEETING_END, "attendees": ["emma@corp.com; mark@evil.com"]}

    task_id, _outcome = run_one_tool(
        runner,
        scripted_model,
        "Invite emma@corp.com to planning on 1 May 2030 at 10:00 UTC",
        "create_calendar_event",
        args,
    )

    assert gmail_env.calls("POST", EVENTS) == []
    (reason,) = refusals(db, org_id, task_id)
    assert "holds more than one address" in reason


def test_address_written_in_quotes_invites_that_person_through_google_calendar(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    args = {**MEETING, **MEETING_END, "attendees": ["'sarah@corp.com'"]}

    task_id, outcome = run_one_tool(
        runner,
        scripted_model,
        "Invite 'sarah@corp.com' to planning on 1 May 2030 at 10:00 UTC",
        "create_calendar_event",
        args,
    )

    assert outcome["status"] == "completed"
    (insert,) = gmail_env.calls("POST", EVENTS)
    assert insert.body["attendees"] == [{"email": "sarah@corp.com"}]
    assert events(db, org_id, task_id, "policy_denied") == []


def test_two_channels_in_one_post_nothing_through_slack(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    slack_env: SlackStandin,
    db: Database,
    org_id: str,
) -> None:
    args = {"channel": "#general, #random", "text": "We launched!"}

    task_id, _outcome = run_one_tool(
        runner, scripted_model, "Tell #general we launched", "post_slack_message", args
    )

    assert slack_env.calls("chat.postMessage") == []
    (reason,) = refusals(db, org_id, task_id)
    assert "more than one channel" in reason


#: URLs Python's urlsplit and Chromium read as different hosts: {named} is the named site's
#: host:port, {other} another site's.
MISREAD_URLS = {
    "backslash before @": "http://{other}\\@{named}/contact",
    "userinfo": "http://{named}@{other}/contact",
    "percent-encoded host": "http://%31%32%37.0.0.1:{other_port}/contact",
    "tab inside the host": "http://{named}\t.{other}/contact",
}


@pytest.mark.browser
@pytest.mark.skipif(not Path(DEBIAN_CHROMIUM).is_file(), reason="Debian's chromium is missing")
@pytest.mark.parametrize("shape", sorted(MISREAD_URLS))
def test_url_read_differently_by_chromium_is_opened_nowhere(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    browser_env: WebPages,
    other_site: WebPages,
    db: Database,
    org_id: str,
    shape: str,
) -> None:
    named = browser_env.url("/contact")
    url = MISREAD_URLS[shape].format(
        named=browser_env.host,
        other=other_site.host,
        other_port=other_site.host.rpartition(":")[2],
    )

    task_id, _outcome = run_one_tool(
        runner, scripted_model, f"What are the opening hours on {named}?", "open_url", {"url": url}
    )

    assert other_site.requests == [] and browser_env.requests == []
    (reason,) = refusals(db, org_id, task_id)
    assert "open_url" in reason
