"""email_drafting on real clients: the model through langchain-openai at the OpenAI stand-in
(structured output as a function call) and Gmail through google-api-python-client."""

from __future__ import annotations

import base64
import email
import email.policy
from collections.abc import Iterator

import pytest

from agents.classification import Classification
from agents.workflow_schemas import EmailDraft
from graphs.runner import TaskRunner, task_runner
from store.db import Database
from store.enums import ExecutionType, Strategy
from tests.fixtures.agent_runs import load_task
from tests.fixtures.google_standin import GoogleStandIn
from tests.fixtures.openai_standin import OpenAIStandin

pytestmark = pytest.mark.integration

SEND = "/gmail/v1/users/me/messages/send"
DRAFTS = "/gmail/v1/users/me/drafts"
TITLE = "Email john@example.com thanking him for the meeting"
EMAIL = EmailDraft(
    to=["john@example.com"],
    subject="Thank you",
    body="Hi John,\n\nThank you for the meeting today.\n\nDelegate",
)
SEMI_AUTOMATED = Classification(
    strategy=Strategy.IMMEDIATE,
    execution_type=ExecutionType.SEMI_AUTOMATED,
    confidence=0.9,
    reason="An email to a named person; a person approves the send.",
    route="email_drafting",
    deliver=True,
)


@pytest.fixture
def runner(
    db: Database, openai_standin: OpenAIStandin, gmail_env: GoogleStandIn
) -> Iterator[TaskRunner]:
    with task_runner(db) as task_runner_:
        yield task_runner_


def _sent(standin: GoogleStandIn) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(
            base64.urlsafe_b64decode(request.body["raw"]), policy=email.policy.default
        )
        for request in standin.calls("POST", SEND)
    ]


def _paused(runner: TaskRunner, openai_standin: OpenAIStandin) -> str:
    openai_standin.add(SEMI_AUTOMATED, EMAIL)
    task_id = runner.create(TITLE, execution_type="semi_automated")
    assert runner.execute(task_id)["status"] == "paused"
    return task_id


def test_the_draft_reaches_gmail_and_nothing_is_sent_before_approval(
    runner: TaskRunner, openai_standin: OpenAIStandin, gmail_env: GoogleStandIn
) -> None:
    _paused(runner, openai_standin)

    assert len(gmail_env.calls("POST", DRAFTS)) == 1
    assert gmail_env.calls("POST", SEND) == []
    draft_request = openai_standin.completions[-1]
    assert draft_request.tool_names == ["EmailDraft"]
    assert f"Task: {TITLE}" in draft_request.text


def test_the_approved_edit_is_sent_through_gmail_exactly_once(
    runner: TaskRunner,
    openai_standin: OpenAIStandin,
    gmail_env: GoogleStandIn,
    db: Database,
    org_id: str,
) -> None:
    task_id = _paused(runner, openai_standin)

    outcome = runner.approve(task_id, {"subject": "Thanks, John"})

    assert outcome["status"] == "completed"
    (sent,) = _sent(gmail_env)
    assert (sent["To"], sent["Subject"]) == ("john@example.com", "Thanks, John")
    assert sent.get_content().strip() == EMAIL.body.strip()
    task = load_task(db, org_id, task_id)
    assert task.result is not None
    assert task.result["email_drafting"]["sent"]["message_id"] == sent["Message-ID"]
    assert len(openai_standin.completions) == 2  # classify and draft; nothing asked again


def test_a_rejection_sends_nothing_through_gmail(
    runner: TaskRunner, openai_standin: OpenAIStandin, gmail_env: GoogleStandIn
) -> None:
    task_id = _paused(runner, openai_standin)

    outcome = runner.reject(task_id, "I will call him instead")

    assert outcome["status"] == "blocked"
    assert gmail_env.calls("POST", SEND) == []
