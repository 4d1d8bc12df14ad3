"""Every answer shape an approval accepts, through the graph: langchain's HITL decisions
(approve, edit, reject, respond) and Agent Inbox's (accept, edit, response, ignore, resolved)."""

from __future__ import annotations

from typing import Any

import pytest

from agents.scripted import ScriptedChatModel, tool_call_message
from graphs.runner import TaskRunner
from store.db import Database
from tests.fixtures.agent_runs import (
    REPLY_EMAIL,
    events,
    load_task,
    paused_reply,
)
from tests.fixtures.google_standin import GoogleStandIn

SEND = "/gmail/v1/users/me/messages/send"
REVISED = {**REPLY_EMAIL, "body": "Hi John,\n\nThank you for Tuesday's meeting.\n\nDelegate"}


@pytest.mark.parametrize(
    "answer",
    [
        {"type": "approve"},
        {"decisions": [{"type": "approve"}]},
        [{"type": "accept", "args": None}],
    ],
    ids=["hitl-decision", "hitl-response", "agent-inbox-accept"],
)
def test_approve_in_every_shape_sends_the_email_once(
    runner: TaskRunner, scripted_model: ScriptedChatModel, gmail_env: GoogleStandIn, answer: Any
) -> None:
    task_id = paused_reply(runner, scripted_model)

    outcome = runner.answer(task_id, answer)

    assert outcome["status"] == "completed"
    (sent,) = gmail_env.sent_messages()
    assert sent["To"] == "john@example.com"


def test_hitl_edit_sends_the_edited_action(
    runner: TaskRunner, scripted_model: ScriptedChatModel, gmail_env: GoogleStandIn
) -> None:
    task_id = paused_reply(runner, scripted_model)
    edited = {"type": "edit", "edited_action": {"name": "send_email", "args": REVISED}}

    runner.answer(task_id, {"decisions": [edited]})

    (sent,) = gmail_env.sent_messages()
    assert "Tuesday's meeting" in sent.get_payload()


def test_agent_inbox_edit_with_recipients_as_text_sends_to_each(
    runner: TaskRunner, scripted_model: ScriptedChatModel, gmail_env: GoogleStandIn
) -> None:
    task_id = paused_reply(runner, scripted_model)
    args = {**REPLY_EMAIL, "to": "john@example.com, Ann <ann@example.com>"}

    runner.answer(task_id, [{"type": "edit", "args": {"action": "send_email", "args": args}}])

    (sent,) = gmail_env.sent_messages()
    assert sent["To"] == "john@example.com, ann@example.com"


def test_reject_message_blocks_the_task_and_sends_nothing(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    task_id = paused_reply(runner, scripted_model)

    outcome = runner.answer(task_id, {"type": "reject", "message": "I called him"})

    assert outcome["status"] == "blocked"
    assert "I called him" in outcome["reason"]
    assert gmail_env.calls("POST", SEND) == []


@pytest.mark.parametrize(
    "answer",
    [
        {"type": "respond", "message": "mention Tuesday"},
        [{"type": "response", "args": "mention Tuesday"}],
    ],
    ids=["hitl-respond", "agent-inbox-response"],
)
def test_respond_has_the_agent_revise_and_ask_again(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
    answer: Any,
) -> None:
    task_id = paused_reply(
        runner, scripted_model, tool_call_message("send_email", dict(REVISED)), "Sent."
    )

    outcome = runner.answer(task_id, answer)

    assert outcome["status"] == "paused"
    assert outcome["approval"]["action_requests"][0]["args"]["body"] == REVISED["body"]
    assert "mention Tuesday" in scripted_model.calls[-1].text
    assert gmail_env.calls("POST", SEND) == []
    assert load_task(db, org_id, task_id).execution_status == "paused"
    assert len(events(db, org_id, task_id, "approval_requested")) == 2


def test_a_revised_action_is_sent_once_approved(
    runner: TaskRunner, scripted_model: ScriptedChatModel, gmail_env: GoogleStandIn
) -> None:
    task_id = paused_reply(
        runner, scripted_model, tool_call_message("send_email", dict(REVISED)), "Sent."
    )
    runner.answer(task_id, {"type": "respond", "message": "mention Tuesday"})

    outcome = runner.answer(task_id, {"type": "approve"})

    assert outcome["status"] == "completed"
    (sent,) = gmail_env.sent_messages()
    assert "Tuesday's meeting" in sent.get_payload()


def test_ignore_skips_the_action_and_the_run_goes_on(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    task_id = paused_reply(runner, scripted_model, "I did not send the email: it was skipped.")

    outcome = runner.answer(task_id, [{"type": "ignore", "args": None}])

    assert outcome["status"] == "completed"
    assert gmail_env.calls("POST", SEND) == []
    assert "skipped" in scripted_model.calls[-1].text
    assert len(events(db, org_id, task_id, "action_skipped")) == 1
    task = load_task(db, org_id, task_id)
    assert task.result is not None
    assert task.result["actions"] == []


def test_resolved_completes_the_task_with_the_persons_note(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    task_id = paused_reply(runner, scripted_model)

    outcome = runner.answer(task_id, [{"type": "resolved", "args": "Thanked him in person"}])

    assert outcome["status"] == "completed"
    assert gmail_env.calls("POST", SEND) == []
    task = load_task(db, org_id, task_id)
    assert task.execution_status == "completed"
    assert task.result is not None
    assert task.result["output"] == "Thanked him in person"
    assert task.result["finished_by"] == "person"
