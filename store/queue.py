"""The queue: which tasks are runnable, most urgent first, in statements their indexes serve.

The tasks table is the queue; a task row is the job. Two indexes serve it:
- ix_tasks_executable_queue (migration task_execution_type_unset), partial: pending or queued
  tasks that are automated or untyped, in urgency order (organization, priority rank, due
  date with undated last, age, id). Its first entries are the most urgent fresh tasks: no
  sort, however long the queue.
- ix_tasks_org_lease (0009_run_claims): organization, status, lease expiry. A range scan of it
  finds the runs whose owner stopped renewing its lease (stranded runs, few by nature).
A planner uses a partial index only when the query's filter implies the index's predicate,
which SQLite and PostgreSQL decide on the SQL text: statuses and types are rendered into it
as literals (`constant`), never bound. A worker's pick (`pick_runnable`) reads both scans, as
one OR filter would defeat both indexes (the whole queue read and sorted per claim).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Integer, Select, String, and_, bindparam, case, literal, or_
from sqlalchemy import select as select_

from store.enums import ExecutionStatus, ExecutionType, Priority
from store.models import UTCDateTime
from store.task_rows import TASKS

S = ExecutionStatus

AUTOMATED = (ExecutionType.FULLY_AUTOMATED.value, ExecutionType.SEMI_AUTOMATED.value)
#: Fresh work: a worker runs these once their next attempt time has come.
RUNNABLE_NOW = (S.PENDING.value, S.QUEUED.value)
#: A run in these whose claim's lease expired was stranded by its owner.
STRANDED = (S.IN_PROGRESS.value, S.PAUSED.value)

#: The time a statement compares leases and attempt times with, bound per call.
NOW = bindparam("now", type_=UTCDateTime())


def constant(value: Any) -> Any:
    """A value rendered into the SQL text, so a partial index's predicate matches it."""
    return literal(value, literal_execute=True)


def urgency_order(c: Any = TASKS.c) -> tuple[Any, ...]:
    """Most urgent first: priority rank, due date (undated last), age, id; over the tasks
    table's columns, or those of a subquery of them (`c`)."""
    rank = case(
        *((c.priority == constant(p.value), constant(p.rank)) for p in Priority),
        else_=constant(Priority.MEDIUM.rank),
    )
    return (rank, c.due_date.is_(None), c.due_date, c.created_at, c.id)


def queued_filter(types: tuple[str, ...], *, untyped: bool) -> Any:
    """Pending or queued tasks of these execution types (and untyped ones, whose first
    classification gives them the AI's type): ix_tasks_executable_queue's predicate."""
    typed: Any = TASKS.c.execution_type.in_([constant(v) for v in types])
    if untyped:
        typed = or_(typed, TASKS.c.execution_type.is_(None))
    return and_(TASKS.c.execution_status.in_([constant(v) for v in RUNNABLE_NOW]), typed)


def unowned(now: Any) -> Any:
    """No live claim holds the task."""
    return or_(TASKS.c.claim_owner.is_(None), TASKS.c.lease_expires_at <= now)


def fresh_filter(now: Any) -> Any:
    """Automated or untyped pending or queued tasks whose next attempt time has come and
    that no live claim holds."""
    return and_(
        queued_filter(AUTOMATED, untyped=True),
        or_(TASKS.c.next_attempt_at.is_(None), TASKS.c.next_attempt_at <= now),
        unowned(now),
    )


def stranded_filter(now: Any) -> Any:
    """Runs whose owner stopped: in_progress tasks whose claim's lease expired, and paused
    tasks an approver claimed (its decision recorded) and then stopped renewing (a LangGraph
    server run claims its task too: graphs/run_claims.py). An in_progress task no claim
    names is not taken over: `recover` it by id."""
    return and_(
        TASKS.c.execution_status.in_([constant(v) for v in STRANDED]),
        TASKS.c.claim_owner.is_not(None),
        TASKS.c.lease_expires_at <= now,
    )


def runnable_filter(now: Any) -> Any:
    """What a worker may claim now: fresh tasks (`fresh_filter`) and stranded runs
    (`stranded_filter`). Blocked tasks and paused tasks that wait for a person run only
    after a person acts."""
    return or_(fresh_filter(now), stranded_filter(now))


def _pick(condition: Any) -> Select[Any]:
    return (
        select_(TASKS.c.id, TASKS.c.priority, TASKS.c.due_date, TASKS.c.created_at)
        .where(TASKS.c.org_id == bindparam("org_id", type_=String), condition)
        .order_by(*urgency_order())
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
    )


# Built once: building a statement costs more than running it against its index.
_PICK_FRESH = _pick(fresh_filter(NOW))
_PICK_STRANDED = _pick(stranded_filter(NOW))

_RANKS = {p.value: p.rank for p in Priority}


def _urgency(row: Any) -> tuple[Any, ...]:
    return urgency_key(row._mapping)


def urgency_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """`urgency_order` for a task's picked or claimed row (a NULL due date is never compared:
    it sorts last)."""
    due_last = row["due_date"] is None
    return (
        _RANKS.get(row["priority"], Priority.MEDIUM.rank),
        due_last,
        row["created_at"] if due_last else row["due_date"],
        row["created_at"],
        row["id"],
    )


def pick_runnable(
    conn: Connection, org_id: str, now: datetime, limit: int, *, stranded_only: bool = False
) -> list[str]:
    """The ids of up to `limit` runnable tasks, most urgent first, locked for this
    transaction. On PostgreSQL rows other transactions hold are skipped (`FOR UPDATE SKIP
    LOCKED`); on SQLite the caller's write transaction is the lock. Two index scans: the
    stranded runs, then the fresh tasks (`stranded_only`: the first alone)."""
    params = {"org_id": org_id, "now": now, "limit": limit}
    stranded = conn.execute(_PICK_STRANDED, params).all()
    if stranded_only:
        return [row.id for row in stranded]
    fresh = conn.execute(_PICK_FRESH, params).all()
    if stranded:  # rare: a few rows, merged in the order one sorted scan would give
        fresh = sorted([*stranded, *fresh], key=_urgency)[:limit]
    return [row.id for row in fresh]
