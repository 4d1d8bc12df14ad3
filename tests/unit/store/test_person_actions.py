"""A person finishing a task by hand, or sending a blocked one back with a note."""

from __future__ import annotations

from typing import Any

import pytest

from store import person_actions
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus as S
from store.enums import ExecutionType
from store.errors import Conflict, InvalidInput
from store.models import Task


def _new(db: Database, org_id: str, title: str = "Sign the lease", **fields: Any) -> str:
    with db.session() as session:
        return repo.create_task(session, org_id, title, **fields).id


def _load(db: Database, org_id: str, task_id: str) -> Task:
    with db.session() as session:
        return repo.get_task(session, org_id, task_id)


def _move(db: Database, org_id: str, task_id: str, *statuses: S) -> None:
    moves = {
        S.IN_PROGRESS: lambda tx: repo.start_task_execution(tx, org_id, task_id),
        S.BLOCKED: lambda tx: repo.block_task_execution(tx, org_id, task_id, "needs a signature"),
        S.PAUSED: lambda tx: repo.pause_task_execution(tx, org_id, task_id, "waiting"),
        S.COMPLETED: lambda tx: repo.complete_task_execution(tx, org_id, task_id, {"output": "x"}),
        S.FAILED: lambda tx: repo.fail_task_execution(tx, org_id, task_id, "boom", False),
    }
    for status in statuses:
        with db.transaction() as tx:
            moves[status](tx)


def _done(db: Database, org_id: str, task_id: str, note: str | None = None) -> None:
    with db.transaction() as tx:
        person_actions.complete_by_person(tx, org_id, task_id, note=note, by="maria")


def _retry_note(db: Database, org_id: str, task_id: str, note: str) -> None:
    with db.transaction() as tx:
        person_actions.add_retry_note(tx, org_id, task_id, note=note, by="maria")


def test_person_completes_a_manual_task_with_what_they_did(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id, execution_type=ExecutionType.MANUAL)

    _done(db, org_id, task_id, "Signed and scanned; the PDF is in the shared drive")

    task = _load(db, org_id, task_id)
    assert task.status is S.COMPLETED
    assert task.result == {
        "output": "Signed and scanned; the PDF is in the shared drive",
        "completed_by": "maria",
    }
    entry = task.execution_log[-1]
    assert entry["event"] == "completed"
    assert (entry["executor_id"], entry["executor_type"]) == ("maria", "user")
    assert (entry["from_status"], entry["from_person"]) == ("pending", True)


@pytest.mark.parametrize("status", [S.BLOCKED, S.PAUSED])
def test_person_completes_a_blocked_or_paused_task(db: Database, org_id: str, status: S) -> None:
    task_id = _new(db, org_id)
    _move(db, org_id, task_id, S.IN_PROGRESS, status)

    _done(db, org_id, task_id)

    task = _load(db, org_id, task_id)
    assert task.status is S.COMPLETED
    assert task.result is not None and task.result["output"] == "Marked done by maria."


@pytest.mark.parametrize(
    "path", [(S.IN_PROGRESS,), (S.IN_PROGRESS, S.COMPLETED), (S.IN_PROGRESS, S.FAILED)]
)
def test_marking_a_running_or_finished_task_done_is_refused_and_changes_nothing(
    db: Database, org_id: str, path: tuple[S, ...]
) -> None:
    task_id = _new(db, org_id)
    _move(db, org_id, task_id, *path)
    before = _load(db, org_id, task_id).to_dict()

    with pytest.raises(Conflict, match=task_id):
        _done(db, org_id, task_id, "I did it")

    assert _load(db, org_id, task_id).to_dict() == before


def test_retry_note_is_logged_and_kept_for_the_model(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    _move(db, org_id, task_id, S.IN_PROGRESS, S.BLOCKED)

    _retry_note(db, org_id, task_id, "The landlord accepts an e-signature; use DocuSign")

    task = _load(db, org_id, task_id)
    assert task.status is S.BLOCKED  # the run that follows moves it
    entry = task.execution_log[-1]
    assert entry["event"] == "retry_requested"
    assert entry["note"] == "The landlord accepts an e-signature; use DocuSign"
    assert (entry["executor_id"], entry["executor_type"]) == ("maria", "user")
    assert person_actions.person_notes(task.ai_context) == [
        "The landlord accepts an e-signature; use DocuSign"
    ]


@pytest.mark.parametrize("path", [(), (S.IN_PROGRESS, S.PAUSED), (S.IN_PROGRESS, S.COMPLETED)])
def test_retry_of_a_task_that_is_not_blocked_is_refused_and_changes_nothing(
    db: Database, org_id: str, path: tuple[S, ...]
) -> None:
    task_id = _new(db, org_id)
    _move(db, org_id, task_id, *path)
    before = _load(db, org_id, task_id).to_dict()

    with pytest.raises(Conflict, match="only a blocked task can be retried"):
        _retry_note(db, org_id, task_id, "try again")

    assert _load(db, org_id, task_id).to_dict() == before


def test_retry_without_a_note_is_refused(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    _move(db, org_id, task_id, S.IN_PROGRESS, S.BLOCKED)

    with pytest.raises(InvalidInput, match="needs a note"):
        _retry_note(db, org_id, task_id, "   ")

    assert _load(db, org_id, task_id).execution_log[-1]["event"] == "blocked"


def _decomposed(db: Database, org_id: str, *kinds: ExecutionType) -> tuple[str, list[str]]:
    parent_id = _new(db, org_id, "Plan Q4 marketing campaign")
    _move(db, org_id, parent_id, S.IN_PROGRESS)
    with db.session() as session:
        children = [
            repo.create_subtask(session, org_id, parent_id, f"Step {i}", execution_type=kind).id
            for i, kind in enumerate(kinds)
        ]
        repo.pause_task_execution(session, org_id, parent_id, "waiting on subtasks")
    return parent_id, children


def test_parent_completes_when_a_person_finishes_its_last_manual_subtask(
    db: Database, org_id: str
) -> None:
    parent_id, (automated, manual) = _decomposed(
        db, org_id, ExecutionType.FULLY_AUTOMATED, ExecutionType.MANUAL
    )
    _move(db, org_id, automated, S.IN_PROGRESS, S.COMPLETED)
    assert _load(db, org_id, parent_id).status is S.PAUSED

    _done(db, org_id, manual, "Budget approved: 20k")

    parent = _load(db, org_id, parent_id)
    assert parent.status is S.COMPLETED
    assert parent.result is not None
    assert parent.result["output"].splitlines() == [
        "All 2 subtasks completed.",
        "- Step 0: x",
        "- Step 1: Budget approved: 20k",
    ]


def test_parent_completes_with_a_summary_naming_a_failed_subtask(db: Database, org_id: str) -> None:
    parent_id, (first, second) = _decomposed(
        db, org_id, ExecutionType.FULLY_AUTOMATED, ExecutionType.FULLY_AUTOMATED
    )
    _move(db, org_id, first, S.IN_PROGRESS, S.COMPLETED)
    _move(db, org_id, second, S.IN_PROGRESS, S.FAILED)

    parent = _load(db, org_id, parent_id)
    assert parent.status is S.COMPLETED
    assert parent.result is not None
    assert parent.result["output"].splitlines() == [
        "1 of 2 subtasks completed, 1 failed.",
        "- Step 0: x",
        "- Step 1: failed (boom)",
    ]
    assert (parent.result["subtasks_completed"], parent.result["subtasks_failed"]) == (1, 1)


def test_a_subtask_retried_after_a_failure_does_not_complete_its_parent(
    db: Database, org_id: str
) -> None:
    parent_id, (first, second) = _decomposed(
        db, org_id, ExecutionType.FULLY_AUTOMATED, ExecutionType.FULLY_AUTOMATED
    )
    _move(db, org_id, first, S.IN_PROGRESS, S.COMPLETED)
    _move(db, org_id, second, S.IN_PROGRESS)
    with db.transaction() as tx:  # retries remain: re-queued, not failed
        repo.fail_task_execution(tx, org_id, second, "timeout", True)

    assert _load(db, org_id, second).status is S.QUEUED
    assert _load(db, org_id, parent_id).status is S.PAUSED
