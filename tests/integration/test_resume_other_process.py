"""A run that dies in one process continues in another from the last checkpoint."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage

from agents.classification import Classification
from agents.models import register_model, unregister_model
from agents.scripted import ScriptedChatModel
from graphs.runner import TaskRunner, task_runner
from store import tasks as repo
from store.claims import AlreadyClaimed, lease_seconds
from store.db import Database
from store.enums import ExecutionStatus as S
from store.models import utcnow

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
CRASH_EXIT_CODE = 17
CRASH_MODEL = "crash-after-classify"

#: The child process: classify normally, then die (no cleanup, no exception handling) the
#: moment the execute node asks the model for the deliverable.
CHILD = f"""
import os, sys
from agents.classification import Classification
from agents.models import register_model
from agents.scripted import ScriptedChatModel
from graphs.runner import task_runner
from store.claims import AlreadyClaimed, lease_seconds
from store.db import Database
from store.models import utcnow

def answer(messages, tools):
    if tools:
        return Classification(strategy="immediate", execution_type="fully_automated",
                              confidence=0.8, reason="a translation the AI can write",
                              route="writer")
    os._exit({CRASH_EXIT_CODE})

register_model("{CRASH_MODEL}", ScriptedChatModel(default=answer))
with task_runner(Database(sys.argv[1]), model="{CRASH_MODEL}") as runner:
    runner.execute(sys.argv[2])
sys.exit(0)
"""


def run_until_crash(database_url: str, task_id: str) -> None:
    """Execute the task in a child process that dies inside the execute node."""
    env = {**os.environ, "DELEGATE_DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, database_url, task_id],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == CRASH_EXIT_CODE, done.stderr


def finishing_model(messages: list[BaseMessage], tools: list[str]) -> Any:
    """The resuming process's model: a deliverable, and a classification if ever asked."""
    if tools:
        return Classification(
            strategy="immediate",
            execution_type="fully_automated",
            confidence=0.8,
            reason="a translation the AI can write",
            route="writer",
        )
    return "Bienvenue dans l'équipe, nous sommes ravis que vous soyez là."


@pytest.fixture
def resumer_model() -> Iterator[ScriptedChatModel]:
    model = ScriptedChatModel(default=finishing_model)
    register_model("resumer", model)
    yield model
    unregister_model("resumer")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Database:
    """The default SQLite file store, then PostgreSQL."""
    fixture = "pg_db" if request.param == "postgres" else "db"
    database: Database = request.getfixturevalue(fixture)
    return database


#: A task the plain writer path handles (no workflow graph, no tools): classify, then write.
TITLE = "Translate the welcome note into French"


def _new_task(runner: TaskRunner) -> str:
    return runner.create(TITLE, description="Welcome to the team, we are glad you are here.")


def after_the_lease() -> datetime:
    """The clock of a process that looks once the dead run's lease has expired."""
    return utcnow() + timedelta(seconds=lease_seconds() + 1)


def test_crashed_run_leaves_a_checkpoint_before_execute(store: Database) -> None:
    with task_runner(store, model="resumer") as runner:
        task_id = _new_task(runner)
        run_until_crash(store.url, task_id)
        state = runner.graph.get_state({"configurable": {"thread_id": task_id}})
    assert state.next == ("execute",)
    assert state.values["classification"]["strategy"] == "immediate"
    with store.session() as session:
        task = repo.get_task(session, runner.org_id, task_id)
    assert task.status is S.IN_PROGRESS
    assert [e["event"] for e in task.execution_log] == ["created", "started", "classified"]


def test_recovery_waits_for_the_dead_runs_lease(
    store: Database, resumer_model: ScriptedChatModel
) -> None:
    with task_runner(store, model="resumer") as runner:
        task_id = _new_task(runner)
        run_until_crash(store.url, task_id)
        with pytest.raises(AlreadyClaimed, match="already running since"):
            runner.recover(task_id)
    assert resumer_model.calls == []


def test_run_resumed_in_another_process_completes(
    store: Database, resumer_model: ScriptedChatModel
) -> None:
    with task_runner(store, model="resumer", clock=after_the_lease) as runner:
        task_id = _new_task(runner)
        run_until_crash(store.url, task_id)
        outcome = runner.recover(task_id)
    assert outcome["success"] is True
    assert outcome["status"] == S.COMPLETED.value
    assert (
        outcome["result"]["output"]
        == "Bienvenue dans l'équipe, nous sommes ravis que vous soyez là."
    )
    with store.session() as session:
        task = repo.get_task(session, runner.org_id, task_id)
    assert task.status is S.COMPLETED
    assert [e["event"] for e in task.execution_log] == [
        "created",
        "started",
        "classified",
        "taken_over",
        "completed",
    ]


def test_resumed_run_does_not_classify_again(
    store: Database, resumer_model: ScriptedChatModel
) -> None:
    with task_runner(store, model="resumer", clock=after_the_lease) as runner:
        task_id = _new_task(runner)
        run_until_crash(store.url, task_id)
        runner.recover(task_id)
    assert [call.tools for call in resumer_model.calls] == [[]]
