"""The store's SQLite transactions: writers take the lock up front, readers never wait, and a
locked database is a clear DatabaseUnavailable, never a driver traceback."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from store import tasks as repo
from store.db import ALL_ORGANIZATIONS, Database
from store.enums import ExecutionStatus as S
from store.errors import DatabaseUnavailable
from store.orgs import ensure_organization

#: A generous bound on a write another thread makes (milliseconds when nothing holds it up).
WAIT = 20


def _no_busy_wait(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute("PRAGMA busy_timeout=0")  # fail at once instead of after 30 s


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[Database, str, str]]:
    """A file database with one pending task, whose connections never wait for a lock."""
    db = Database(f"sqlite:///{tmp_path / 'locked.db'}", default_org_id=ALL_ORGANIZATIONS)
    db.upgrade()
    with db.session() as session:
        org_id = ensure_organization(session, "default").id
        task_id = repo.create_task(session, org_id, "Write the report").id
    db.engine.dispose()
    event.listen(db.engine, "connect", _no_busy_wait)
    yield db, org_id, task_id
    db.dispose()


@contextmanager
def write_lock_held_elsewhere(db: Database) -> Iterator[None]:
    """Another connection (as another process would) holds the database's write lock."""
    holder = sqlite3.connect(db.engine.url.database or "", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_session_write_under_a_held_lock_is_database_unavailable(
    store: tuple[Database, str, str],
) -> None:
    db, org_id, _ = store
    with (
        write_lock_held_elsewhere(db),
        pytest.raises(DatabaseUnavailable, match=r"locked\.db failed: database is locked"),
        db.session() as session,
    ):
        repo.create_task(session, org_id, "Draft the agenda")
    with db.read_session() as session:
        assert [t.title for t in repo.list_tasks(session, org_id)] == ["Write the report"]


def test_a_core_transaction_under_a_held_lock_is_database_unavailable(
    store: tuple[Database, str, str],
) -> None:
    db, org_id, task_id = store
    with (
        write_lock_held_elsewhere(db),
        pytest.raises(DatabaseUnavailable, match="database is locked"),
        db.transaction() as conn,
    ):
        repo.start_task_execution(conn, org_id, task_id)
    with db.read_transaction() as conn:
        assert repo.get_status(conn, org_id, task_id) == (task_id, S.PENDING)


def test_readers_do_not_wait_for_a_writer(store: tuple[Database, str, str]) -> None:
    db, org_id, task_id = store
    with write_lock_held_elsewhere(db):
        with db.read_session() as session:
            assert repo.get_task(session, org_id, task_id).status is S.PENDING
        with db.read_transaction() as conn:
            assert repo.get_status(conn, org_id, task_id) == (task_id, S.PENDING)


def _write_in_another_thread(db: Database, org_id: str, title: str) -> threading.Thread:
    def write() -> None:
        with db.session() as session:
            repo.create_task(session, org_id, title)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    return writer


def test_a_session_that_has_not_written_yet_holds_up_no_other_writer(
    store: tuple[Database, str, str],
) -> None:
    db, org_id, _ = store
    with db.session():  # begun, but no statement yet: no write turn taken
        writer = _write_in_another_thread(db, org_id, "Draft the agenda")
        writer.join(timeout=WAIT)
        assert not writer.is_alive()
    with db.read_session() as session:
        assert "Draft the agenda" in [t.title for t in repo.list_tasks(session, org_id)]


def test_a_write_that_failed_to_begin_gives_its_turn_back(
    store: tuple[Database, str, str],
) -> None:
    db, org_id, _ = store
    with (
        write_lock_held_elsewhere(db),
        pytest.raises(DatabaseUnavailable),
        db.session() as session,
    ):
        repo.create_task(session, org_id, "Draft the agenda")
    writer = _write_in_another_thread(db, org_id, "Book the room")
    writer.join(timeout=WAIT)  # a kept turn would hold it for the lock's 30 s
    assert not writer.is_alive()
