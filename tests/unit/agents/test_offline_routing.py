"""The offline model's routing: the route and delivery it answers from a task's wording."""

from __future__ import annotations

import pytest
from langchain_core.utils.function_calling import convert_to_openai_tool

from agents.classification import Classification
from agents.offline.routing import (
    choose_agent,
    choose_route,
    choose_workflow,
    registered_routes,
    route_fields,
    wants_delivery,
)
from agents.offline.text import TaskText
from agents.routes import ROUTES


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
def test_other_work_goes_to_an_agent(title: str) -> None:
    assert choose_workflow(title) is None


def test_a_title_asking_for_two_workflows_goes_to_an_agent() -> None:
    assert choose_workflow("Write the weekly report and email it to the board") is None


def test_description_does_not_change_the_route() -> None:
    notes = "Revenue 120k. Please email the summary to anna@example.com after the meeting."
    assert choose_workflow("Summarize the vendor meeting", notes) == "meeting_summary"


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
    assert wants_delivery(title, "email_drafting") is send


@pytest.mark.parametrize(
    ("title", "agent"),
    [
        ("Reply to john@example.com thanking him for the meeting", "email"),
        ("Search my inbox for the invoice from ACME", "email"),
        ("Schedule a meeting with john@example.com on Friday", "calendar"),
        ("Find free time next week for a 1:1", "calendar"),
        ("Post the release notes to #eng on Slack", "slack"),
        ("Summarize https://example.org/post", "browser"),
        ("Fill in the signup form on the website", "browser"),
        ("Write a blog post about tea", "writer"),
        ("Outline a talk on testing", "writer"),
    ],
)
def test_agent_by_the_service_the_wording_names(title: str, agent: str) -> None:
    assert choose_agent(title) == agent


def test_description_decides_when_the_title_names_no_service() -> None:
    assert choose_agent("Let the team know", "Post it in #general") == "slack"


def test_a_workflow_title_routes_to_the_workflow_before_any_agent() -> None:
    assert choose_route("Email john@example.com thanking him") == "email_drafting"
    assert choose_route("Post the release notes in #general") == "slack"


@pytest.mark.parametrize(
    ("title", "route", "deliver"),
    [
        ("Post the release notes in #general", "slack", True),
        ("Draft a Slack message for #general about the release", "slack", False),
        ("Reply to Sarah's email about the invoice", "email", True),
        ("Schedule a call with the vendor on Friday", "calendar", True),
        ("Write a blog post about tea", "writer", False),
    ],
)
def test_delivery_follows_what_the_task_asks(title: str, route: str, deliver: bool) -> None:
    assert route_fields(TaskText(title=title)) == {"route": route, "deliver": deliver}


def test_every_offline_route_is_registered() -> None:
    titles = [
        "Email john@example.com thanks",
        "Summarize the vendor meeting",
        "Weekly report",
        "Reply to Sarah",
        "Schedule a call",
        "Post in #general",
        "Open https://example.org",
        "Write a poem",
    ]
    assert {choose_route(t) for t in titles} == set(ROUTES)


def test_a_route_the_schema_does_not_register_falls_back_to_the_writer() -> None:
    task = TaskText(title="Post the release notes in #general")
    assert route_fields(task, ["writer", "email"])["route"] == "writer"


def test_registered_routes_are_read_from_the_classification_schema() -> None:
    tool = convert_to_openai_tool(Classification)
    assert registered_routes(tool) == list(ROUTES)


def test_a_french_slack_task_that_names_the_channel_routes_to_slack() -> None:
    assert choose_route_for("Poste dans #general que la démo est reportée à jeudi") == "slack"


def test_a_german_meeting_request_routes_to_the_calendar() -> None:
    assert choose_route_for("Vereinbare ein Meeting mit anna@firma.de am Dienstag") == "calendar"


def test_a_typo_in_the_leading_verb_still_routes() -> None:
    assert choose_route_for("Shedule a call with sam@vela.io on Friday") == "calendar"


def choose_route_for(title: str) -> str:
    return str(route_fields(TaskText(title=title))["route"])
