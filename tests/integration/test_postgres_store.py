"""The store on PostgreSQL: Alembic migrations, JSONB, time zones, row locks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import inspect, text

from store import tasks as repo
from store.db import Database
from store.models import Base
from store.orgs import ensure_organization

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def test_upgrade_creates_every_table_on_postgres(postgres_url: str) -> None:
    database = Database(postgres_url)
    try:
        database.upgrade()
        assert database.is_current()
        with database.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        assert set(Base.metadata.tables) <= tables
    finally:
        database.dispose()


def test_upgrade_on_a_current_database_changes_nothing(pg_db: Database) -> None:
    pg_db.upgrade()
    pg_db.ensure_schema()
    assert pg_db.is_current()


def test_downgrade_to_base_and_back_on_postgres(pg_db: Database) -> None:
    config = pg_db._alembic_config()
    with pg_db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    with pg_db.engine.connect() as conn:
        assert "tasks" not in inspect(conn).get_table_names()
    pg_db.upgrade()
    assert pg_db.is_current()


def test_json_columns_are_jsonb_on_postgres(pg_db: Database) -> None:
    with pg_db.engine.connect() as conn:
        kinds: dict[str, str] = dict(
            conn.execute(
                text(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_name = 'tasks' AND column_name IN "
                    "('execution_log', 'automation_rules', 'ai_context', 'result')"
                )
            ).all()
        )
    assert kinds == dict.fromkeys(
        ("execution_log", "automation_rules", "ai_context", "result"), "jsonb"
    )


def test_timestamps_round_trip_as_utc_on_postgres(pg_db: Database) -> None:
    due = datetime(2030, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    with pg_db.session() as session:
        org = ensure_organization(session).id
        task_id = repo.create_task(session, org, "Dated", due_date=due).id
    with pg_db.session() as session:
        stored = repo.get_task(session, org, task_id).due_date
    assert stored == due
    assert stored is not None and stored.utcoffset() == timedelta(0)


def test_log_entries_keep_nested_json_on_postgres(pg_db: Database) -> None:
    with pg_db.session() as session:
        org = ensure_organization(session).id
        task_id = repo.create_task(session, org, "Nested").id
        repo.add_execution_log_entry(
            session, org, task_id, {"event": "note", "data": {"list": [1, "two", None]}}
        )
    with pg_db.session() as session:
        entry = repo.get_task(session, org, task_id).execution_log[-1]
    assert entry["data"] == {"list": [1, "two", None]}
