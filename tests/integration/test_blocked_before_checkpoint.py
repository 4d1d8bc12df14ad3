"""A run SIGKILLed after it saved its task `blocked` and before the block step's checkpoint
loses nothing: the task says why it waits, no worker runs it, and a person's retry runs it
afresh."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.scripted import ScriptedChatModel
from app.worker import run_worker
from graphs.runner import TaskRunner
from store.db import Database
from store.enums import ExecutionStatus as S
from tests.fixtures.agent_runs import immediate, load_task
from tests.integration.test_recovery import after_the_lease
from tests.integration.test_takeover import killed_where_it_stops

pytestmark = pytest.mark.integration

REASON = "Paying the invoice needs a person with the company card."

#: A worker whose model says the task needs a person; it dies right after `block` saved it.
CHILD = """
import sys, threading
from pathlib import Path
import graphs.execute_task as execute_task
from agents.classification import Classification
from agents.models import register_model
from agents.scripted import ScriptedChatModel
from app.worker import run_worker
from store.db import Database

url, reason, marker = sys.argv[1:4]
block = execute_task.block

def block_then_stop(state, runtime):
    block(state, runtime)
    Path(marker).write_text("stopped")
    threading.Event().wait()

execute_task.block = block_then_stop
blocked = Classification(strategy="blocked", execution_type="manual", confidence=0.9,
                         reason=reason, route="writer")
register_model("child", ScriptedChatModel(script=[blocked]))
run_worker(Database(url), once=True, owner="worker-that-dies")
"""


@pytest.fixture
def killed_after_blocking(runner: TaskRunner, db: Database, tmp_path: Path) -> Iterator[str]:
    """A task whose worker died between saving it blocked and the checkpoint; its id."""
    task_id = runner.create("Pay the March invoice from Acme")
    marker = tmp_path / "stopped"
    env = {**os.environ, "DELEGATE_DATABASE_URL": db.url, "DELEGATE_MODEL": "child"}
    with killed_where_it_stops(CHILD, [db.url, REASON, str(marker)], env, marker):
        yield task_id


def test_a_task_blocked_before_its_checkpoint_keeps_its_reason_and_no_claim(
    killed_after_blocking: str, db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    task = load_task(db, org_id, killed_after_blocking)

    assert task.status is S.BLOCKED
    assert task.blocked_reason == REASON
    assert task.claim_owner is None
    assert run_worker(db, once=True, clock=after_the_lease) == []
    assert scripted_model.calls == []


def test_a_person_retries_a_task_blocked_before_its_checkpoint(
    killed_after_blocking: str, runner: TaskRunner, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [immediate(), "Paid: the card was approved for this invoice."]

    outcome = runner.retry(killed_after_blocking, "The card is approved for this invoice", by="ann")

    assert outcome["status"] == "completed"
    assert "Paid" in outcome["result"]["output"]
    assert "The card is approved" in scripted_model.calls[0].text
