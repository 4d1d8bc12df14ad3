"""The executable-tasks queue is read from its index in queue order, never sorted whole."""

from __future__ import annotations

from sqlalchemy import text

from store.db import Database
from store.task_queries import executable_tasks_query


def _plan(db: Database, org_id: str) -> str:
    statement = executable_tasks_query(org_id, limit=100)
    sql = str(statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    with db.read_transaction(org_id) as conn:
        if db.is_sqlite:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql).all()
        else:  # an empty table is cheaper to scan: ask whether the index *can* serve it
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            conn.execute(text("SET LOCAL enable_sort = off"))
            rows = conn.exec_driver_sql("EXPLAIN " + sql).all()
    return "\n".join(str(row[-1]) for row in rows)


def test_the_queue_query_walks_its_partial_index_without_a_sort(db: Database, org_id: str) -> None:
    plan = _plan(db, org_id)

    assert "ix_tasks_executable_queue" in plan
    assert "TEMP B-TREE" not in plan  # SQLite's sort
    assert "Sort" not in plan  # PostgreSQL's
