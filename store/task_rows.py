"""A task row for the lifecycle's writes: read with one Core SELECT, saved with one checked
UPDATE.

Every step of every run changes its task (started, classified, completed), so these writes
are the store's hot path. Through the ORM's unit of work each one cost about twice a plain
statement pair (benchmarks/graph_overhead.py); here the row is read into a `TaskRow` (the
model's column names as plain attributes), changed in memory by the lifecycle code, and saved
with one UPDATE of the changed columns that also checks and bumps the version counter. Both
statements run inside the caller's transaction — an ORM session's or a Core connection's
(Database.transaction, cheaper still) — so a failure still rolls back everything.

On PostgreSQL the UPDATE goes straight through the connection's psycopg connection (same
transaction, same values, errors raised as SQLAlchemy's): SQLAlchemy's execution of it cost
as much client CPU as the round trip itself, on the write every claimed run makes.

The row this process last read or wrote of a task is remembered, and the next write starts
from it instead of a SELECT: that UPDATE lands only if the stored row is still the same one,
else the write is decided again on a fresh, locked read (`change`).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import JSON, Connection, Table, Update, bindparam, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from store.db import Database, Transaction
from store.enums import ExecutionStatus
from store.errors import Conflict, DelegateError, NotFound
from store.fencing import check_token, held_claim
from store.models import Task, UTCDateTime, utcnow

#: The tasks table, for Core statements (the model's __table__, typed as a Table).
TASKS = cast(Table, Task.__table__)
#: Columns a lifecycle write never changes.
_FIXED = frozenset({"id", "org_id", "created_at", "version", "updated_at"})

_ROW = select(TASKS).where(
    TASKS.c.id == bindparam("task_id"), TASKS.c.org_id == bindparam("org_id")
)
_ROW_FOR_UPDATE = _ROW.with_for_update()

#: One prebuilt UPDATE per set of changed columns (a handful of sets occur in practice).
_UPDATES: dict[frozenset[str], Update] = {}


def _update_for(columns: frozenset[str]) -> Update:
    statement = _UPDATES.get(columns)
    if statement is None:
        statement = (
            update(TASKS)
            .where(
                TASKS.c.id == bindparam("_id"),
                TASKS.c.version == bindparam("_version"),
                TASKS.c.updated_at == bindparam("_updated_before"),
            )
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


#: PostgreSQL: the same UPDATE as SQL text for psycopg, per set of changed columns.
_PG_UPDATES: dict[frozenset[str], str] = {}
_JSON_COLUMNS = frozenset(c.name for c in TASKS.c if isinstance(c.type, JSON))
_TIME_COLUMNS = frozenset(c.name for c in TASKS.c if isinstance(c.type, UTCDateTime))
_TIME = UTCDateTime()


def _update_on_postgres(conn: Connection, columns: frozenset[str], params: dict[str, Any]) -> int:
    """`_update_for(columns)` sent through the connection's psycopg connection, in its
    transaction: SQLAlchemy's statement execution cost as much client CPU as psycopg's
    round trip (benchmarks/claim_throughput.py), on a write every step of every run makes."""
    return _send_update(conn.connection.driver_connection, conn.dialect, columns, params)


def _send_update(driver: Any, dialect: Any, columns: frozenset[str], params: dict[str, Any]) -> int:
    """The checked UPDATE on a psycopg connection: the rows it changed. Values are adapted as
    the model's types would (JSON as jsonb, timestamps in UTC); a driver error is raised as
    SQLAlchemy's would be (DBAPIError)."""
    from psycopg import Error
    from psycopg.types.json import Jsonb

    sql = _PG_UPDATES.get(columns)
    if sql is None:
        sets = [f"{name} = %({name})s" for name in sorted(columns)]
        sets += ["updated_at = %(_updated_at)s", "version = %(_new_version)s"]
        sql = _PG_UPDATES[columns] = (
            f"UPDATE tasks SET {', '.join(sets)} WHERE id = %(_id)s AND version = %(_version)s"
            " AND updated_at = %(_updated_before)s"
        )
    for name in columns & _JSON_COLUMNS:
        params[name] = Jsonb(params[name])  # None too: JSON null, as the model's JSON type
    for name in columns & _TIME_COLUMNS:
        params[name] = _TIME.process_bind_param(params[name], dialect)
    try:
        with driver.cursor() as cursor:
            cursor.execute(sql, params)
            return int(cursor.rowcount)
    except Error as exc:
        raise DBAPIError.instance(sql, params, exc, Error) from exc


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


def read(tx: Transaction, org_id: str, task_id: str) -> TaskRow | None:
    """The task's row as stored now (no lock), or None if this organization has no such task.

    Remembered as the next write's starting point: a runner reads the task before it runs
    it, and the run's first write then needs no SELECT of its own."""
    conn = connection_of(tx)
    row = conn.execute(_ROW, {"task_id": task_id, "org_id": org_id}).mappings().first()
    if row is None:
        return None
    values = dict(row)
    _remember(conn.engine.pool, values)  # keeps its own copy
    return TaskRow(values)


def save(tx: Transaction, task: TaskRow) -> TaskRow:
    """Write the columns set on `task`; Conflict if another writer changed the row since it
    was loaded."""
    if not _write(tx, task):
        raise Conflict(f"task {task.id} was changed by another writer; try again")
    return task


def change(
    tx: Transaction, org_id: str, task_id: str, *applies: Callable[[TaskRow], None]
) -> TaskRow:
    """Read the task, apply changes to it in order, and save it once: the lifecycle's one
    write path. Several changes back to back (a run started and finished at once) are one
    UPDATE, as one change is.

    The row as this process last read or wrote it stands in for the SELECT; the UPDATE only lands if
    the stored row is still exactly that one (its version counter and updated_at). If it is
    not — another writer came between, or a change refused what may be a stale row — the row
    is read afresh, locked, and the changes decide again on it.

    A run holding a claim on the task (store.fencing) writes only while the stored fencing
    token is its own: a claim changes the row, so a remembered row with the run's token still
    matches only if no newer claim came; on the locked read the token is checked (StaleClaim)."""
    remembered = _recall(connection_of(tx).engine.pool, org_id, task_id)
    claim = held_claim(task_id)
    if remembered is not None and claim is not None and remembered["claim_token"] != claim.token:
        remembered = None
    if remembered is not None:
        task = TaskRow(remembered)
        try:
            for apply in applies:
                apply(task)
        except DelegateError:
            pass  # decided on a row that may be stale: decide again on the stored one
        else:
            if task._changed and _write(tx, task):
                return task
    task = load_for_update(tx, org_id, task_id)
    check_token(task_id, task.claim_token)
    for apply in applies:
        apply(task)
    return save(tx, task)


def change_alone(
    db: Database,
    org_id: str,
    task_id: str,
    *applies: Callable[[TaskRow], None],
    alone: Callable[[TaskRow], bool] | None = None,
) -> TaskRow | None:
    """`change` for a write that is its whole transaction, as one statement: on PostgreSQL,
    the checked UPDATE from the row this process remembers (a claim remembers the rows it
    took), sent in autocommit — one round trip instead of three (BEGIN, UPDATE, COMMIT).

    None when it cannot be one statement, and nothing was written: on SQLite; with no
    remembered row, or one of another claim than the run holds; when a change refuses the
    remembered row or `alone` says the changed row needs more in its transaction (a finished
    subtask's parent); or when the stored row is no longer the remembered one (another
    writer, or a newer claim: a claim changes the row). The caller then writes in a
    transaction with `change`, which decides on the stored row, locked, and fences a stale
    claim off (StaleClaim) — so the fence holds as on every other write."""
    if db.is_sqlite:
        return None
    remembered = _recall(db.engine.pool, org_id, task_id)
    claim = held_claim(task_id)
    if remembered is None or (claim is not None and remembered["claim_token"] != claim.token):
        return None
    task = TaskRow(remembered)
    try:
        for apply in applies:
            apply(task)
    except DelegateError:
        return None  # decided on a row that may be stale: decide again on the stored one
    if not task._changed or (alone is not None and not alone(task)):
        return None
    values, changed = task._values, task._changed
    params, now = _update_params(values, changed)
    with db.autocommit(org_id) as driver:
        written = _send_update(driver, db.engine.dialect, frozenset(changed), params)
    if written != 1:
        _forget(db.engine.pool, task_id)
        return None
    _saved(db.engine.pool, values, now)
    changed.clear()
    return task


def _update_params(values: dict[str, Any], changed: set[str]) -> tuple[dict[str, Any], Any]:
    """The checked UPDATE's parameters for the changed columns, and the new updated_at."""
    now = utcnow()
    version = values["version"]
    params = {
        **{name: values[name] for name in changed},
        "_id": values["id"],
        "_version": version,
        "_updated_before": values["updated_at"],
        "_new_version": version + 1,
        "_updated_at": now,
    }
    return params, now


def _saved(pool: Pool, values: dict[str, Any], now: Any) -> None:
    """The row as the UPDATE stored it, remembered as the next write's starting point."""
    values.update(version=values["version"] + 1, updated_at=now)
    _remember(pool, values)


def _write(tx: Transaction, task: TaskRow) -> bool:
    """One UPDATE of the changed columns, if the row is still the one `task` was read from
    (False otherwise). In a session, its identity map's copy of the task is expired, so the
    session's next ORM read of it sees this write."""
    values, changed = task._values, task._changed
    if not changed:
        return True
    conn = connection_of(tx)
    params, now = _update_params(values, changed)
    columns = frozenset(changed)
    if conn.dialect.driver == "psycopg":  # PostgreSQL through psycopg 3, the project's driver
        written = _update_on_postgres(conn, columns, params)
    else:
        written = conn.execute(_update_for(columns), params).rowcount  # type: ignore[attr-defined]
    if written != 1:
        _forget(conn.engine.pool, values["id"])
        return False
    _saved(conn.engine.pool, values, now)
    changed.clear()
    if isinstance(tx, Session):
        cached = tx.identity_map.get(tx.identity_key(Task, values["id"]))
        if cached is not None:
            tx.expire(cached)
    return True


# --- the rows this process last read or wrote ------------------------------------------------

#: How many tasks' rows each database keeps in memory.
REMEMBERED_ROWS = 256

# A remembered row is only ever a starting point: a write from it lands only if the stored
# row still has the same version and updated_at, a pair no other write repeats (a write that
# was rolled back leaves a pair that is never stored). So rows written in transactions that
# later roll back, or changed by other processes since, are harmless here.
# Keyed by the engine's connection pool: the database's read-only engine shares it.
_remembered: weakref.WeakKeyDictionary[Pool, OrderedDict[str, dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)
_remembered_lock = threading.Lock()


def _rows_of(pool: Pool) -> OrderedDict[str, dict[str, Any]]:
    rows = _remembered.get(pool)
    if rows is None:
        rows = _remembered.setdefault(pool, OrderedDict())
    return rows


def _remember(pool: Pool, values: dict[str, Any]) -> None:
    with _remembered_lock:
        rows = _rows_of(pool)
        rows[values["id"]] = dict(values)
        rows.move_to_end(values["id"])
        while len(rows) > REMEMBERED_ROWS:
            rows.popitem(last=False)


def _recall(pool: Pool, org_id: str, task_id: str) -> dict[str, Any] | None:
    with _remembered_lock:
        values = _rows_of(pool).get(task_id)
    if values is None or values["org_id"] != org_id:
        return None
    return dict(values)


def remember(conn: Connection, values: dict[str, Any]) -> None:
    """Keep a task's whole row as a statement returned it after changing it (a claim's
    UPDATE ... RETURNING), as the next write's starting point."""
    _remember(conn.engine.pool, values)


def remember_rows(db: Database, rows: list[dict[str, Any]]) -> None:
    """`remember` each of these whole rows of the database's tasks (a claim's, returned by a
    statement sent outside SQLAlchemy)."""
    for values in rows:
        _remember(db.engine.pool, values)


def forget(conn: Connection, task_id: str) -> None:
    """Drop the remembered row of a task (its stored row was changed outside `change`)."""
    _forget(conn.engine.pool, task_id)


def _forget(pool: Pool, task_id: str) -> None:
    with _remembered_lock:
        _rows_of(pool).pop(task_id, None)
