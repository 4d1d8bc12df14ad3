"""The whole chain on real clients: the model through langchain-openai (DELEGATE_MODEL=
openai:gpt-4o-mini at the OpenAI stand-in) and Gmail through google-api-python-client, for a
semi_automated send that a person approves."""

from __future__ import annotations

import base64
import email
import email.policy
import json
from collections.abc import Iterator

import pytest

from graphs.runner import TaskRunner, task_runner
from store.db import Database
from tests.fixtures.agent_runs import GOOGLE_TOKEN, REPLY_EMAIL, REPLY_TITLE, events, load_task
from tests.fixtures.api import SEMI_AUTOMATED
from tests.fixtures.google_standin import GoogleStandIn
from tests.fixtures.openai_standin import STANDIN_API_KEY, OpenAIStandin, ToolCall

pytestmark = pytest.mark.integration

SEND = "/gmail/v1/users/me/messages/send"


@pytest.fixture
def openai_runner(
    db: Database, openai_standin: OpenAIStandin, gmail_env: GoogleStandIn
) -> Iterator[TaskRunner]:
    """A TaskRunner on the configured model (the stand-in) with Gmail at its stand-in."""
    with task_runner(db) as runner:
        yield runner


def _paused_send(runner: TaskRunner, standin: OpenAIStandin) -> str:
    standin.add(
        SEMI_AUTOMATED, ToolCall("send_email", REPLY_EMAIL), "I sent John a thank-you email."
    )
    task_id = runner.create(REPLY_TITLE, execution_type="semi_automated")
    outcome = runner.execute(task_id)
    assert outcome["status"] == "paused"
    return task_id


def test_openai_model_proposes_the_send_and_nothing_goes_out_before_approval(
    openai_runner: TaskRunner,
    openai_standin: OpenAIStandin,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    task_id = _paused_send(openai_runner, openai_standin)

    assert gmail_env.calls("POST", SEND) == []
    payload = openai_runner.pending_approval(task_id)
    assert payload is not None
    [action] = payload["action_requests"]
    assert (action["name"], action["args"]) == ("send_email", {**REPLY_EMAIL, "cc": []})
    # The agent's request offered the email agent's own tools, and only those.
    agent_request = openai_standin.completions[-1]
    assert set(agent_request.tool_names) == {
        "draft_email",
        "send_email",
        "search_email",
        "read_email",
    }
    assert "Task: " + REPLY_TITLE in agent_request.text
    assert load_task(db, org_id, task_id).execution_status == "paused"


def test_approved_send_runs_the_whole_chain_on_real_clients(
    openai_runner: TaskRunner,
    openai_standin: OpenAIStandin,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    task_id = _paused_send(openai_runner, openai_standin)

    outcome = openai_runner.approve(task_id)

    assert outcome["status"] == "completed"
    (request,) = gmail_env.calls("POST", SEND)
    assert request.headers["authorization"] == f"Bearer {GOOGLE_TOKEN}"
    sent = email.message_from_bytes(
        base64.urlsafe_b64decode(request.body["raw"]), policy=email.policy.default
    )
    assert (sent["To"], sent["Subject"]) == ("john@example.com", "Thank you")
    # Classification, the tool call, and the final answer after the tool result.
    completions = openai_standin.completions
    assert len(completions) == 3
    assert {r.authorization for r in completions} == {f"Bearer {STANDIN_API_KEY}"}
    tool_results = [m for m in completions[-1].messages if m.get("role") == "tool"]
    assert len(tool_results) == 1
    assert json.loads(tool_results[0]["content"])["message_id"] == sent["Message-ID"]
    task = load_task(db, org_id, task_id)
    assert task.result is not None
    assert task.result["output"] == "I sent John a thank-you email."
    (action,) = task.result["actions"]
    assert action["tool"] == "send_email"
    assert action["result"]["message_id"] == sent["Message-ID"]
    (approved,) = events(db, org_id, task_id, "resumed")
    assert approved["approval"] == "approve"
