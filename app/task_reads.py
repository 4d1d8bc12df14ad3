"""The CLI's reads of stored tasks, in the API's shape (`GET /api/tasks`).

On a SQLite store whose schema is current they go through store.sqlite_reads (stdlib
sqlite3: `delegate tasks` starts without importing SQLAlchemy); otherwise (PostgreSQL, a
store to create or migrate, a new organization) through the repository, as every command.
"""

from __future__ import annotations

from typing import Any

from app.cli_base import current_org_id, open_db, state, task_json
from store.enums import ExecutionStatus, ExecutionType
from store.sqlite_reads import SqliteReads, read_sqlite


def list_task_rows(
    *,
    status: ExecutionStatus | None = None,
    execution_type: ExecutionType | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The organization's tasks, newest first (store.tasks.list_tasks), as JSON-ready dicts."""

    def through_sqlite(reads: SqliteReads) -> list[dict[str, Any]] | None:
        org_id = reads.organization_id(state.org)
        if org_id is None:
            return None
        return reads.list_tasks(org_id, status=status, execution_type=execution_type, limit=limit)

    rows = read_sqlite(through_sqlite)
    if rows is not None:
        return rows
    from store.tasks import list_tasks

    db = open_db()
    org_id = current_org_id(db)
    with db.session() as session:
        tasks = list_tasks(
            session, org_id, status=status, execution_type=execution_type, limit=limit
        )
        return [task_json(t) for t in tasks]
