"""OfflineChatModel through LangChain's interface: deliverables, structured output, tools."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool, tool
from pydantic import BaseModel

from agents.classification import Classification
from agents.models import get_chat_model
from agents.offline.model import OfflineChatModel
from agents.planner import classify_task, write_deliverable
from agents.prompts import CLASSIFY_SYSTEM, EXECUTE_SYSTEM, task_prompt
from store.enums import Strategy

# Friday 27 November 2026, 09:00 UTC: "next Tuesday" is 1 December, "tomorrow" 28 November.
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
def model() -> OfflineChatModel:
    return OfflineChatModel(now=NOW)


def _ask(model: OfflineChatModel, title: str, details: str = "") -> str:
    reply = model.invoke([SystemMessage(EXECUTE_SYSTEM), HumanMessage(task_prompt(title, details))])
    return str(reply.content)


def _agent_tools() -> list[BaseTool]:
    @tool
    def draft_email(to: list[str], subject: str, body: str, cc: list[str] | None = None) -> str:
        """Save an email draft."""
        return ""

    @tool
    def send_email(to: list[str], subject: str, body: str, cc: list[str] | None = None) -> str:
        """Send an email."""
        return ""

    @tool
    def list_events(time_min: str | None, time_max: str | None, max_results: int = 10) -> str:
        """List calendar events."""
        return ""

    @tool
    def create_calendar_event(
        summary: str, start: str, end: str, attendees: list[str], description: str = "",
        location: str = "",
    ) -> str:  # fmt: skip
        """Create a calendar event."""
        return ""

    @tool
    def post_slack_message(channel: str, text: str, thread_ts: str | None = None) -> str:
        """Post a Slack message."""
        return ""

    @tool
    def open_url(url: str) -> str:
        """Open a web page and return its text."""
        return ""

    return [draft_email, send_email, list_events, create_calendar_event, post_slack_message,
            open_url]  # fmt: skip


def _only_call(reply: BaseMessage) -> dict[str, Any]:
    assert isinstance(reply, AIMessage)
    assert len(reply.tool_calls) == 1, reply
    return dict(reply.tool_calls[0])


def _result(call: dict[str, Any], content: Any, status: str = "success") -> ToolMessage:
    text = content if isinstance(content, str) else json.dumps(content)
    return ToolMessage(text, tool_call_id=call["id"], name=call["name"], status=status)


def test_offline_is_what_the_factory_builds_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DELEGATE_MODEL", raising=False)
    assert isinstance(get_chat_model("offline"), OfflineChatModel)


def test_email_draft_is_addressed_and_greets_by_name(model: OfflineChatModel) -> None:
    text = _ask(model, "Draft email to john@example.com thanking him for the meeting")
    assert text.startswith("To: john@example.com\n")
    assert "Subject: Thank you for the meeting" in text
    assert "Hi John," in text
    assert "Thank you for taking the time for the meeting" in text
    assert "Best regards" in text


def test_email_without_address_uses_a_recipient_placeholder(model: OfflineChatModel) -> None:
    text = _ask(model, "Draft email to customer about product delay")
    assert text.startswith("To: the customer (no address given)")
    assert "is delayed" in text and "[missing: the new date]" in text


def test_outline_is_numbered_and_about_the_subject(model: OfflineChatModel) -> None:
    text = _ask(model, "Create an outline for the onboarding guide")
    lines = text.splitlines()
    assert lines[0] == "Outline: Onboarding guide"
    assert "1. Welcome and how to use this onboarding guide" in lines
    assert any(line.startswith("   2.1 ") for line in lines)
    assert sum(1 for line in lines if line[:1].isdigit()) >= 5


def test_summary_takes_points_and_blockers_from_the_notes(model: OfflineChatModel) -> None:
    notes = "Notes: Alice finished the login page. Bob is blocked on the API keys. Release moved to Friday."  # noqa: E501
    text = _ask(model, "Summarize the notes from today's standup", notes)
    assert "- Alice finished the login page." in text
    blockers = text.split("Blockers and risks", 1)[1]
    assert "Bob is blocked on the API keys." in blockers


def test_action_items_name_owner_action_and_due_date(model: OfflineChatModel) -> None:
    text = _ask(
        model,
        "Extract action items from the meeting notes",
        "We agreed that Priya will update the pricing page and Tom will email the vendor "
        "by Monday.",
    )
    assert "- Priya - update the pricing page (no due date)" in text
    assert "- Tom - email the vendor (due Monday)" in text


def test_figures_become_a_short_report(model: OfflineChatModel) -> None:
    text = _ask(
        model,
        "Prepare a summary of last week's sales numbers for the team",
        "Revenue 120k, up 8%. 14 new customers. Churn 2.",
    )
    assert "- Revenue: 120k (up 8%)" in text
    assert "- New customers: 14" in text
    assert "To watch: Churn 2" in text


def test_translation_uses_the_glossary(model: OfflineChatModel) -> None:
    text = _ask(
        model,
        "Translate the welcome message into Spanish",
        "Welcome to the team! We are glad you are here.",
    )
    assert "¡Bienvenido al equipo! Nos alegra que estés aquí." in text


def test_translation_says_what_it_could_not_translate(model: OfflineChatModel) -> None:
    text = _ask(model, "Translate the note into German", "The invoice is attached.")
    assert "[missing: German for 'invoice']" in text
    assert "Not translated offline" in text and "invoice" in text
    assert "set DELEGATE_MODEL to a real model" in text


def test_unknown_request_with_details_is_answered_from_the_details(
    model: OfflineChatModel,
) -> None:
    text = _ask(model, "Zorble the quarterly quux", "The quux lives in the shared drive.")
    assert text == "Zorble the quarterly quux\n\n- The quux lives in the shared drive."


def test_unknown_request_without_details_says_what_is_missing(model: OfflineChatModel) -> None:
    text = _ask(model, "Zorble the quarterly quux")
    assert text.startswith("Zorble the quarterly quux")
    assert "[missing: the result itself" in text


def test_same_input_gives_the_same_output(model: OfflineChatModel) -> None:
    messages = [HumanMessage(task_prompt("Plan Q4 marketing campaign"))]
    first = model.with_structured_output(Classification).invoke(messages)
    second = OfflineChatModel(now=NOW).with_structured_output(Classification).invoke(messages)
    assert first == second
    tools = _agent_tools()
    task = [HumanMessage(task_prompt("Send the Q3 report to ann@example.com"))]
    assert model.bind_tools(tools).invoke(task).tool_calls == (
        OfflineChatModel(now=NOW).bind_tools(tools).invoke(task).tool_calls
    )


@pytest.mark.parametrize("method", [None, "function_calling"])
def test_structured_classification_via_function_calling(
    model: OfflineChatModel, method: str | None
) -> None:
    structured = (
        model.with_structured_output(Classification, method=method)
        if method
        else model.with_structured_output(Classification)
    )
    answer = structured.invoke(
        [SystemMessage(CLASSIFY_SYSTEM), HumanMessage(task_prompt("Order new office chairs"))]
    )
    assert isinstance(answer, Classification)
    assert answer.strategy is Strategy.BLOCKED
    assert "unblock" in answer.reason


def test_planner_classify_task_accepts_the_offline_decomposition(model: OfflineChatModel) -> None:
    decision = classify_task(model, "Organize the company offsite in March")
    assert decision.strategy is Strategy.DECOMPOSE
    assert len({s.title for s in decision.subtasks}) == len(decision.subtasks) >= 3


def test_planner_write_deliverable_returns_the_text(model: OfflineChatModel) -> None:
    text = write_deliverable(model, "Write a short announcement for the new office hours")
    assert text.startswith("Announcement: New office hours")


def test_unknown_schema_is_filled_from_the_task(model: OfflineChatModel) -> None:
    class Deliverable(BaseModel):
        title: str
        body: str
        recipients: list[str]
        confidence: float

    answer = model.with_structured_output(Deliverable).invoke(
        [HumanMessage(task_prompt("Draft email to john@example.com thanking him for the meeting"))]
    )
    assert isinstance(answer, Deliverable)
    assert answer.recipients == ["john@example.com"]
    assert "Hi John," in answer.body
    assert 0 < answer.confidence <= 1


def test_unfillable_required_field_fails_with_a_clear_error(model: OfflineChatModel) -> None:
    class Odd(BaseModel):
        blob: Any

    with pytest.raises(ValueError, match="cannot fill required field 'blob'"):
        model.with_structured_output(Odd).invoke([HumanMessage(task_prompt("Do the thing"))])


def test_stream_yields_the_same_text_as_invoke(model: OfflineChatModel) -> None:
    messages = [HumanMessage(task_prompt("Create an outline for the onboarding guide"))]
    streamed = "".join(str(chunk.content) for chunk in model.stream(messages))
    assert streamed == model.invoke(messages).content


def test_draft_task_calls_draft_email_with_arguments_from_the_task(
    model: OfflineChatModel,
) -> None:
    bound = model.bind_tools(_agent_tools())
    call = _only_call(
        bound.invoke(
            [
                HumanMessage(
                    task_prompt("Draft email to john@example.com thanking him for the meeting")
                )
            ]
        )
    )
    assert call["name"] == "draft_email"
    assert call["args"]["to"] == ["john@example.com"]
    assert call["args"]["subject"] == "Thank you for the meeting"
    assert call["args"]["body"].startswith("Hi John,")
    assert call["args"]["cc"] == []


def test_send_task_calls_send_email(model: OfflineChatModel) -> None:
    bound = model.bind_tools(_agent_tools())
    call = _only_call(
        bound.invoke([HumanMessage(task_prompt("Send the Q3 report to ann@example.com"))])
    )
    assert call["name"] == "send_email"
    assert call["args"]["to"] == ["ann@example.com"]


def test_slack_task_posts_in_the_named_channel(model: OfflineChatModel) -> None:
    bound = model.bind_tools(_agent_tools())
    call = _only_call(
        bound.invoke(
            [
                HumanMessage(
                    task_prompt(
                        "Post the release notes in #general on Slack",
                        "v2.3: faster sync, dark mode, bug fixes",
                    )
                )
            ]
        )
    )
    assert call["name"] == "post_slack_message"
    assert call["args"]["channel"] == "#general"
    assert "Dark mode" in call["args"]["text"] and "v2.3" in call["args"]["text"]


def test_schedule_task_resolves_next_tuesday_and_duration(model: OfflineChatModel) -> None:
    bound = model.bind_tools(_agent_tools())
    call = _only_call(
        bound.invoke(
            [
                HumanMessage(
                    task_prompt("Schedule a 30 minute sync with maria@example.com next Tuesday")
                )
            ]
        )
    )
    assert call["name"] == "create_calendar_event"
    assert call["args"]["start"] == "2026-12-01T10:00:00+00:00"
    assert call["args"]["end"] == "2026-12-01T10:30:00+00:00"
    assert call["args"]["attendees"] == ["maria@example.com"]


def test_url_task_opens_the_page_then_quotes_the_relevant_text(model: OfflineChatModel) -> None:
    bound = model.bind_tools(_agent_tools())
    messages: list[BaseMessage] = [
        HumanMessage(
            task_prompt("Look up the opening hours on https://example.com/contact and tell me")
        )
    ]
    reply = bound.invoke(messages)
    call = _only_call(reply)
    assert call == {**call, "name": "open_url", "args": {"url": "https://example.com/contact"}}
    page = {
        "url": "https://example.com/contact",
        "title": "Contact",
        "text": "Contact us\nEmail: hi@example.com\n"
        "Opening hours: Mon-Fri 9:00-17:00.\nParking nearby.",
    }
    final = bound.invoke([*messages, reply, _result(call, page)])
    assert isinstance(final, AIMessage) and not final.tool_calls
    assert "Opening hours: Mon-Fri 9:00-17:00." in str(final.content)
    assert "Parking" not in str(final.content)


def test_agenda_task_lists_events_then_emails_the_attendees(model: OfflineChatModel) -> None:
    bound = model.bind_tools(_agent_tools())
    messages: list[BaseMessage] = [
        HumanMessage(task_prompt("Send the agenda to the attendees of tomorrow's planning meeting"))
    ]
    first = bound.invoke(messages)
    listing = _only_call(first)
    assert listing["name"] == "list_events"
    assert listing["args"]["time_min"] == "2026-11-28T00:00:00+00:00"
    assert listing["args"]["time_max"] == "2026-11-29T00:00:00+00:00"
    events = [
        {"id": "e1", "summary": "Lunch", "attendees": ["chef@example.com"]},
        {"id": "e2", "summary": "Planning meeting", "start": "2026-11-28T10:00:00+00:00",
         "attendees": ["ann@example.com", "bo@example.com"]},
    ]  # fmt: skip
    messages += [first, _result(listing, events)]
    second = bound.invoke(messages)
    sending = _only_call(second)
    assert sending["name"] == "send_email"
    assert sending["args"]["to"] == ["ann@example.com", "bo@example.com"]
    assert sending["args"]["subject"] == "Agenda: Planning meeting"
    messages += [second, _result(sending, {"id": "m-42", "message_id": "<m42@delegate>"})]
    final = bound.invoke(messages)
    assert not final.tool_calls
    assert "Sent the email to ann@example.com, bo@example.com (message id: m-42)" in str(
        final.content
    )


def test_final_answer_after_draft_quotes_the_draft_id(model: OfflineChatModel) -> None:
    bound = model.bind_tools(_agent_tools())
    messages: list[BaseMessage] = [
        HumanMessage(task_prompt("Draft email to john@example.com thanking him for the meeting"))
    ]
    reply = bound.invoke(messages)
    final = bound.invoke(
        [*messages, reply, _result(_only_call(reply), {"id": "r-7", "message_id": "<x>"})]
    )
    assert not final.tool_calls
    assert "Drafted the email to john@example.com (draft id: r-7)." in str(final.content)


def test_denied_tool_call_ends_with_an_explanation(model: OfflineChatModel) -> None:
    bound = model.bind_tools(_agent_tools())
    messages: list[BaseMessage] = [
        HumanMessage(task_prompt("Send the Q3 report to ann@example.com"))
    ]
    reply = bound.invoke(messages)
    denial = _result(_only_call(reply), "PolicyDenied: ann@example.com is not on the allowlist",
                     status="error")  # fmt: skip
    final = bound.invoke([*messages, reply, denial])
    assert not final.tool_calls
    assert "could not finish" in str(final.content)
    assert "not on the allowlist" in str(final.content)


def test_never_more_than_four_tool_calls(model: OfflineChatModel) -> None:
    bound = model.bind_tools(_agent_tools())
    messages: list[BaseMessage] = [
        HumanMessage(task_prompt("Send the agenda to the attendees of tomorrow's planning meeting"))
    ]
    events = [{"summary": "Planning meeting", "attendees": ["ann@example.com"]}]
    for _ in range(4):
        messages += [
            AIMessage(
                content="",
                tool_calls=[
                    {
                        "name": "list_events",
                        "args": {},
                        "id": f"c{len(messages)}",
                        "type": "tool_call",
                    }
                ],
            )
        ]
        messages.append(ToolMessage(json.dumps(events), tool_call_id=f"c{len(messages) - 1}"))
    assert not bound.invoke(messages).tool_calls


def test_only_bound_tools_are_called(model: OfflineChatModel) -> None:
    tools = [t for t in _agent_tools() if t.name == "draft_email"]
    call = _only_call(
        model.bind_tools(tools).invoke(
            [HumanMessage(task_prompt("Send the Q3 report to ann@example.com"))]
        )
    )
    assert call["name"] == "draft_email"


def test_writing_task_with_tools_bound_answers_directly(model: OfflineChatModel) -> None:
    reply = model.bind_tools(_agent_tools()).invoke(
        [HumanMessage(task_prompt("Create an outline for the onboarding guide"))]
    )
    assert not reply.tool_calls
    assert str(reply.content).startswith("Outline: Onboarding guide")


def test_workflow_email_schema_gets_recipients_subject_and_plain_body(
    model: OfflineChatModel,
) -> None:
    from agents.workflow_writers import write_email

    draft = write_email(model, "Draft email to john@example.com thanking him for the meeting")
    assert draft.to == ["john@example.com"]
    assert draft.subject == "Thank you for the meeting"
    assert draft.body.startswith("Hi John,") and "Subject:" not in draft.body


def test_workflow_meeting_summary_has_typed_action_items(model: OfflineChatModel) -> None:
    from agents.workflow_writers import summarize_meeting

    summary = summarize_meeting(
        model,
        "Summarize the meeting",
        "Priya will update the pricing page. Tom will email the vendor by Monday. "
        "We decided to ship the beta on the 14th.",
    )
    assert [(i.owner, i.action, i.due) for i in summary.action_items] == [
        ("Priya", "Update the pricing page", None),
        ("Tom", "Email the vendor", "Monday"),
    ]
    assert summary.decisions == ["We decided to ship the beta on the 14th."]


def test_workflow_report_lists_the_given_figures(model: OfflineChatModel) -> None:
    from agents.workflow_schemas import Report

    report = model.with_structured_output(Report).invoke(
        [HumanMessage(task_prompt("Weekly sales report", "Revenue 120k, up 8%. Churn 2."))]
    )
    assert isinstance(report, Report)
    assert [(f.metric, f.value, f.change) for f in report.figures] == [
        ("Revenue", "120k", "up 8%"),
        ("Churn", "2", ""),
    ]
    assert {s.heading for s in report.sections} >= {"Highlights", "To watch"}
