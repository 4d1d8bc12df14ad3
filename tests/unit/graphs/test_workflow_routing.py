"""Routing: which workflow graph a task's title picks, and who can do an action item."""

from __future__ import annotations

import pytest

from agents.routing import action_execution_type, choose_workflow, email_wants_sending
from store.enums import ExecutionType


@pytest.mark.parametrize(
    "title",
    [
        "Draft email to john@example.com thanking him for the meeting",
        "Email the vendor about the delivery date",
        "Send an email to sarah@acme.com confirming Friday",
        "Please write a follow-up email to the client",
        "Email the weekly report to the board",
    ],
)
def test_email_titles_route_to_email_drafting(title: str) -> None:
    assert choose_workflow(title) == "email_drafting"


@pytest.mark.parametrize(
    "title",
    [
        "Summarize the meeting notes from Monday",
        "Extract action items from the vendor call",
        "Recap of the weekly standup",
        "Meeting notes: vendor sync",
        "Write up the minutes of the board meeting",
    ],
)
def test_meeting_titles_route_to_meeting_summary(title: str) -> None:
    assert choose_workflow(title) == "meeting_summary"


@pytest.mark.parametrize(
    "title",
    [
        "Write the weekly status report",
        "Generate Q3 sales report from these figures",
        "Prepare the monthly financial report",
        "Weekly report",
    ],
)
def test_report_titles_route_to_report_generation(title: str) -> None:
    assert choose_workflow(title) == "report_generation"


@pytest.mark.parametrize(
    "title",
    [
        "Reply to Sarah's email about the invoice",
        "Schedule a call with the vendor",
        "Research three competitors",
        "Report the broken printer to IT",
        "Post the release notes in #general",
        "",
    ],
)
def test_other_work_takes_the_agent_path(title: str) -> None:
    assert choose_workflow(title) is None


def test_a_title_asking_for_two_workflows_takes_the_agent_path() -> None:
    assert choose_workflow("Write the weekly report and email it to the board") is None


def test_description_does_not_change_the_route() -> None:
    notes = "Revenue 120k. Please email the summary to anna@example.com after the meeting."
    assert choose_workflow("Summarize the vendor meeting", notes) == "meeting_summary"


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("Email the vendor about the delivery date", ExecutionType.SEMI_AUTOMATED),
        ("Sam will email the vendor", ExecutionType.SEMI_AUTOMATED),
        ("Schedule a follow-up meeting with design", ExecutionType.SEMI_AUTOMATED),
        ("Post the update in #general", ExecutionType.SEMI_AUTOMATED),
        ("Draft the FAQ for the launch", ExecutionType.FULLY_AUTOMATED),
        ("Summarize customer feedback", ExecutionType.FULLY_AUTOMATED),
        ("Call the landlord about the lease", ExecutionType.MANUAL),
        ("Review the contract", ExecutionType.MANUAL),
        ("Send payment to the vendor", ExecutionType.MANUAL),
        ("Update the roadmap slides", ExecutionType.MANUAL),
    ],
)
def test_action_items_are_typed_by_who_can_do_them(action: str, expected: ExecutionType) -> None:
    assert action_execution_type(action) is expected


@pytest.mark.parametrize(
    ("title", "send"),
    [
        ("Email john@example.com thanking him for the meeting", True),
        ("Send an email to sarah@acme.com confirming Friday", True),
        ("Please email the vendor about the delay", True),
        ("Draft an email to john@example.com thanking him", False),
        ("Write a follow-up email to the client", False),
        ("Draft and send an email to john@example.com", True),
    ],
)
def test_email_tasks_send_only_when_they_ask_to(title: str, send: bool) -> None:
    assert email_wants_sending(title) is send
