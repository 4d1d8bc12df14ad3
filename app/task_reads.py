"""The CLI's reads of stored tasks, in the API's shape (`GET /api/tasks`).

On a SQLite store whose schema is current they go through store.sqlite_reads (stdlib
sqlite3: `delegate tasks`, `show` and `log` start without importing SQLAlchemy); otherwise
(PostgreSQL, a store to create or migrate, a new organization) through the repository, as
every other command.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from app.cli_base import current_org_id, open_db, state, task_json
from store.enums import ExecutionStatus, ExecutionType
from store.sqlite_reads import SqliteReads, read_sqlite

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

T = TypeVar("T")


def _read(
    through_sqlite: Callable[[SqliteReads, str], T],
    through_repository: Callable[[Session, str], T],
) -> T:
    """One read of the current organization's tasks: SQLite reads when they can answer,
    else the repository (each function gets its reader and the organization's id)."""

    def on_sqlite(reads: SqliteReads) -> T | None:
        org_id = reads.organization_id(state.org)
        return None if org_id is None else through_sqlite(reads, org_id)

    found = read_sqlite(on_sqlite)
    if found is not None:
        return found
    db = open_db()
    org_id = current_org_id(db)
    with db.session(org_id) as session:
        return through_repository(session, org_id)


def list_task_rows(
    *,
    status: ExecutionStatus | None = None,
    execution_type: ExecutionType | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The organization's tasks, newest first (store.tasks.list_tasks), as JSON-ready dicts."""

    def through_repository(session: Session, org_id: str) -> list[dict[str, Any]]:
        from store.tasks import list_tasks

        listed = list_tasks(
            session, org_id, status=status, execution_type=execution_type, limit=limit
        )
        return [task_json(t) for t in listed]

    return _read(
        lambda reads, org_id: reads.list_tasks(
            org_id, status=status, execution_type=execution_type, limit=limit
        ),
        through_repository,
    )


def task_detail(ref: str, *, with_subtasks: bool = True) -> dict[str, Any]:
    """The task an id or unique id prefix names, with its execution log and (when asked) its
    direct subtasks; NotFound or InvalidInput as the repository says them."""

    def through_sqlite(reads: SqliteReads, org_id: str) -> dict[str, Any]:
        data = reads.task_with_log(org_id, reads.resolve_task_id(org_id, ref))
        if with_subtasks:
            data["subtasks"] = reads.subtasks(org_id, data["id"])
        return data

    def through_repository(session: Session, org_id: str) -> dict[str, Any]:
        from store.tasks import get_task, resolve_task_id

        task = get_task(session, org_id, resolve_task_id(session, org_id, ref))
        data = task_json(task, with_log=True)
        if with_subtasks:
            data["subtasks"] = [task_json(s) for s in task.subtasks]
        return data

    return _read(through_sqlite, through_repository)
