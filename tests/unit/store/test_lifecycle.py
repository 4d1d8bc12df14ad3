"""Every (from, to) pair of the 7x7 status table, driven through the task repository."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from store import execution
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus as S
from store.errors import IllegalTransition
from store.lifecycle import FINAL, TRANSITIONS

#: The repository call that moves a task to each status. Nothing public moves a task back to
#: pending, so that column goes straight through `_transition`, the one enforcement point.
MOVES: dict[S, Callable[[Session, str, str], Any]] = {
    S.QUEUED: lambda s, org, tid: repo.queue_task(s, org, tid),
    S.IN_PROGRESS: lambda s, org, tid: repo.start_task_execution(s, org, tid),
    S.PAUSED: lambda s, org, tid: repo.pause_task_execution(s, org, tid, "waiting"),
    S.BLOCKED: lambda s, org, tid: repo.block_task_execution(s, org, tid, "needs a signature"),
    S.COMPLETED: lambda s, org, tid: repo.complete_task_execution(s, org, tid, {"output": "ok"}),
    S.FAILED: lambda s, org, tid: repo.fail_task_execution(s, org, tid, "boom", False),
    S.PENDING: lambda s, org, tid: execution._transition(
        repo.get_task(s, org, tid, for_update=True), S.PENDING, "reset"
    ),
}

#: How to reach each starting status from a new (pending) task, through legal moves only.
PATHS: dict[S, list[S]] = {
    S.PENDING: [],
    S.QUEUED: [S.QUEUED],
    S.IN_PROGRESS: [S.IN_PROGRESS],
    S.PAUSED: [S.IN_PROGRESS, S.PAUSED],
    S.BLOCKED: [S.IN_PROGRESS, S.BLOCKED],
    S.COMPLETED: [S.IN_PROGRESS, S.COMPLETED],
    S.FAILED: [S.IN_PROGRESS, S.FAILED],
}

PAIRS = [(a, b) for a in S for b in S]


def _task_in(db: Database, org_id: str, status: S) -> str:
    with db.session() as session:
        task_id = repo.create_task(session, org_id, f"Task starting {status.value}").id
    for step in PATHS[status]:
        with db.session() as session:
            MOVES[step](session, org_id, task_id)
    return task_id


def _snapshot(db: Database, org_id: str, task_id: str) -> dict[str, Any]:
    with db.session() as session:
        return repo.get_task(session, org_id, task_id).to_dict()


def test_table_covers_every_status() -> None:
    assert set(TRANSITIONS) == set(S)
    assert {S.COMPLETED, S.FAILED} == FINAL


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_transition_pair(db: Database, org_id: str, current: S, target: S) -> None:
    task_id = _task_in(db, org_id, current)
    before = _snapshot(db, org_id, task_id)
    assert before["execution_status"] == current.value

    if target in TRANSITIONS[current]:
        with db.session() as session:
            MOVES[target](session, org_id, task_id)
        after = _snapshot(db, org_id, task_id)
        assert after["execution_status"] == target.value
        new_entries = after["execution_log"][len(before["execution_log"]) :]
        assert after["execution_log"][: len(before["execution_log"])] == before["execution_log"]
        assert len(new_entries) == 1
        entry = new_entries[0]
        assert {"event", "executor_id", "executor_type", "timestamp"} <= set(entry)
        assert (entry["from_status"], entry["to_status"]) == (current.value, target.value)
    else:
        with pytest.raises(IllegalTransition) as raised, db.session() as session:
            MOVES[target](session, org_id, task_id)
        assert (raised.value.current, raised.value.target) == (current.value, target.value)
        assert _snapshot(db, org_id, task_id) == before
