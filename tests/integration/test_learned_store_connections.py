"""The learned store on PostgreSQL reuses its connections: runs read it through one small
pool per Database instead of opening a connection per read, and disposing of the Database
closes them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from langgraph.store.postgres import PostgresStore
from sqlalchemy import text

from agents.scripted import ScriptedChatModel
from graphs.runner import task_runner
from store import learned
from store.db import Database
from tests.fixtures.agent_runs import immediate

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

RUNS = 12


class Counted:
    """How many PostgreSQL connections were opened outside SQLAlchemy's pool, and how many
    times the learned store was used, while counting."""

    def __init__(self) -> None:
        self.connections = 0
        self.store_calls = 0


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counted]:
    counts = Counted()
    # SQLAlchemy connects through psycopg.connect, bound before this patch: only the learned
    # store's connections (a pool's, or one opened per use) are counted.
    connect = psycopg.Connection.connect
    batch = PostgresStore.batch

    def counting_connect(cls: Any, *args: Any, **kwargs: Any) -> Any:
        counts.connections += 1
        return connect(*args, **kwargs)

    def counting_batch(self: PostgresStore, ops: Any) -> Any:
        counts.store_calls += 1
        return batch(self, ops)

    monkeypatch.setattr(psycopg.Connection, "connect", classmethod(counting_connect))
    monkeypatch.setattr(PostgresStore, "batch", counting_batch)
    yield counts


def test_runs_read_the_learned_store_through_a_bounded_pool(
    pg_db: Database, scripted_model: ScriptedChatModel, counted: Counted
) -> None:
    scripted_model.default = lambda messages, tools: immediate() if tools else "Done."
    with task_runner(pg_db, model="scripted") as runner:
        for n in range(RUNS):
            # Untyped: the AI chooses the type, and its category's record is read.
            task_id = runner.create(f"Write a haiku about autumn number {n}", execution_type=None)
            assert runner.execute(task_id)["status"] == "completed"

    assert counted.store_calls >= RUNS  # every run read the store
    assert 1 <= counted.connections <= learned.POOL_MAX_SIZE


def test_disposing_the_database_closes_the_learned_store_connections(
    migrated_postgres_url: str, pg_db: Database
) -> None:
    db = Database(migrated_postgres_url)
    learned.decisions(db, "no-org", "writer")
    assert open_store_connections(pg_db) >= 1

    db.dispose()

    assert open_store_connections(pg_db) == 0


def open_store_connections(observer: Database) -> int:
    """Connections to this database that SQLAlchemy's engine does not hold (the learned
    store's), as PostgreSQL lists them."""
    with observer.engine.connect() as conn:
        ours = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> :ours AND backend_type = 'client backend'"
                ),
                {"ours": ours},
            ).scalar()
            or 0
        )
