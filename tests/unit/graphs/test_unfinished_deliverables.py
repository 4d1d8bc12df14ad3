"""A deliverable that still has gaps for a person to fill ("[missing: ...]") never ends a
task as completed: the task is blocked with the gaps named, and the draft is kept."""

from __future__ import annotations

from typing import Any

import pytest

from agents.scripted import ScriptedChatModel
from agents.workflow_schemas import EmailDraft
from graphs.runner import task_runner
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus
from tests.fixtures.agent_runs import immediate
from tools.email.sandbox import SandboxMailbox

GAPPED = (
    "To: [missing: the recipient's address]\nSubject: Q3 deck\n\nHi Maria,\n\n"
    "[missing: what this email should say]\n\nBest"
)


@pytest.fixture
def offline_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELEGATE_MODEL", "offline")


def _task(db: Database, org_id: str, task_id: str) -> Any:
    with db.session() as session:
        task = repo.get_task(session, org_id, task_id)
        session.expunge(task)
        return task


def test_a_draft_missing_its_recipient_waits_for_a_person(
    db: Database, org_id: str, offline_model: None
) -> None:
    with task_runner(db) as runner:
        task_id = runner.create("Send Maria the Q3 deck", execution_type="semi_automated")
        outcome = runner.execute(task_id)

    task = _task(db, org_id, task_id)
    assert outcome["status"] == ExecutionStatus.BLOCKED.value
    assert outcome["strategy"] == "blocked"
    assert task.status is ExecutionStatus.BLOCKED
    assert task.blocked_reason.startswith(
        "needs a person: the draft is missing the recipient's address"
    )
    assert "[missing: the recipient's address]" in task.result["output"]  # kept to finish
    assert SandboxMailbox(db, org_id).list_sent() == []


def test_the_reason_names_every_gap_a_person_must_fill(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [immediate("semi_automated", "writer", deliver=False), GAPPED]
    with task_runner(db) as runner:
        outcome = runner.execute(runner.create("Send Maria the Q3 deck"))

    assert outcome["reason"].startswith(
        "needs a person: the draft is missing the recipient's address and "
        "what this email should say."
    )
    assert outcome["result"]["output"] == GAPPED


def test_a_whole_draft_still_completes(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    whole = "To: maria@example.com\nSubject: Q3 deck\n\nHi Maria, the deck is attached.\n\nBest"
    scripted_model.script = [immediate("semi_automated", "writer", deliver=False), whole]
    with task_runner(db) as runner:
        task_id = runner.create("Send Maria the Q3 deck")
        outcome = runner.execute(task_id)

    assert outcome["status"] == ExecutionStatus.COMPLETED.value
    assert _task(db, org_id, task_id).result["output"] == whole


def test_a_workflow_draft_with_a_gap_is_blocked_with_the_draft_kept(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    email = EmailDraft(
        to=["maria@example.com"], subject="Q3 deck", body="Hi Maria,\n\n[missing: the deck's link]"
    )
    scripted_model.script = [immediate("semi_automated", "email_drafting", deliver=False), email]
    with task_runner(db) as runner:
        task_id = runner.create("Draft an email to maria@example.com with the Q3 deck")
        outcome = runner.execute(task_id)

    task = _task(db, org_id, task_id)
    assert outcome["status"] == ExecutionStatus.BLOCKED.value
    assert task.blocked_reason.startswith("needs a person: the draft is missing the deck's link")
    assert "[missing: the deck's link]" in task.result["output"]
    assert SandboxMailbox(db, org_id).list_sent() == []
