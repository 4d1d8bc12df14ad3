"""Reading tasks: by id or prefix, lists, and the executable queue (most urgent first)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, Row, Select, String, bindparam, func, select
from sqlalchemy.orm import Session

from store import queue, task_rows
from store.db import Transaction
from store.enums import ExecutionStatus, ExecutionType
from store.errors import NotFound
from store.models import Task
from store.task_refs import resolve_ref
from store.task_rows import TASKS

S = ExecutionStatus


#: Built once: every helper loads its task through these, and building the statement (not
#: running it) was a third of each lookup's cost.
_TASK_BY_ID = select(Task).where(
    Task.id == bindparam("task_id"), Task.org_id == bindparam("org_id")
)
_TASK_BY_ID_FOR_UPDATE = _TASK_BY_ID.with_for_update()
_TASK_ID_BY_ID = select(Task.id).where(
    Task.id == bindparam("task_id"), Task.org_id == bindparam("org_id")
)
_TITLE_BY_ID = select(TASKS.c.title).where(
    TASKS.c.id == bindparam("task_id"), TASKS.c.org_id == bindparam("org_id")
)


def get_task(session: Session, org_id: str, task_id: str, *, for_update: bool = False) -> Task:
    """The task with this id in this organization; NotFound otherwise (other orgs included)."""
    query = _TASK_BY_ID_FOR_UPDATE if for_update else _TASK_BY_ID
    task = session.scalars(query, {"task_id": task_id, "org_id": org_id}).first()
    if task is None:
        raise NotFound(f"no task {task_id!r}")
    return task


def get_status(tx: Transaction, org_id: str, ref: str) -> tuple[str, ExecutionStatus]:
    """The full id and status of the task with this id or unique id prefix.

    No ORM object: runners ask this before every run (and the row read is what the run's
    first write starts from, see store.task_rows)."""
    ref = (ref or "").strip()
    row = task_rows.read(tx, org_id, ref)
    if row is None:
        full_id = resolve_task_id(tx, org_id, ref)
        row = task_rows.read(tx, org_id, full_id)
        if row is None:
            raise NotFound(f"no task {ref!r}")
    return row.id, row.status


def get_title(tx: Transaction, org_id: str, task_id: str) -> str:
    """The title of a task of this organization (NotFound otherwise)."""
    title = tx.scalar(_TITLE_BY_ID, {"task_id": task_id, "org_id": org_id})
    if title is None:
        raise NotFound(f"no task {task_id!r}")
    return str(title)


def get_task_by_ref(session: Session, org_id: str, ref: str) -> Task:
    """The task with this id, or with this unique id prefix (as people type them)."""
    ref = (ref or "").strip()
    task = session.scalars(_TASK_BY_ID, {"task_id": ref, "org_id": org_id}).first()
    return task or get_task(session, org_id, resolve_task_id(session, org_id, ref))


def resolve_task_id(tx: Transaction, org_id: str, ref: str) -> str:
    """A full task id from an id or a unique prefix of one (as people type them)."""
    return resolve_ref(
        ref,
        lambda full_id: tx.scalar(_TASK_ID_BY_ID, {"task_id": full_id, "org_id": org_id}),
        lambda prefix: tx.scalars(
            select(Task.id).where(Task.org_id == org_id, Task.id.startswith(prefix)).limit(2)
        ).all(),
    )


def list_tasks(
    session: Session,
    org_id: str,
    *,
    status: ExecutionStatus | None = None,
    execution_type: ExecutionType | None = None,
    parent_task_id: str | None = None,
    top_level_only: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[Task]:
    """The organization's tasks, newest first, optionally filtered."""
    query = select(Task).where(Task.org_id == org_id)
    if status is not None:
        query = query.where(Task.execution_status == status.value)
    if execution_type is not None:
        query = query.where(Task.execution_type == execution_type.value)
    if parent_task_id is not None:
        query = query.where(Task.parent_task_id == parent_task_id)
    elif top_level_only:
        query = query.where(Task.parent_task_id.is_(None))
    query = query.order_by(Task.created_at.desc(), Task.id).limit(limit).offset(offset)
    return session.scalars(query).all()


#: What the queue shows of a task: every column but the execution log, which grows with
#: every step and which no list shows (GET /api/tasks/execute answers TaskOut).
QUEUE_COLUMNS = tuple(c for c in TASKS.c if c.name != "execution_log")


def _queue_statement(types: tuple[str, ...], *, untyped: bool = False) -> Select[Any]:
    return (
        select(*QUEUE_COLUMNS)
        .where(
            TASKS.c.org_id == bindparam("org_id", type_=String),
            queue.queued_filter(types, untyped=untyped),
        )
        .order_by(*queue.urgency_order())
        .limit(bindparam("limit", type_=Integer))
    )


#: The queue statement per execution-type filter, built once: building it costs more than
#: running it against its index.
_QUEUE_STATEMENTS: dict[ExecutionType | None, Select[Any]] = {
    None: _queue_statement(queue.AUTOMATED, untyped=True),
    **{t: _queue_statement((t.value,)) for t in ExecutionType},
}


def executable_tasks_query(
    org_id: str, execution_type: ExecutionType | None = None, *, limit: int = 100
) -> Select[Any]:
    """The queue: pending or queued automated or untyped tasks, most urgent first (served by
    ix_tasks_executable_queue, see store.queue)."""
    return _QUEUE_STATEMENTS[execution_type].params(org_id=org_id, limit=limit)


def get_executable_tasks(
    tx: Transaction,
    org_id: str,
    execution_type: ExecutionType | None = None,
    *,
    limit: int = 100,
) -> Sequence[Row[Any]]:
    """Pending or queued automated tasks, most urgent first: priority, due date, age.

    Rows of `QUEUE_COLUMNS` (attributes named as the `Task` model's), read with one Core
    statement that walks the queue's index: no ORM object and no execution log per task,
    which were most of this call's cost."""
    statement = _QUEUE_STATEMENTS[execution_type]
    params = {"org_id": org_id, "limit": limit}
    return task_rows.connection_of(tx).execute(statement, params).all()


def count_tasks_by_status(session: Session, org_id: str) -> dict[str, int]:
    rows = session.execute(
        select(Task.execution_status, func.count())
        .where(Task.org_id == org_id)
        .group_by(Task.execution_status)
    ).all()
    return {status: count for status, count in rows}
