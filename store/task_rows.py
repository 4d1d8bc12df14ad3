"""A task row for the lifecycle's writes: one Core SELECT ... FOR UPDATE, one checked UPDATE.

Every step of every run changes its task (started, classified, completed), so these writes
are the store's hot path. Through the ORM's unit of work each one cost about twice a plain
statement pair (benchmarks/graph_overhead.py); here the row is read into a `TaskRow` (the
model's column names as plain attributes), changed in memory by the lifecycle code, and saved
with one UPDATE of the changed columns that also checks and bumps the version counter. Both
statements run inside the caller's transaction — an ORM session's or a Core connection's
(Database.transaction, cheaper still) — so a failure still rolls back everything.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, Update, bindparam, select, update
from sqlalchemy.orm import Session

from store.db import Transaction
from store.enums import ExecutionStatus, ExecutionType
from store.errors import Conflict, NotFound
from store.models import Task, utcnow

_TABLE = cast(Table, Task.__table__)
_COLUMNS = tuple(column.key for column in _TABLE.columns)
#: Columns a lifecycle write never changes.
_FIXED = frozenset({"id", "org_id", "created_at", "version", "updated_at"})

_ROW_FOR_UPDATE = (
    select(_TABLE)
    .where(_TABLE.c.id == bindparam("task_id"), _TABLE.c.org_id == bindparam("org_id"))
    .with_for_update()
)

#: One prebuilt UPDATE per set of changed columns (a handful of sets occur in practice).
_UPDATES: dict[frozenset[str], Update] = {}


def _update_for(columns: frozenset[str]) -> Update:
    statement = _UPDATES.get(columns)
    if statement is None:
        statement = (
            update(_TABLE)
            .where(_TABLE.c.id == bindparam("_id"), _TABLE.c.version == bindparam("_version"))
            .values(
                {
                    **{name: bindparam(name) for name in sorted(columns)},
                    "updated_at": bindparam("_updated_at"),
                    "version": bindparam("_new_version"),
                }
            )
        )
        _UPDATES[columns] = statement
    return statement


class TaskRow:
    """One task's stored columns as plain attributes, with the names of the `Task` model.

    Read and set them like a `Task`'s; `save` writes the ones that were set. No ORM
    instrumentation: building an ORM object per write cost as much as the write itself."""

    __slots__ = ("_changed", "_values")
    _values: dict[str, Any]
    _changed: set[str]

    def __init__(self, values: dict[str, Any]) -> None:
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_changed", set())

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"a task has no column {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._values or name in _FIXED:
            raise AttributeError(f"a lifecycle write cannot set {name!r}")
        self._values[name] = value
        self._changed.add(name)

    @property
    def status(self) -> ExecutionStatus:
        return ExecutionStatus(self._values["execution_status"])

    @property
    def type(self) -> ExecutionType:
        return ExecutionType(self._values["execution_type"])

    def to_dict(self) -> dict[str, Any]:
        """Every column as JSON-ready values (the shape of `Task.to_dict`)."""
        return {
            name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in self._values.items()
        }


def connection_of(tx: Transaction) -> Connection:
    """The Core connection of a transaction. A session's pending ORM changes are flushed
    first, so what is read next includes them (a Core statement does not autoflush)."""
    if isinstance(tx, Session):
        tx.flush()
        return tx.connection()
    return tx


def load_for_update(tx: Transaction, org_id: str, task_id: str) -> TaskRow:
    """The task's row, locked for this transaction; NotFound outside this organization."""
    row = (
        connection_of(tx)
        .execute(_ROW_FOR_UPDATE, {"task_id": task_id, "org_id": org_id})
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no task {task_id!r}")
    return TaskRow(dict(row))


def save(tx: Transaction, task: TaskRow) -> TaskRow:
    """Write the columns set on `task`; Conflict if another writer changed the row since it
    was loaded. In a session, its identity map's copy of the task is expired, so the
    session's next ORM read of it sees this write."""
    values, changed = task._values, task._changed
    if not changed:
        return task
    now = utcnow()
    version = values["version"]
    result = connection_of(tx).execute(
        _update_for(frozenset(changed)),
        {
            **{name: values[name] for name in changed},
            "_id": values["id"],
            "_version": version,
            "_new_version": version + 1,
            "_updated_at": now,
        },
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"task {values['id']} was changed by another writer; try again")
    values.update(version=version + 1, updated_at=now)
    changed.clear()
    if isinstance(tx, Session):
        cached = tx.identity_map.get(tx.identity_key(Task, values["id"]))
        if cached is not None:
            tx.expire(cached)
    return task
