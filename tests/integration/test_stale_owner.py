"""A run that stalled past its lease and was taken over changes nothing when it wakes up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from langchain_core.messages import BaseMessage
from sqlalchemy import select

from agents.scripted import ScriptedChatModel, tool_call_message
from graphs.runner import EXECUTABLE, TaskRunner
from store import claims
from store.claims import StaleClaim
from store.db import Database
from store.enums import ExecutionStatus as S
from store.models import SandboxEmail, utcnow
from tests.fixtures.agent_runs import events, immediate, load_task

pytestmark = pytest.mark.integration

EMAIL = {"to": ["john@example.com"], "subject": "Thank you", "body": "Hi John,\n\nThank you."}


def taken_over_meanwhile(db: Database, org_id: str, task_id: str, answer: Any) -> Any:
    """A script item: another worker claims the task (its lease long expired by its clock),
    then the stalled run gets `answer` from the model."""

    def reply(messages: list[BaseMessage], tools: list[str]) -> Any:
        with db.transaction() as conn:
            claims.claim_task(
                conn,
                org_id,
                task_id,
                "the-next-worker",
                statuses=EXECUTABLE,
                lease=60,
                now=utcnow() + timedelta(hours=1),
            )
        return answer

    return reply


def test_a_taken_over_run_cannot_complete_its_task(
    runner: TaskRunner, scripted_model: ScriptedChatModel, db: Database, org_id: str
) -> None:
    task_id = runner.create("Translate the welcome note into French")
    scripted_model.script = [
        immediate(),
        taken_over_meanwhile(db, org_id, task_id, "Bienvenue dans l'équipe."),
    ]

    with pytest.raises(StaleClaim):
        runner.execute(task_id)

    task = load_task(db, org_id, task_id)
    assert task.status is S.IN_PROGRESS
    assert task.claim_owner == "the-next-worker"
    assert events(db, org_id, task_id, "completed") == []


def test_a_taken_over_run_sends_nothing(
    runner: TaskRunner, scripted_model: ScriptedChatModel, db: Database, org_id: str
) -> None:
    task_id = runner.create("Reply to john@example.com thanking him for the meeting")
    scripted_model.script = [
        immediate(route="email"),
        taken_over_meanwhile(db, org_id, task_id, tool_call_message("send_email", dict(EMAIL))),
        "I sent it.",
    ]

    with pytest.raises(StaleClaim):
        runner.execute(task_id)

    with db.session() as session:
        outbox = session.scalars(select(SandboxEmail).where(SandboxEmail.org_id == org_id)).all()
    assert [mail for mail in outbox if mail.folder == "sent"] == []
    assert events(db, org_id, task_id, "side_effect_done") == []
