"""execute_task on PostgreSQL: the store and PostgresSaver checkpoints in one database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.postgres import PostgresSaver
from sqlalchemy import inspect

from agents.models import register_model, unregister_model
from agents.scripted import ScriptedChatModel
from graphs.runner import TaskRunner, task_runner
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus as S
from tests.integration.test_log_matches_checkpoints import (
    BLOCKED_TITLE,
    DECOMPOSE_TITLE,
    IMMEDIATE_TITLE,
    _decide,
    checkpoint_nodes,
    log_nodes,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def runner(pg_db: Database) -> Iterator[TaskRunner]:
    register_model("pg-run", ScriptedChatModel(default=_decide))
    try:
        with task_runner(pg_db, model="pg-run") as opened:
            yield opened
    finally:
        unregister_model("pg-run")


def test_checkpoints_live_in_the_store_database(runner: TaskRunner) -> None:
    assert isinstance(runner.graph.checkpointer, PostgresSaver)
    with runner.db.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    assert {"checkpoints", "checkpoint_writes", "tasks"} <= tables


def test_immediate_run_completes_on_postgres(runner: TaskRunner) -> None:
    task_id = runner.create(IMMEDIATE_TITLE)
    outcome = runner.execute(task_id)
    assert (outcome["success"], outcome["status"]) == (True, S.COMPLETED.value)
    with runner.db.session() as session:
        task = repo.get_task(session, runner.org_id, task_id)
        assert task.status is S.COMPLETED
        assert task.result is not None and task.result["output"] == "Here is the deliverable."
        assert task.ai_confidence == 0.8


def test_state_history_on_postgres_follows_the_run(runner: TaskRunner) -> None:
    task_id = runner.create(IMMEDIATE_TITLE)
    runner.execute(task_id)
    config: RunnableConfig = {"configurable": {"thread_id": task_id}}
    history = list(runner.graph.get_state_history(config))
    assert [snap.metadata["step"] for snap in history if snap.metadata] == [3, 2, 1, 0, -1]
    assert history[0].values["status"] == S.COMPLETED.value
    assert checkpoint_nodes(runner, task_id) == ["prepare", "classify", "execute"]


@pytest.mark.parametrize("title", [IMMEDIATE_TITLE, DECOMPOSE_TITLE, BLOCKED_TITLE])
def test_log_matches_checkpoints_on_postgres(runner: TaskRunner, title: str) -> None:
    task_id = runner.create(title)
    runner.execute(task_id)
    with runner.db.session() as session:
        log = list(repo.get_task(session, runner.org_id, task_id).execution_log)
    assert log_nodes(log) == checkpoint_nodes(runner, task_id)
    assert len(checkpoint_nodes(runner, task_id)) == 3
