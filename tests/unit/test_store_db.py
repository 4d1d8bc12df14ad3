"""The store's SQLite transactions: writers take the lock up front, a busy database is a
clear DatabaseUnavailable, never a driver traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from store import tasks as repo
from store.db import Database
from store.errors import DatabaseUnavailable
from store.orgs import ensure_organization


def _no_busy_wait(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute("PRAGMA busy_timeout=0")


def test_a_write_while_another_process_holds_the_lock_is_database_unavailable(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'locked.db'}")
    db.upgrade()
    with db.session() as session:
        org_id = ensure_organization(session, "default").id
    db.engine.dispose()
    event.listen(db.engine, "connect", _no_busy_wait)  # fail at once instead of after 30 s
    holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with (
            pytest.raises(DatabaseUnavailable, match=r"locked\.db failed: database is locked"),
            db.session() as session,
        ):
            repo.create_task(session, org_id, "Write the report")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with db.read_session() as session:
        assert repo.list_tasks(session, org_id) == []
    db.dispose()


def test_readers_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'busy.db'}")
    db.upgrade()
    with db.session() as session:
        org_id = ensure_organization(session, "default").id
        task_id = repo.create_task(session, org_id, "Write the report").id
    db.engine.dispose()
    event.listen(db.engine, "connect", _no_busy_wait)
    holder = sqlite3.connect(tmp_path / "busy.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with db.read_session() as session:
            assert repo.get_status(session, org_id, task_id)[0] == task_id
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    db.dispose()
