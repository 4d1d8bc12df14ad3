"""Lifecycle writes through store.task_rows: coherent with the ORM session, version-checked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from store import execution, task_rows
from store import tasks as repo
from store.db import ALL_ORGANIZATIONS, Database, get_database
from store.enums import ExecutionStatus as S
from store.errors import Conflict, IllegalTransition, NotFound
from store.models import Task
from store.orgs import ensure_organization


def _new(db: Database, org_id: str, title: str = "Write the report") -> str:
    with db.session() as session:
        return repo.create_task(session, org_id, title).id


def test_orm_copy_loaded_earlier_in_the_session_sees_the_lifecycle_write(
    db: Database, org_id: str
) -> None:
    task_id = _new(db, org_id)
    with db.session() as session:
        loaded = repo.get_task(session, org_id, task_id)
        assert loaded.status is S.PENDING
        repo.start_task_execution(session, org_id, task_id)
        assert loaded.status is S.IN_PROGRESS
        assert [e["event"] for e in loaded.execution_log] == ["created", "started"]


def test_pending_orm_change_in_the_session_is_kept_by_a_lifecycle_write(
    db: Database, org_id: str
) -> None:
    task_id = _new(db, org_id)
    with db.session() as session:
        repo.get_task(session, org_id, task_id).agent_id = "writer"
        repo.start_task_execution(session, org_id, task_id)
    with db.session() as session:
        task = repo.get_task(session, org_id, task_id)
        assert (task.agent_id, task.status) == ("writer", S.IN_PROGRESS)


def test_save_of_a_row_another_writer_changed_raises_conflict_and_writes_nothing(
    db: Database, org_id: str
) -> None:
    task_id = _new(db, org_id)
    with db.session() as session:
        row = task_rows.load_for_update(session, org_id, task_id)
        # Another writer moved the row on since it was read (its version counter too).
        session.execute(update(Task).where(Task.id == task_id).values(version=Task.version + 1))
        row.execution_status = S.QUEUED.value
        with pytest.raises(Conflict, match="changed by another writer"):
            task_rows.save(session, row)
    with db.session() as session:
        assert repo.get_task(session, org_id, task_id).status is S.PENDING


def test_task_row_refuses_columns_a_lifecycle_write_may_not_set(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    with db.session() as session:
        row = task_rows.load_for_update(session, org_id, task_id)
        for name in ("org_id", "id", "version", "no_such_column"):
            with pytest.raises(AttributeError):
                setattr(row, name, "x")


def test_a_lifecycle_write_is_rolled_back_with_its_session(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    with pytest.raises(IllegalTransition), db.session() as session:
        repo.start_task_execution(session, org_id, task_id)
        repo.start_task_execution(session, org_id, task_id)  # already in progress
    with db.session() as session:
        task = repo.get_task(session, org_id, task_id)
        assert task.status is S.PENDING
        assert [e["event"] for e in task.execution_log] == ["created"]


def test_completing_records_the_agent_that_did_the_work(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    with db.session() as session:
        repo.start_task_execution(session, org_id, task_id)
        done = repo.complete_task_execution(session, org_id, task_id, {"output": "x"}, agent_id="w")
    assert done.agent_id == "w"
    with db.session() as session:
        assert repo.get_task(session, org_id, task_id).agent_id == "w"


def test_blocking_keeps_the_result_a_person_is_to_finish(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    with db.session() as session:
        repo.start_task_execution(session, org_id, task_id)
        repo.block_task_execution(
            session, org_id, task_id, "add the recipient", result={"draft": "Hello"}
        )
    with db.session() as session:
        task = repo.get_task(session, org_id, task_id)
        assert (task.status, task.result) == (S.BLOCKED, {"draft": "Hello"})


def test_every_lifecycle_write_moves_the_version_counter(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    with db.session() as session:
        before = repo.get_task(session, org_id, task_id).version
    with db.session() as session:
        started = repo.start_task_execution(session, org_id, task_id)
    with db.session() as session:
        stored = repo.get_task(session, org_id, task_id)
        assert stored.version == started.version == before + 1
        assert stored.updated_at == started.updated_at


def test_lifecycle_writes_in_one_core_transaction_land_together(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    with db.transaction() as conn:
        repo.start_task_execution(conn, org_id, task_id)
        repo.complete_task_execution(conn, org_id, task_id, {"output": "the report"})
    with db.session() as session:
        task = repo.get_task(session, org_id, task_id)
        assert task.status is S.COMPLETED
        assert [e["event"] for e in task.execution_log] == ["created", "started", "completed"]


def test_a_core_transaction_rolls_back_every_write_on_error(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    with pytest.raises(IllegalTransition), db.transaction() as conn:
        repo.start_task_execution(conn, org_id, task_id)
        repo.start_task_execution(conn, org_id, task_id)
    with db.session() as session:
        assert repo.get_task(session, org_id, task_id).status is S.PENDING


def test_a_lifecycle_write_the_database_refuses_is_a_database_error_and_changes_nothing(
    db: Database, org_id: str
) -> None:
    task_id = _new(db, org_id)

    def untitle(task: task_rows.TaskRow) -> None:
        task.title = None  # NOT NULL

    with pytest.raises(IntegrityError), db.transaction() as conn:
        repo.start_task_execution(conn, org_id, task_id)
        task_rows.change(conn, org_id, task_id, untitle)
    with db.session() as session:
        task = repo.get_task(session, org_id, task_id)
        assert (task.title, task.status) == ("Write the report", S.PENDING)


def test_a_lifecycle_write_stores_json_and_times_as_the_model_reads_them(
    db: Database, org_id: str
) -> None:
    task_id = _new(db, org_id)
    naive_noon = datetime(2026, 1, 1, 12, 0)

    def edit(task: task_rows.TaskRow) -> None:
        task.ai_context = {"steps": [1, "zwei", None], "note": "naïve"}
        task.result = None
        task.next_attempt_at = naive_noon

    with db.transaction() as conn:
        task_rows.change(conn, org_id, task_id, edit)
    with db.session() as session:
        task = repo.get_task(session, org_id, task_id)
        assert task.ai_context == {"steps": [1, "zwei", None], "note": "naïve"}
        assert task.result is None
        assert task.next_attempt_at == naive_noon.replace(tzinfo=UTC)


# --- the rows this process last wrote --------------------------------------------------------


@pytest.fixture
def other_process(db: Database) -> Iterator[Database]:
    """The same database through another engine and pool: as another process sees it."""
    other = Database(db.url, default_org_id=ALL_ORGANIZATIONS)
    yield other
    other.dispose()


def _started_here(db: Database, org_id: str) -> str:
    """A new task started by this process (which now remembers its row)."""
    task_id = _new(db, org_id)
    with db.transaction() as conn:
        repo.start_task_execution(conn, org_id, task_id)
    return task_id


def _events_of(db: Database, org_id: str, task_id: str) -> list[str]:
    with db.session() as session:
        return [e["event"] for e in repo.get_task(session, org_id, task_id).execution_log]


def test_a_write_after_another_process_wrote_keeps_that_write(
    db: Database, org_id: str, other_process: Database
) -> None:
    task_id = _started_here(db, org_id)
    with other_process.transaction() as conn:
        repo.add_execution_log_entry(conn, org_id, task_id, {"event": "note"})
    with db.transaction() as conn:
        repo.complete_task_execution(conn, org_id, task_id, {"output": "x"})
    assert _events_of(db, org_id, task_id) == ["created", "started", "note", "completed"]


def test_a_write_after_an_orm_edit_keeps_the_edit(db: Database, org_id: str) -> None:
    task_id = _started_here(db, org_id)
    with db.session() as session:
        repo.update_task(session, org_id, task_id, title="Write the annual report")
    with db.transaction() as conn:
        repo.complete_task_execution(conn, org_id, task_id, {"output": "x"})
    with db.session() as session:
        task = repo.get_task(session, org_id, task_id)
    assert task.title == "Write the annual report"
    assert [e["event"] for e in task.execution_log] == [
        "created",
        "started",
        "updated",
        "completed",
    ]


def test_a_rolled_back_write_is_not_the_start_of_the_next_one(
    db: Database, org_id: str, other_process: Database
) -> None:
    task_id = _new(db, org_id)
    with pytest.raises(RuntimeError), db.transaction() as conn:
        repo.add_execution_log_entry(conn, org_id, task_id, {"event": "rolled_back"})
        raise RuntimeError("the step failed after its write")
    # Another process moves the row on to the version the rolled-back write had taken.
    with other_process.transaction() as conn:
        repo.add_execution_log_entry(conn, org_id, task_id, {"event": "theirs"})
    with db.transaction() as conn:
        repo.add_execution_log_entry(conn, org_id, task_id, {"event": "ours"})
    assert _events_of(db, org_id, task_id) == ["created", "theirs", "ours"]


def test_a_move_refused_on_a_stale_row_is_decided_on_the_stored_one(
    db: Database, org_id: str, other_process: Database
) -> None:
    task_id = _started_here(db, org_id)
    with other_process.transaction() as conn:
        repo.pause_task_execution(conn, org_id, task_id, "waiting for approval")
    with db.transaction() as conn:  # in_progress -> in_progress would be illegal; paused is not
        resumed = repo.start_task_execution(conn, org_id, task_id)
    assert resumed.status is S.IN_PROGRESS
    assert _events_of(db, org_id, task_id)[-2:] == ["paused", "resumed"]


def test_a_remembered_row_is_not_found_from_another_organization(db: Database, org_id: str) -> None:
    with db.session() as session:
        other_org = ensure_organization(session, "other").id
    task_id = _started_here(db, org_id)
    with pytest.raises(NotFound), db.transaction() as conn:
        repo.complete_task_execution(conn, other_org, task_id, {"output": "x"})
    assert _events_of(db, org_id, task_id) == ["created", "started"]


def test_remembered_rows_are_bounded(
    db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(task_rows, "REMEMBERED_ROWS", 3)
    for n in range(5):
        task_id = _new(db, org_id, f"Task {n}")
        with db.transaction() as conn:
            repo.start_task_execution(conn, org_id, task_id)
            assert len(task_rows._rows_of(conn.engine.pool)) == min(n + 1, 3)


def test_a_task_runner_shares_its_database_with_the_graph_nodes(db: Database) -> None:
    from graphs.runner import task_runner

    with task_runner(db):
        assert get_database(db.url) is db


def test_a_run_started_and_finished_at_once_is_one_write(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    with db.transaction() as conn:
        before = task_rows.read(conn, org_id, task_id)  # remembered, as a claim remembers its rows
    assert before is not None
    with db.transaction() as conn:
        done = execution.apply_changes(
            conn, org_id, task_id, execution.starting(), execution.completing({"output": "x"})
        )
    assert done.version == before.version + 1  # each UPDATE moves the version counter once
    assert done.status is S.COMPLETED
    with db.session() as session:
        task = repo.get_task(session, org_id, task_id)
    assert (task.status, task.version) == (S.COMPLETED, done.version)
    assert task.started_at is not None and task.completed_at is not None
    assert [(e["event"], e["from_status"]) for e in task.execution_log[1:]] == [
        ("started", "pending"),
        ("completed", "in_progress"),
    ]


def test_changes_written_at_once_are_decided_again_on_a_row_another_process_moved(
    db: Database, org_id: str, other_process: Database
) -> None:
    task_id = _started_here(db, org_id)
    with other_process.transaction() as conn:
        repo.pause_task_execution(conn, org_id, task_id, "waiting for approval")
    with db.transaction() as conn:  # from the remembered in_progress row: resumed is refused
        execution.apply_changes(
            conn, org_id, task_id, execution.starting(), execution.completing({"output": "x"})
        )
    assert _events_of(db, org_id, task_id)[-3:] == ["paused", "resumed", "completed"]


def test_changes_written_at_once_write_nothing_when_one_is_illegal(
    db: Database, org_id: str
) -> None:
    task_id = _new(db, org_id)
    with pytest.raises(IllegalTransition), db.transaction() as conn:
        execution.apply_changes(
            conn, org_id, task_id, execution.completing({"output": "x"}), execution.starting()
        )
    assert _events_of(db, org_id, task_id) == ["created"]


def test_a_secret_in_a_run_started_and_finished_at_once_is_kept_out_of_its_log(
    db: Database, org_id: str
) -> None:
    secret = "sk-" + "a1b2c3d4e5f6g7h8"
    task_id = _new(db, org_id)
    with db.transaction() as conn:
        execution.apply_changes(
            conn,
            org_id,
            task_id,
            execution.starting(note=f"key {secret}"),
            execution.completing({"output": f"used {secret}"}, reason=f"with {secret}"),
        )
    with db.session() as session:
        task = repo.get_task(session, org_id, task_id)
    stored = str(task.result) + str(task.execution_log)
    assert secret not in stored
    assert stored.count("sk-***") == 4  # the result, and in the log: note, result, reason
