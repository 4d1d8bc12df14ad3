"""The spec's helper functions: each one's behaviour, its org scoping and its log entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus as S
from store.enums import ExecutionType, Priority
from store.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from store.models import Task
from store.orgs import ensure_organization

SPEC_KEYS = {"event", "executor_id", "executor_type", "timestamp"}
T0 = datetime(2030, 1, 1, tzinfo=UTC)


def _new(db: Database, org_id: str, title: str = "Write the report", **fields: Any) -> str:
    with db.session() as session:
        return repo.create_task(session, org_id, title, **fields).id


def _load(db: Database, org_id: str, task_id: str) -> Task:
    with db.session() as session:
        return repo.get_task(session, org_id, task_id)


def _count_tasks(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Task)) or 0


def _events(task: Task) -> list[str]:
    return [entry["event"] for entry in task.execution_log]


def _start(db: Database, org_id: str, task_id: str) -> Task:
    with db.session() as session:
        return repo.start_task_execution(session, org_id, task_id)


@pytest.fixture
def other_org(db: Database) -> str:
    with db.session() as session:
        return ensure_organization(session, "other").id


# --- create -----------------------------------------------------------------------------


def test_new_task_is_pending_with_a_created_entry(db: Database, org_id: str) -> None:
    task = _load(db, org_id, _new(db, org_id))
    assert task.status is S.PENDING
    assert _events(task) == ["created"]
    assert set(task.execution_log[0]) >= SPEC_KEYS


@pytest.mark.parametrize(
    "title", ["Pay\x1b[2J now", "Ring\x07 the bell", "C1\x9bcontrol", "invoice\u202etxt.exe"]
)
def test_a_title_with_control_characters_is_refused_and_writes_nothing(
    db: Database, org_id: str, title: str
) -> None:
    with pytest.raises(InvalidInput, match="control characters; found U\\+"), db.session() as s:
        repo.create_task(s, org_id, title)
    with db.session() as session:
        assert repo.list_tasks(session, org_id) == []


def test_tabs_and_newlines_in_a_title_are_folded_into_spaces(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id, "Write\tthe\nreport")

    assert _load(db, org_id, task_id).title == "Write the report"


def test_empty_title_is_invalid_and_writes_nothing(db: Database, org_id: str) -> None:
    with pytest.raises(InvalidInput, match="title"), db.session() as session:
        repo.create_task(session, org_id, "   ")
    assert _count_tasks(db) == 0


def test_unknown_execution_type_is_invalid_and_writes_nothing(db: Database, org_id: str) -> None:
    with pytest.raises(InvalidInput, match="execution type"), db.session() as session:
        repo.create_task(session, org_id, "Valid title", execution_type="robotic")
    assert _count_tasks(db) == 0


def test_failed_unit_of_work_rolls_back_earlier_writes(db: Database, org_id: str) -> None:
    with pytest.raises(InvalidInput), db.session() as session:
        repo.create_task(session, org_id, "First, fine")
        repo.create_task(session, org_id, "")
    assert _count_tasks(db) == 0


# --- org scoping ------------------------------------------------------------------------


def test_another_orgs_task_is_not_found(db: Database, org_id: str, other_org: str) -> None:
    task_id = _new(db, org_id)
    with pytest.raises(NotFound), db.session() as session:
        repo.get_task(session, other_org, task_id)


@pytest.mark.parametrize(
    "call",
    [
        lambda s, org, tid: repo.add_execution_log_entry(s, org, tid, {"event": "note"}),
        lambda s, org, tid: repo.start_task_execution(s, org, tid),
        lambda s, org, tid: repo.complete_task_execution(s, org, tid, {"output": "x"}),
        lambda s, org, tid: repo.fail_task_execution(s, org, tid, "boom"),
        lambda s, org, tid: repo.block_task_execution(s, org, tid, "needs a person"),
        lambda s, org, tid: repo.create_subtask(s, org, tid, "A subtask"),
        lambda s, org, tid: repo.get_status(s, org, tid),
        lambda s, org, tid: repo.get_title(s, org, tid),
    ],
    ids=[
        "add_log_entry",
        "start",
        "complete",
        "fail",
        "block",
        "create_subtask",
        "get_status",
        "get_title",
    ],
)
def test_helpers_refuse_another_orgs_task(
    db: Database, org_id: str, other_org: str, call: Any
) -> None:
    task_id = _new(db, org_id)
    before = _load(db, org_id, task_id).to_dict()
    with pytest.raises(NotFound), db.session() as session:
        call(session, other_org, task_id)
    assert _load(db, org_id, task_id).to_dict() == before
    assert _count_tasks(db) == 1


def test_status_is_found_by_a_unique_id_prefix(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    with db.read_transaction() as conn:
        assert repo.get_status(conn, org_id, task_id[:8]) == (task_id, S.PENDING)
        with pytest.raises(NotFound):
            repo.get_status(conn, org_id, "0000dead")


# --- add_execution_log_entry -------------------------------------------------------------


def test_log_entry_is_appended_in_the_spec_shape(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    with db.session() as session:
        repo.add_execution_log_entry(
            session,
            org_id,
            task_id,
            {"event": "note", "executor_id": "alice", "executor_type": "user", "text": "hi"},
        )
    entry = _load(db, org_id, task_id).execution_log[-1]
    assert entry["event"] == "note"
    assert (entry["executor_id"], entry["executor_type"], entry["text"]) == ("alice", "user", "hi")
    assert datetime.fromisoformat(entry["timestamp"]).tzinfo is not None


def test_log_entry_keeps_earlier_entries(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    for n in range(3):
        with db.session() as session:
            repo.add_execution_log_entry(session, org_id, task_id, {"event": f"e{n}"})
    assert _events(_load(db, org_id, task_id)) == ["created", "e0", "e1", "e2"]


def test_log_entry_without_event_is_invalid(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    with pytest.raises(InvalidInput), db.session() as session:
        repo.add_execution_log_entry(session, org_id, task_id, {"text": "no event"})
    assert _events(_load(db, org_id, task_id)) == ["created"]


# --- get_executable_tasks ----------------------------------------------------------------


def test_executable_tasks_order_by_priority_first(db: Database, org_id: str) -> None:
    low = _new(db, org_id, "Low", priority=Priority.LOW, due_date=T0)
    urgent = _new(db, org_id, "Urgent", priority=Priority.URGENT)
    medium = _new(db, org_id, "Medium", priority=Priority.MEDIUM, due_date=T0)
    high = _new(db, org_id, "High", priority=Priority.HIGH)
    with db.session() as session:
        ids = [t.id for t in repo.get_executable_tasks(session, org_id)]
    assert ids == [urgent, high, medium, low]


def test_executable_tasks_order_by_due_date_with_undated_last(db: Database, org_id: str) -> None:
    undated = _new(db, org_id, "Undated")
    later = _new(db, org_id, "Later", due_date=T0 + timedelta(days=2))
    sooner = _new(db, org_id, "Sooner", due_date=T0 + timedelta(days=1))
    with db.session() as session:
        ids = [t.id for t in repo.get_executable_tasks(session, org_id)]
    assert ids == [sooner, later, undated]


def test_executable_tasks_order_by_age_last(db: Database, org_id: str) -> None:
    ids_by_age = [_new(db, org_id, f"Task {n}") for n in range(3)]
    with db.session() as session:  # make the newest task the oldest, to prove age decides
        for offset, task_id in zip((0, 2, 1), ids_by_age, strict=True):
            repo.get_task(session, org_id, task_id).created_at = T0 + timedelta(minutes=offset)
    with db.session() as session:
        ids = [t.id for t in repo.get_executable_tasks(session, org_id)]
    assert ids == [ids_by_age[0], ids_by_age[2], ids_by_age[1]]


def test_executable_tasks_are_pending_or_queued_and_automated(db: Database, org_id: str) -> None:
    pending = _new(db, org_id, "Pending")
    queued = _new(db, org_id, "Queued", execution_type=ExecutionType.SEMI_AUTOMATED)
    running = _new(db, org_id, "Running")
    _new(db, org_id, "Manual", execution_type=ExecutionType.MANUAL)
    with db.session() as session:
        repo.queue_task(session, org_id, queued)
        repo.start_task_execution(session, org_id, running)
    with db.session() as session:
        ids = {t.id for t in repo.get_executable_tasks(session, org_id)}
    assert ids == {pending, queued}


def test_executable_tasks_filter_by_execution_type(db: Database, org_id: str) -> None:
    _new(db, org_id, "Full")
    semi = _new(db, org_id, "Semi", execution_type=ExecutionType.SEMI_AUTOMATED)
    with db.session() as session:
        found = repo.get_executable_tasks(session, org_id, ExecutionType.SEMI_AUTOMATED)
        ids = [t.id for t in found]
    assert ids == [semi]


def test_executable_tasks_are_scoped_to_the_org(db: Database, org_id: str, other_org: str) -> None:
    _new(db, org_id, "Mine")
    with db.session() as session:
        assert list(repo.get_executable_tasks(session, other_org)) == []


# --- start / complete / fail / block -----------------------------------------------------


def test_start_sets_in_progress_started_at_and_executor(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    with db.session() as session:
        repo.start_task_execution(session, org_id, task_id, "worker-7", "agent")
    task = _load(db, org_id, task_id)
    assert task.status is S.IN_PROGRESS
    assert task.started_at is not None
    assert (task.assigned_to_type, task.assigned_to_id) == ("agent", "worker-7")
    entry = task.execution_log[-1]
    assert (entry["event"], entry["executor_id"], entry["executor_type"]) == (
        "started",
        "worker-7",
        "agent",
    )


def test_complete_records_result_timestamp_and_duration(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    _start(db, org_id, task_id)
    with db.session() as session:
        repo.complete_task_execution(session, org_id, task_id, {"output": "the report"})
    task = _load(db, org_id, task_id)
    assert task.status is S.COMPLETED
    assert task.result == {"output": "the report"}
    assert task.completed_at is not None and task.actual_duration_minutes is not None
    assert task.execution_log[-1]["event"] == "completed"
    assert task.execution_log[-1]["result"] == {"output": "the report"}


def test_block_records_reason_and_blocked_at(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    _start(db, org_id, task_id)
    with db.session() as session:
        repo.block_task_execution(session, org_id, task_id, "needs a card payment by a person")
    task = _load(db, org_id, task_id)
    assert task.status is S.BLOCKED
    assert task.blocked_reason == "needs a card payment by a person"
    assert task.blocked_at is not None
    assert task.execution_log[-1]["reason"] == "needs a card payment by a person"


def test_block_without_reason_is_invalid(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    _start(db, org_id, task_id)
    with pytest.raises(InvalidInput), db.session() as session:
        repo.block_task_execution(session, org_id, task_id, "  ")
    assert _load(db, org_id, task_id).status is S.IN_PROGRESS


def test_fail_without_retry_fails_with_reason(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    _start(db, org_id, task_id)
    with db.session() as session:
        repo.fail_task_execution(session, org_id, task_id, "mail server down", should_retry=False)
    task = _load(db, org_id, task_id)
    assert task.status is S.FAILED
    assert (task.failure_reason, task.retry_count) == ("mail server down", 0)
    assert task.failed_at is not None


def test_retries_requeue_until_exhausted_then_fail(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id, max_retries=2)
    seen: list[tuple[S, int]] = []
    for attempt in range(3):
        _start(db, org_id, task_id)
        with db.session() as session:
            task = repo.fail_task_execution(session, org_id, task_id, f"error {attempt}")
            seen.append((task.status, task.retry_count))
    assert seen == [(S.QUEUED, 1), (S.QUEUED, 2), (S.FAILED, 2)]
    task = _load(db, org_id, task_id)
    assert task.failure_reason == "error 2"
    assert _events(task)[1:] == [
        "started",
        "retry_scheduled",
        "started",
        "retry_scheduled",
        "started",
        "failed",
    ]


def test_requeued_task_is_executable_again(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    _start(db, org_id, task_id)
    with db.session() as session:
        repo.fail_task_execution(session, org_id, task_id, "timeout")
    with db.session() as session:
        assert [t.id for t in repo.get_executable_tasks(session, org_id)] == [task_id]


def test_failing_a_task_that_never_started_is_illegal(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    before = _load(db, org_id, task_id).to_dict()
    with pytest.raises(IllegalTransition), db.session() as session:
        repo.fail_task_execution(session, org_id, task_id, "boom")
    assert _load(db, org_id, task_id).to_dict() == before


def test_failing_a_paused_task_fails_it_without_requeue(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    _start(db, org_id, task_id)
    with db.session() as session:
        repo.pause_task_execution(session, org_id, task_id, "waiting for approval")
    with db.session() as session:
        repo.fail_task_execution(session, org_id, task_id, "approval step crashed")
    task = _load(db, org_id, task_id)
    assert (task.status, task.retry_count) == (S.FAILED, 0)


def test_every_state_change_appends_one_spec_shaped_entry(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id)
    moves = [
        lambda s: repo.queue_task(s, org_id, task_id),
        lambda s: repo.start_task_execution(s, org_id, task_id),
        lambda s: repo.block_task_execution(s, org_id, task_id, "needs a login"),
        lambda s: repo.start_task_execution(s, org_id, task_id),
        lambda s: repo.pause_task_execution(s, org_id, task_id, "approval"),
        lambda s: repo.complete_task_execution(s, org_id, task_id, {"output": "x"}),
    ]
    for move in moves:
        before = _load(db, org_id, task_id)
        with db.session() as session:
            move(session)
        after = _load(db, org_id, task_id)
        assert after.execution_log[:-1] == before.execution_log
        entry = after.execution_log[-1]
        assert set(entry) >= SPEC_KEYS
        assert (entry["from_status"], entry["to_status"]) == (
            before.execution_status,
            after.execution_status,
        )


# --- create_subtask -----------------------------------------------------------------------


def test_subtask_links_to_parent_and_is_logged_on_it(db: Database, org_id: str) -> None:
    parent_id = _new(db, org_id, "Plan the offsite")
    with db.session() as session:
        child = repo.create_subtask(
            session, org_id, parent_id, "Book the venue", "", ExecutionType.MANUAL
        )
        child_id = child.id
    child = _load(db, org_id, child_id)
    assert (child.parent_task_id, child.depth, child.type) == (parent_id, 1, ExecutionType.MANUAL)
    parent_log = _load(db, org_id, parent_id).execution_log
    assert parent_log[-1]["event"] == "subtask_created"
    assert parent_log[-1]["subtask_id"] == child_id


def test_subtasks_nest_at_most_three_levels(db: Database, org_id: str) -> None:
    task_id = _new(db, org_id, "Level 0")
    for level in (1, 2, 3):
        with db.session() as session:
            task_id = repo.create_subtask(session, org_id, task_id, f"Level {level}").id
    with pytest.raises(Conflict, match="at most 3"), db.session() as session:
        repo.create_subtask(session, org_id, task_id, "Level 4")
    assert _count_tasks(db) == 4


def test_a_parent_has_at_most_ten_subtasks(db: Database, org_id: str) -> None:
    parent_id = _new(db, org_id, "Big project")
    with db.session() as session:
        for n in range(10):
            repo.create_subtask(session, org_id, parent_id, f"Part {n}")
    with pytest.raises(Conflict, match="10 subtasks"), db.session() as session:
        repo.create_subtask(session, org_id, parent_id, "Part 10")
    assert _count_tasks(db) == 11


@pytest.mark.parametrize("title", ["Book the venue", "  book THE venue! ", "Plan the offsite"])
def test_duplicate_subtask_is_refused(db: Database, org_id: str, title: str) -> None:
    parent_id = _new(db, org_id, "Plan the offsite")
    with db.session() as session:
        repo.create_subtask(session, org_id, parent_id, "Book the venue")
    with pytest.raises(Conflict, match="already has a subtask"), db.session() as session:
        repo.create_subtask(session, org_id, parent_id, title)
    assert _count_tasks(db) == 2


def test_subtask_with_empty_title_writes_nothing(db: Database, org_id: str) -> None:
    parent_id = _new(db, org_id, "Plan the offsite")
    before = _load(db, org_id, parent_id).to_dict()
    with pytest.raises(InvalidInput), db.session() as session:
        repo.create_subtask(session, org_id, parent_id, "")
    assert _load(db, org_id, parent_id).to_dict() == before
    assert _count_tasks(db) == 1


def _decomposed(db: Database, org_id: str, n: int) -> tuple[str, list[str]]:
    parent_id = _new(db, org_id, "Plan the offsite")
    _start(db, org_id, parent_id)
    with db.session() as session:
        children = [
            repo.create_subtask(session, org_id, parent_id, f"Step {i}").id for i in range(n)
        ]
        repo.pause_task_execution(session, org_id, parent_id, "waiting on subtasks")
    return parent_id, children


def test_parent_completes_when_all_subtasks_complete(db: Database, org_id: str) -> None:
    parent_id, children = _decomposed(db, org_id, 2)
    for child in children:
        _start(db, org_id, child)
        with db.session() as session:
            repo.complete_task_execution(session, org_id, child, {"output": f"did {child}"})
    parent = _load(db, org_id, parent_id)
    assert parent.status is S.COMPLETED
    assert parent.result is not None and "All 2 subtasks completed" in parent.result["output"]


def test_parent_waits_while_a_subtask_is_unfinished(db: Database, org_id: str) -> None:
    parent_id, children = _decomposed(db, org_id, 2)
    _start(db, org_id, children[0])
    with db.session() as session:
        repo.complete_task_execution(session, org_id, children[0], {"output": "done"})
    assert _load(db, org_id, parent_id).status is S.PAUSED


def test_record_classification_appends_and_merges_without_losing_anything(
    db: Database, org_id: str
) -> None:
    with db.session() as session:
        task = repo.create_task(session, org_id, "Write the newsletter")
        task.ai_context = {"source": "import"}
        task_id, version = task.id, None
    with db.session() as session:
        version = repo.get_task(session, org_id, task_id).version
    with db.session() as session:
        repo.record_classification(
            session,
            org_id,
            task_id,
            confidence=0.75,
            context={"classification": {"strategy": "immediate"}, "model": "offline"},
            entry={"event": "classified", "node": "classify", "reason": "a newsletter"},
        )
    with db.session() as session:
        task = repo.get_task(session, org_id, task_id)
        assert task.ai_confidence == 0.75
        assert task.ai_context == {
            "source": "import",
            "model": "offline",
            "classification": {"strategy": "immediate"},
        }
        assert [e["event"] for e in task.execution_log] == ["created", "classified"]
        assert task.execution_log[-1]["reason"] == "a newsletter"
        assert task.execution_log[-1]["timestamp"]
        assert task.version == version + 1


def test_record_classification_of_another_orgs_task_is_not_found(db: Database, org_id: str) -> None:
    with db.session() as session:
        other = ensure_organization(session, "other").id
        task_id = repo.create_task(session, other, "Theirs").id
    with db.session() as session, pytest.raises(NotFound):
        repo.record_classification(
            session, org_id, task_id, confidence=0.5, context={}, entry={"event": "classified"}
        )
