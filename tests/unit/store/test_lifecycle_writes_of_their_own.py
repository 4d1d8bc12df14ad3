"""Lifecycle writes given the Database: each its own transaction, on PostgreSQL one
autocommit statement when the write is all there is (store.task_rows.change_alone), with the
same fence, checks and parent completion as a write in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from store import claims, execution
from store import tasks as repo
from store.claims import StaleClaim
from store.db import ALL_ORGANIZATIONS, Database
from store.enums import ExecutionStatus as S
from store.errors import DatabaseUnavailable, IllegalTransition

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
STARTABLE = frozenset({S.PENDING, S.QUEUED})


@pytest.fixture
def other_process(db: Database) -> Iterator[Database]:
    """The same database through another engine and pool: as another process sees it."""
    other = Database(db.url, default_org_id=ALL_ORGANIZATIONS)
    yield other
    other.dispose()


def _new(db: Database, org_id: str, title: str = "Summarize the notes") -> str:
    with db.session() as session:
        return repo.create_task(session, org_id, title).id


def _claim(
    db: Database,
    org_id: str,
    task_id: str,
    owner: str,
    *,
    statuses: frozenset[S] = STARTABLE,
    lease: float | None = None,
    now: datetime | None = None,
) -> claims.Claim:
    with db.transaction() as conn:  # remembers the claimed row, as a worker's claim does
        return claims.claim_task(
            conn, org_id, task_id, owner, statuses=statuses, lease=lease, now=now
        )


def _stored(db: Database, org_id: str, task_id: str) -> repo.Task:
    with db.session() as session:
        return repo.get_task(session, org_id, task_id)


@contextmanager
def _no_transaction_opened(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refused(org_id: str = "") -> None:
        raise AssertionError("the write opened a transaction")

    with monkeypatch.context() as patched:
        patched.setattr(db, "transaction", refused)
        yield


def test_a_claimed_run_started_and_finished_alone_is_one_autocommit_statement_on_postgresql(
    db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite writes in a transaction (store.db: BEGIN IMMEDIATE)")
    task_id = _new(db, org_id)
    claim = _claim(db, org_id, task_id, "worker-a")
    with claims.holding(claim), _no_transaction_opened(db, monkeypatch):
        done = execution.apply_changes(
            db, org_id, task_id, execution.starting(), execution.completing({"output": "x"})
        )
    task = _stored(db, org_id, task_id)  # committed: another connection reads it
    assert (task.status, task.version, task.claim_owner) == (S.COMPLETED, done.version, None)
    assert [e["event"] for e in task.execution_log] == ["created", "started", "completed"]
    assert {e.get("claim_token") for e in task.execution_log[1:]} == {claim.token}


def test_writes_given_the_database_land_on_both_databases(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    claim = _claim(db, org_id, task_id, "worker-a")
    with claims.holding(claim):
        repo.start_task_execution(db, org_id, task_id, "worker-a", "agent")
        repo.record_classification(
            db, org_id, task_id, confidence=0.9, context={"k": "v"}, entry={"event": "classified"}
        )
        repo.block_task_execution(db, org_id, task_id, "needs the signed contract")
    task = _stored(db, org_id, task_id)
    assert (task.status, task.blocked_reason, task.ai_context) == (
        S.BLOCKED,
        "needs the signed contract",
        {"k": "v"},
    )
    assert [e["event"] for e in task.execution_log] == [
        "created",
        "started",
        "classified",
        "blocked",
    ]


def test_a_stale_owners_write_given_the_database_changes_nothing(
    db: Database, org_id: str, other_process: Database
) -> None:
    task_id = _new(db, org_id)
    stale = _claim(db, org_id, task_id, "worker-a", lease=1.0, now=T0)
    with claims.holding(stale):
        repo.start_task_execution(db, org_id, task_id, "worker-a")
    # Another worker takes the run over after the lease; this process still remembers the row
    # its own write left, with its own token: only the stored row says it was taken over.
    taker = _claim(other_process, org_id, task_id, "worker-b", statuses=frozenset({S.IN_PROGRESS}))
    before = _stored(db, org_id, task_id)

    with claims.holding(stale), pytest.raises(StaleClaim):
        repo.complete_task_execution(db, org_id, task_id, {"output": "late"})

    after = _stored(db, org_id, task_id)
    assert (after.status, after.claim_owner, after.claim_token) == (
        S.IN_PROGRESS,
        "worker-b",
        taker.token,
    )
    assert (after.version, after.execution_log) == (before.version, before.execution_log)


def test_a_stale_owner_whose_remembered_row_is_the_takers_changes_nothing(
    db: Database, org_id: str
) -> None:
    task_id = _new(db, org_id)
    stale = _claim(db, org_id, task_id, "worker-a", lease=1.0, now=T0)
    with claims.holding(stale):
        repo.start_task_execution(db, org_id, task_id, "worker-a")
    _claim(db, org_id, task_id, "worker-b", statuses=frozenset({S.IN_PROGRESS}))  # remembered here
    before = _stored(db, org_id, task_id)

    with claims.holding(stale), pytest.raises(StaleClaim):
        repo.fail_task_execution(db, org_id, task_id, "late", should_retry=False)

    after = _stored(db, org_id, task_id)
    assert (after.status, after.version, after.execution_log) == (
        S.IN_PROGRESS,
        before.version,
        before.execution_log,
    )


def test_a_write_given_the_database_is_decided_again_on_a_row_another_process_moved(
    db: Database, org_id: str, other_process: Database
) -> None:
    task_id = _new(db, org_id)
    repo.start_task_execution(db, org_id, task_id)
    with other_process.transaction() as conn:
        repo.pause_task_execution(conn, org_id, task_id, "waiting for approval")
    # From the remembered in_progress row, a start would be refused; on the stored, paused
    # row it is a resume.
    resumed = repo.start_task_execution(db, org_id, task_id)
    assert resumed.status is S.IN_PROGRESS
    assert [e["event"] for e in _stored(db, org_id, task_id).execution_log] == [
        "created",
        "started",
        "paused",
        "resumed",
    ]


def test_an_illegal_move_given_the_database_writes_nothing(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    claim = _claim(db, org_id, task_id, "worker-a")
    before = _stored(db, org_id, task_id)
    with claims.holding(claim), pytest.raises(IllegalTransition):
        repo.pause_task_execution(db, org_id, task_id, "a pending task never paused")
    after = _stored(db, org_id, task_id)
    assert (after.status, after.version, after.execution_log) == (
        S.PENDING,
        before.version,
        before.execution_log,
    )


def test_the_last_subtask_completed_given_the_database_completes_its_parent(
    db: Database, org_id: str
) -> None:
    parent_id = _new(db, org_id, "Plan the offsite")
    with db.session() as session:
        child_id = repo.create_subtask(session, org_id, parent_id, "Book the venue").id
        repo.start_task_execution(session, org_id, parent_id)
        repo.pause_task_execution(session, org_id, parent_id, "waiting on 1 subtask")
    claim = _claim(db, org_id, child_id, "worker-a")  # the child's row is remembered
    with claims.holding(claim):
        repo.start_task_execution(db, org_id, child_id, "worker-a")
        repo.complete_task_execution(db, org_id, child_id, {"output": "Booked the loft"})

    parent = _stored(db, org_id, parent_id)
    assert parent.status is S.COMPLETED
    assert parent.result is not None
    assert parent.result["output"].splitlines() == [
        "All 1 subtasks completed.",
        "- Book the venue: Booked the loft",
    ]


def test_a_subtask_failed_given_the_database_completes_its_parent_saying_so(
    db: Database, org_id: str
) -> None:
    parent_id = _new(db, org_id, "Plan the offsite")
    with db.session() as session:
        child_id = repo.create_subtask(session, org_id, parent_id, "Book the venue").id
        repo.start_task_execution(session, org_id, parent_id)
        repo.pause_task_execution(session, org_id, parent_id, "waiting on 1 subtask")
    claim = _claim(db, org_id, child_id, "worker-a")
    with claims.holding(claim):
        repo.start_task_execution(db, org_id, child_id, "worker-a")
        repo.fail_task_execution(db, org_id, child_id, "no venue free", should_retry=False)

    parent = _stored(db, org_id, parent_id)
    assert parent.status is S.COMPLETED
    assert parent.result is not None and parent.result["subtasks_failed"] == 1


def test_a_run_a_worker_claimed_in_a_batch_starts_and_finishes_in_one_statement_on_postgresql(
    db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite writes in a transaction (store.db: BEGIN IMMEDIATE)")
    task_ids = {_new(db, org_id, f"Task {n}") for n in range(3)}
    found = claims.claim_batch(db, org_id, "worker-x", limit=3)
    assert {c.task_id for c in found} == task_ids
    with _no_transaction_opened(db, monkeypatch):  # each claimed row was remembered
        for claim in found:
            with claims.holding(claim):
                execution.apply_changes(
                    db,
                    org_id,
                    claim.task_id,
                    execution.starting("worker-x", "agent"),
                    execution.completing({"output": ""}, "worker-x"),
                )
    assert {_stored(db, org_id, t).status for t in task_ids} == {S.COMPLETED}


def test_a_one_statement_write_whose_connection_died_fails_clearly_and_the_next_one_lands(
    db: Database, other_process: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite writes in a transaction (store.db: BEGIN IMMEDIATE)")
    task_id = _new(db, org_id)
    db.engine.dispose()  # from here on the pool's one connection is the one killed below
    claim = _claim(db, org_id, task_id, "worker-a")
    with db.autocommit(org_id) as driver:
        backend = driver.info.backend_pid
    with other_process.autocommit(ALL_ORGANIZATIONS) as killer:
        killer.execute("SELECT pg_terminate_backend(%s)", (backend,))
    dead = pytest.raises(DatabaseUnavailable, match="failed")
    with claims.holding(claim), dead, _no_transaction_opened(db, monkeypatch):
        execution.apply_changes(db, org_id, task_id, execution.starting())
    assert _stored(db, org_id, task_id).status is S.PENDING  # nothing half-written
    with claims.holding(claim), _no_transaction_opened(db, monkeypatch):
        started = execution.apply_changes(db, org_id, task_id, execution.starting())
    assert (started.status, _stored(db, org_id, task_id).status) == (S.IN_PROGRESS,) * 2
