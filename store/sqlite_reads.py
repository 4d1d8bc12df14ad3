"""Read-only task queries through the stdlib sqlite3 module, for the CLI's start-up.

Importing SQLAlchemy takes several times as long as `delegate tasks` may take in all
(benchmarks/cli_startup.py), so on a SQLite store whose schema is current the CLI reads
tasks straight through sqlite3. These reads answer what store.task_queries answers: the
same organization scoping, filters, order and fields, in the API's JSON shape (TaskOut);
tests hold the two to agree on the same database. Anything else (PostgreSQL, a store that
needs creating or migrating, an organization not created yet, any driver error) answers
None, and the caller goes through the repository, which handles and reports it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from store.database_url import default_database_url, sqlite_file
from store.enums import ExecutionStatus, ExecutionType
from store.errors import NotFound
from store.schema_version import migration_heads
from store.task_refs import resolve_ref

T = TypeVar("T")

#: A task's fields in the API's shape (app.api.schemas.TaskOut), in its order.
TASK_FIELDS = (
    "id",
    "org_id",
    "title",
    "description",
    "priority",
    "due_date",
    "execution_type",
    "execution_status",
    "assigned_to_type",
    "assigned_to_id",
    "workflow_id",
    "agent_id",
    "automation_rules",
    "ai_confidence",
    "ai_context",
    "result",
    "parent_task_id",
    "depth",
    "started_at",
    "blocked_at",
    "failed_at",
    "completed_at",
    "blocked_reason",
    "failure_reason",
    "retry_count",
    "max_retries",
    "next_attempt_at",
    "claim_owner",
    "lease_expires_at",
    "estimated_duration_minutes",
    "actual_duration_minutes",
    "created_at",
    "updated_at",
    "version",
)
_TIMESTAMPS = frozenset(
    {
        "due_date",
        "started_at",
        "blocked_at",
        "failed_at",
        "completed_at",
        "next_attempt_at",
        "lease_expires_at",
        "created_at",
        "updated_at",
    }
)
#: JSON columns, and what TaskOut shows for a NULL in each.
_JSON_COLUMNS: dict[str, Callable[[], Any]] = {
    "automation_rules": dict,
    "ai_context": dict,
    "result": lambda: None,
}
_SELECT_TASKS = f"SELECT {', '.join(TASK_FIELDS)} FROM tasks"
_SELECT_TASKS_WITH_LOG = f"SELECT {', '.join(TASK_FIELDS)}, execution_log FROM tasks"


class SqliteReads:
    """Reads of one SQLite store inside one read transaction (a consistent snapshot)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def organization_id(self, name: str) -> str | None:
        """The id of the organization with exactly this name (names are stored cleaned,
        so a name that needs cleaning finds none and goes through the repository)."""
        row = self._conn.execute("SELECT id FROM organizations WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def list_tasks(
        self,
        org_id: str,
        *,
        status: ExecutionStatus | None = None,
        execution_type: ExecutionType | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """store.task_queries.list_tasks: the organization's tasks, newest first."""
        where, params = ["org_id = ?"], [org_id]
        if status is not None:
            where.append("execution_status = ?")
            params.append(status.value)
        if execution_type is not None:
            where.append("execution_type = ?")
            params.append(execution_type.value)
        query = f"{_SELECT_TASKS} WHERE {' AND '.join(where)} ORDER BY created_at DESC, id LIMIT ?"
        rows = self._conn.execute(query, (*params, limit)).fetchall()
        return [task_json(row) for row in rows]

    def resolve_task_id(self, org_id: str, ref: str) -> str:
        """store.task_queries.resolve_task_id: the full id of an id or a unique prefix."""

        def exact(task_id: str) -> str | None:
            query = "SELECT id FROM tasks WHERE id = ? AND org_id = ?"
            row = self._conn.execute(query, (task_id, org_id)).fetchone()
            return None if row is None else str(row[0])

        def starting_with(prefix: str) -> list[str]:
            # The prefix is hex and dashes (resolve_ref checks): no LIKE wildcard in it.
            query = "SELECT id FROM tasks WHERE org_id = ? AND id LIKE ? || '%' LIMIT 2"
            return [str(row[0]) for row in self._conn.execute(query, (org_id, prefix))]

        return resolve_ref(ref, exact, starting_with)

    def task_with_log(self, org_id: str, task_id: str) -> dict[str, Any]:
        """The task (store.task_queries.get_task) with its execution log, as `show` prints
        it; NotFound for another organization's task."""
        query = f"{_SELECT_TASKS_WITH_LOG} WHERE id = ? AND org_id = ?"
        row = self._conn.execute(query, (task_id, org_id)).fetchone()
        if row is None:
            raise NotFound(f"no task {task_id!r}")
        data = task_json(row)
        data["execution_log"] = json.loads(row["execution_log"] or "null") or []
        return data

    def subtasks(self, org_id: str, task_id: str) -> list[dict[str, Any]]:
        """The task's direct subtasks in creation order (the ORM's `Task.subtasks`)."""
        query = f"{_SELECT_TASKS} WHERE parent_task_id = ? AND org_id = ? ORDER BY created_at"
        return [task_json(row) for row in self._conn.execute(query, (task_id, org_id))]


def task_json(row: sqlite3.Row) -> dict[str, Any]:
    """A tasks row as TaskOut dumps it in JSON mode (UTC timestamps end in `Z`)."""
    data: dict[str, Any] = {}
    for name in TASK_FIELDS:
        value = row[name]
        if name in _TIMESTAMPS:
            value = _timestamp_json(value)
        elif name in _JSON_COLUMNS:
            value = None if value is None else json.loads(value)  # SQL NULL or JSON null
            if value is None:
                value = _JSON_COLUMNS[name]()
        elif name in ("ai_confidence", "actual_duration_minutes") and value is not None:
            value = float(value)
        data[name] = value
    return data


def _timestamp_json(value: str | None) -> str | None:
    # Stored as naive UTC text (SQLAlchemy's SQLite format); shown as pydantic shows an
    # aware UTC datetime: ISO 8601, fractions only when non-zero, `Z` for UTC.
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")


@contextmanager
def _open(url: str) -> Iterator[SqliteReads | None]:
    path = sqlite_file(url)  # as SQLAlchemy opens it: relative to the working directory, no `~`
    if path is None or not path.is_file():  # connecting would create the file
        yield None
        return
    with closing(sqlite3.connect(path, timeout=30, isolation_level=None)) as conn:
        conn.row_factory = sqlite3.Row
        conn.execute("BEGIN")  # deferred: a snapshot, no write lock; closing rolls it back
        yield SqliteReads(conn) if _schema_is_current(conn) else None


def _schema_is_current(conn: sqlite3.Connection) -> bool:
    try:
        current = {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
    except sqlite3.OperationalError:  # no version table: a store not created yet
        return False
    return current == migration_heads()


def read_sqlite(read: Callable[[SqliteReads], T | None], url: str | None = None) -> T | None:
    """`read(reads)` on the store at `url` (default: the configured one) when it is a SQLite
    file with a current schema; None when it is not, when `read` answers None, or when the
    driver fails (the repository then does the work and reports any failure)."""
    try:
        with _open(url or default_database_url()) as reads:
            return None if reads is None else read(reads)
    except sqlite3.Error:
        return None
