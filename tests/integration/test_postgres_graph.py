"""execute_task on PostgreSQL: the store and PostgresSaver checkpoints in one database."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.postgres import PostgresSaver
from sqlalchemy import inspect

from agents.models import register_model, unregister_model
from agents.scripted import ScriptedChatModel
from graphs.run_protocol import thread_config
from graphs.runner import TaskRunner, task_runner
from store import tasks as repo
from store.checkpoints import open_async_checkpointer
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

#: Seconds to wait for what should happen at once (a generous bound, never a measurement).
DEADLINE = 30.0


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


def test_async_checkpointer_serves_runs_at_once_from_its_pool(pg_db: Database) -> None:
    """One run's checkpoint operation holding a pooled connection does not hold up another
    run's (PostgresSaver's own lock would queue every operation behind one)."""

    async def read_while_another_holds_a_connection() -> Any:
        async with open_async_checkpointer(pg_db, pool_size=4) as saver:
            holding, done = threading.Event(), threading.Event()

            def hold() -> None:
                with saver._cursor() as cursor:
                    cursor.execute("SELECT 1")
                    holding.set()
                    done.wait(DEADLINE)

            holder = asyncio.ensure_future(asyncio.to_thread(hold))
            assert await asyncio.to_thread(holding.wait, DEADLINE)
            try:
                return await asyncio.wait_for(saver.aget_tuple(thread_config("no-run")), DEADLINE)
            finally:
                done.set()
                await holder

    assert asyncio.run(read_while_another_holds_a_connection()) is None


def test_async_checkpointer_opens_its_pool_before_any_run(pg_db: Database) -> None:
    async def open_connections() -> int:
        async with open_async_checkpointer(pg_db, pool_size=4) as saver:
            return int(saver.conn.get_stats()["pool_size"])

    assert asyncio.run(open_connections()) == 4
