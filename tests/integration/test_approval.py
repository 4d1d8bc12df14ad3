"""Human approval of side effects: semi_automated runs pause, and run exactly what a person
approved (through Gmail's real client against the stand-in)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from langchain.agents.middleware.human_in_the_loop import HITLRequest
from pydantic import TypeAdapter

from agents.scripted import ScriptedChatModel
from graphs.runner import TaskRunner
from store.db import Database
from store.errors import Conflict, InvalidInput
from tests.fixtures.agent_runs import (
    REPLY_EMAIL,
    REPLY_TITLE,
    events,
    load_task,
    paused_reply,
    run_one_tool,
)
from tests.fixtures.google_standin import GoogleStandIn

SEND = "/gmail/v1/users/me/messages/send"
ROOT = Path(__file__).resolve().parents[2]


def test_semi_automated_email_waits_for_approval(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    task_id = paused_reply(runner, scripted_model)

    assert gmail_env.calls("POST", SEND) == []
    assert load_task(db, org_id, task_id).execution_status == "paused"
    assert len(events(db, org_id, task_id, "approval_requested")) == 1


def test_approval_payload_is_a_langchain_hitl_request(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
) -> None:
    task_id = paused_reply(runner, scripted_model)

    payload = runner.pending_approval(task_id)

    assert payload is not None
    TypeAdapter(HITLRequest).validate_python(payload)
    [action] = payload["action_requests"]
    assert (action["name"], action["args"]) == ("send_email", {**REPLY_EMAIL, "cc": []})
    assert "send_email" in action["description"]
    assert payload["review_configs"][0]["allowed_decisions"] == [
        "approve",
        "edit",
        "reject",
        "respond",
    ]
    assert payload["task_id"] == task_id
    assert len(payload["idempotency_key"]) == 64


def test_approved_email_is_sent_exactly_once(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    task_id = paused_reply(runner, scripted_model)

    outcome = runner.approve(task_id)

    assert outcome["status"] == "completed"
    assert len(gmail_env.calls("POST", SEND)) == 1
    (sent,) = gmail_env.sent_messages()
    assert sent["To"] == "john@example.com"
    assert sent["Subject"] == "Thank you"
    task = load_task(db, org_id, task_id)
    assert task.result is not None
    assert task.result["agent"] == "email"
    assert task.result["output"] == "I sent John a thank-you email."
    (action,) = task.result["actions"]
    assert action["tool"] == "send_email"
    assert action["result"]["message_id"] == sent["Message-ID"]


def test_edited_email_is_what_gets_sent(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
) -> None:
    task_id = paused_reply(runner, scripted_model)

    runner.approve(task_id, {"body": "Thanks a lot, John! See you Friday."})

    (sent,) = gmail_env.sent_messages()
    assert "Thanks a lot, John! See you Friday." in sent.as_string()
    assert sent["Subject"] == "Thank you"


def test_edit_may_name_a_recipient_the_person_chose(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
) -> None:
    task_id = paused_reply(runner, scripted_model)

    runner.approve(task_id, {"to": ["john.smith@partner.example"]})

    (sent,) = gmail_env.sent_messages()
    assert sent["To"] == "john.smith@partner.example"


def test_rejection_sends_nothing_and_blocks_with_the_reason(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    task_id = paused_reply(runner, scripted_model)

    outcome = runner.reject(task_id, "John already got a call from me")

    assert outcome["status"] == "blocked"
    assert gmail_env.calls("POST", SEND) == []
    task = load_task(db, org_id, task_id)
    assert task.execution_status == "blocked"
    assert task.blocked_reason is not None
    assert "John already got a call from me" in task.blocked_reason


def test_resume_moves_the_task_back_to_in_progress_once(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    task_id = paused_reply(runner, scripted_model)

    runner.approve(task_id)

    moves = [e["event"] for e in events(db, org_id, task_id) if "to_status" in e]
    assert moves == ["started", "paused", "resumed", "completed"]
    assert len(events(db, org_id, task_id, "approval_requested")) == 1
    assert len(events(db, org_id, task_id, "tool_called")) == 1


def test_bad_edit_is_refused_before_anything_runs(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
) -> None:
    task_id = paused_reply(runner, scripted_model)

    with pytest.raises(InvalidInput, match="to"):
        runner.approve(task_id, {"to": "not-a-list"})

    assert gmail_env.calls("POST", SEND) == []
    assert runner.pending_approval(task_id) is not None


def test_reject_needs_a_reason(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
) -> None:
    task_id = paused_reply(runner, scripted_model)

    with pytest.raises(InvalidInput, match="reason"):
        runner.reject(task_id, "  ")


def test_approving_a_task_that_waits_for_nothing_is_a_conflict(
    runner: TaskRunner, scripted_model: ScriptedChatModel
) -> None:
    task_id = runner.create("Outline a talk")

    with pytest.raises(Conflict, match="not waiting for approval"):
        runner.approve(task_id)


def test_approval_in_a_second_process_resumes_the_run(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    task_id = paused_reply(runner, scripted_model)
    code = (
        "import json, os, sys\n"
        "from agents.models import register_model\n"
        "from agents.scripted import ScriptedChatModel\n"
        "register_model('scripted', ScriptedChatModel(script=['Sent from process two.']))\n"
        "from graphs.runner import task_runner\n"
        "from store.db import Database\n"
        "db = Database(os.environ['DELEGATE_DATABASE_URL'])\n"
        "with task_runner(db, model='scripted') as runner:\n"
        "    print(json.dumps(runner.approve(sys.argv[1]), default=str))\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", code, task_id],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["status"] == "completed"
    assert len(gmail_env.calls("POST", SEND)) == 1
    task = load_task(db, org_id, task_id)
    assert task.execution_status == "completed"
    assert task.result is not None and task.result["output"] == "Sent from process two."


def test_draft_needs_no_approval_in_semi_automated_mode(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
) -> None:
    _task_id, outcome = run_one_tool(
        runner,
        scripted_model,
        REPLY_TITLE,
        "draft_email",
        dict(REPLY_EMAIL),
        "Drafted.",
        execution_type="semi_automated",
    )

    assert outcome["status"] == "completed"
    assert len(gmail_env.calls("POST", "/gmail/v1/users/me/drafts")) == 1
    assert gmail_env.calls("POST", SEND) == []
