"""The CLI's SQLite reads (store.sqlite_reads) answer what the repository answers, in the
same shape, on the same database; anything they cannot answer goes to the repository."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from app.cli_base import task_json
from store import tasks as repo
from store.database_url import sqlite_file
from store.db import ALL_ORGANIZATIONS, Database
from store.enums import ExecutionStatus, ExecutionType
from store.models import Task
from store.orgs import ensure_organization
from store.sqlite_reads import SqliteReads, read_sqlite

T0 = datetime(2030, 1, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite store (these reads exist only for SQLite, whatever the test run)."""
    database = Database(f"sqlite:///{tmp_path / 'delegate.db'}", default_org_id=ALL_ORGANIZATIONS)
    database.upgrade()
    yield database
    database.dispose()


def _org(db: Database, name: str) -> str:
    with db.session() as session:
        return ensure_organization(session, name).id


def _add(db: Database, org_id: str, title: str, **fields: Any) -> str:
    with db.session() as session:
        return repo.create_task(session, org_id, title, **fields).id


def _set(db: Database, task_id: str, **columns: Any) -> None:
    with db.session() as session:
        task = session.get(Task, task_id)
        assert task is not None
        for name, value in columns.items():
            setattr(task, name, value)


@pytest.fixture
def varied_store(sqlite_db: Database) -> str:
    """Tasks with every kind of stored value in the default org; one in another org."""
    org_id = _org(sqlite_db, "default")
    _add(sqlite_db, org_id, "Plain")
    _add(
        sqlite_db,
        org_id,
        "Call the bank",
        execution_type="manual",
        priority="urgent",
        due_date=T0,
        estimated_duration_minutes=30,
        automation_rules={"send_email": "ask"},
    )
    done = _add(sqlite_db, org_id, "Summarize the notes")
    _set(
        sqlite_db,
        done,
        execution_status="completed",
        ai_confidence=0.75,
        ai_context={"execution_type_chosen_by": "ai"},
        result={"strategy": "immediate", "output": "Notes: ..."},
        started_at=T0 + timedelta(microseconds=120000),
        completed_at=T0 + timedelta(seconds=3, microseconds=7),
        actual_duration_minutes=1.5,
    )
    claimed = _add(sqlite_db, org_id, "Draft the newsletter", execution_type="semi_automated")
    _set(
        sqlite_db,
        claimed,
        execution_status="queued",
        claim_owner="worker-1",
        lease_expires_at=T0,
        next_attempt_at=T0 + timedelta(minutes=5),
        retry_count=1,
        ai_confidence=1,
    )
    with sqlite_db.session() as session:
        repo.create_subtask(session, org_id, done, "Send the summary", execution_type="manual")
        repo.create_subtask(session, org_id, done, "Archive the notes")
    twins = [_add(sqlite_db, org_id, f"Twin {n}") for n in (1, 2)]
    for twin in twins:  # the same creation time: the id decides their order
        _set(sqlite_db, twin, created_at=T0)
    with sqlite3.connect(sqlite_db.url.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE tasks SET result = NULL WHERE id = ?", (twins[0],))
    _add(sqlite_db, _org(sqlite_db, "other"), "Another org's task")
    return org_id


def _repository_listing(db: Database, org_id: str, **filters: Any) -> list[dict[str, Any]]:
    with db.session() as session:
        return [task_json(t) for t in repo.list_tasks(session, org_id, **filters)]


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"status": ExecutionStatus.COMPLETED},
        {"status": ExecutionStatus.PENDING, "execution_type": ExecutionType.FULLY_AUTOMATED},
        {"execution_type": ExecutionType.MANUAL},
        {"limit": 3},
    ],
    ids=["all", "completed", "pending-automated", "manual", "first-three"],
)
def test_sqlite_listing_agrees_with_the_repository(
    sqlite_db: Database, varied_store: str, filters: dict[str, Any]
) -> None:
    listed = read_sqlite(lambda reads: reads.list_tasks(varied_store, **filters), sqlite_db.url)
    assert listed == _repository_listing(sqlite_db, varied_store, **filters)
    assert listed  # each filter matches something: the comparison is not of two empty lists


def test_sqlite_listing_shows_only_the_organizations_tasks(
    sqlite_db: Database, varied_store: str
) -> None:
    other = read_sqlite(lambda reads: reads.organization_id("other"), sqlite_db.url)
    assert other is not None
    listed = read_sqlite(lambda reads: reads.list_tasks(other), sqlite_db.url)
    assert [t["title"] for t in listed or []] == ["Another org's task"]


def test_an_organization_not_created_yet_is_left_to_the_repository(sqlite_db: Database) -> None:
    assert read_sqlite(lambda reads: reads.organization_id("new team"), sqlite_db.url) is None


def test_a_store_behind_the_newest_migration_is_left_to_the_repository(
    sqlite_db: Database,
) -> None:
    with sqlite3.connect(sqlite_db.url.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001_initial'")
    assert read_sqlite(lambda reads: [], sqlite_db.url) is None


def test_a_missing_store_is_left_to_the_repository_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "delegate.db"
    assert read_sqlite(lambda reads: [], f"sqlite:///{path}") is None
    assert not path.exists()


def test_a_file_that_is_not_a_database_is_left_to_the_repository(tmp_path: Path) -> None:
    path = tmp_path / "delegate.db"
    path.write_text("not a database")
    assert read_sqlite(lambda reads: [], f"sqlite:///{path}") is None


@pytest.mark.parametrize(
    "url",
    ["sqlite:///delegate.db", "sqlite:////tmp/x/delegate.db", "sqlite+pysqlite:///a/b.db"],
)
def test_a_sqlite_url_names_the_file_sqlalchemy_opens(url: str) -> None:
    assert sqlite_file(url) == Path(make_url(url).database or "")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://u:p@127.0.0.1/delegate",
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file.db?mode=ro",
        "sqlite:///my%20store.db",
    ],
)
def test_other_urls_are_left_to_sqlalchemy(url: str) -> None:
    assert sqlite_file(url) is None


def test_reads_happen_in_one_snapshot_that_takes_no_write_lock(
    sqlite_db: Database, varied_store: str
) -> None:
    def read_while_another_connection_writes(reads: SqliteReads) -> list[str]:
        before = [t["title"] for t in reads.list_tasks(varied_store)]
        _add(sqlite_db, varied_store, "Written meanwhile")  # would wait on a write lock
        after = [t["title"] for t in reads.list_tasks(varied_store)]
        assert after == before
        return after

    assert "Written meanwhile" not in (
        read_sqlite(read_while_another_connection_writes, sqlite_db.url) or []
    )


def _repository_detail(db: Database, org_id: str, ref: str) -> dict[str, Any]:
    with db.session() as session:
        task = repo.get_task(session, org_id, repo.resolve_task_id(session, org_id, ref))
        data = task_json(task, with_log=True)
        data["subtasks"] = [task_json(s) for s in task.subtasks]
        return data


def _sqlite_detail(db: Database, org_id: str, ref: str) -> dict[str, Any] | None:
    def detail(reads: SqliteReads) -> dict[str, Any]:
        data = reads.task_with_log(org_id, reads.resolve_task_id(org_id, ref))
        data["subtasks"] = reads.subtasks(org_id, data["id"])
        return data

    return read_sqlite(detail, db.url)


def test_sqlite_task_detail_agrees_with_the_repository_for_every_task(
    sqlite_db: Database, varied_store: str
) -> None:
    ids = [t["id"] for t in _repository_listing(sqlite_db, varied_store)]
    for task_id in ids:
        assert _sqlite_detail(sqlite_db, varied_store, task_id) == _repository_detail(
            sqlite_db, varied_store, task_id
        )
    with_subtasks = [_repository_detail(sqlite_db, varied_store, i)["subtasks"] for i in ids]
    assert any(with_subtasks)  # the decomposed task's subtask is compared too


def _outcome(read: Any) -> Any:
    try:
        return read()
    except Exception as exc:
        return type(exc).__name__, str(exc)


def test_sqlite_id_lookup_agrees_with_the_repository(
    sqlite_db: Database, varied_store: str
) -> None:
    ids = [t["id"] for t in _repository_listing(sqlite_db, varied_store)]
    with sqlite_db.session() as session:
        foreign = repo.list_tasks(session, _org(sqlite_db, "other"))[0].id
    refs = [ids[0], ids[0][:8], ids[0][:8].upper(), f"  {ids[1][:6]} ", ids[0][:3], "", "zzzz"]
    refs += ["ffffffff", foreign, foreign[:8], "%", "____"]
    for ref in refs:
        through_sqlite = _outcome(
            lambda ref=ref: read_sqlite(
                lambda reads: reads.resolve_task_id(varied_store, ref), sqlite_db.url
            )
        )
        with sqlite_db.session() as session:
            through_repository = _outcome(
                lambda ref=ref: repo.resolve_task_id(session, varied_store, ref)
            )
        assert through_sqlite == through_repository, ref


def test_an_ambiguous_prefix_is_refused_alike(sqlite_db: Database) -> None:
    org_id = _org(sqlite_db, "default")
    for tail in ("1111", "2222"):
        _add(sqlite_db, org_id, f"Task {tail}", task_id=f"abcd{tail}-0000-4000-8000-000000000000")
    with sqlite_db.session() as session:
        expected = _outcome(lambda: repo.resolve_task_id(session, org_id, "abcd"))
    assert expected[0] == "InvalidInput"
    assert (
        _outcome(
            lambda: read_sqlite(lambda reads: reads.resolve_task_id(org_id, "abcd"), sqlite_db.url)
        )
        == expected
    )


def test_a_home_relative_url_is_read_as_sqlalchemy_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    Database(f"sqlite:///{home / 'delegate.db'}").upgrade()  # a store at ~/, none in ./~/
    monkeypatch.chdir(tmp_path)
    assert read_sqlite(lambda reads: [], "sqlite:///~/delegate.db") is None
