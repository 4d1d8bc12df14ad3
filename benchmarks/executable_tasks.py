"""`get_executable_tasks` over 1,000,000 tasks: p50 under 5 ms, on SQLite and on PostgreSQL.

Fills a fresh store with one organization's tasks in bulk (SQLAlchemy Core executemany on
SQLite, COPY on PostgreSQL) in a realistic mix of statuses, types, priorities and due dates,
then times `get_executable_tasks` as its callers make it (the 50 most urgent automated tasks:
the API's default page; 100 is printed too) and a worker's claim pick over the same table
(store.queue.pick_runnable: the 50 most urgent runnable tasks, fresh or stranded, locked),
beside a same-run baseline, a primary-key lookup of one task, each in its own session.
It prints each database's query plan, so a plan that sorts the whole queue shows.

Run: `.venv/bin/python benchmarks/executable_tasks.py [--tasks N] [--runs N]
      [--postgres URL]`. Without --postgres it starts a throwaway local server when the
PostgreSQL binaries are installed (as the tests do), else measures SQLite only.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any

from sqlalchemy import insert, select

from store import tasks as repo
from store.db import ALL_ORGANIZATIONS, Database
from store.enums import ExecutionStatus, ExecutionType, Priority
from store.models import Organization, Task, new_id, utcnow
from store.queue import pick_runnable
from store.task_queries import executable_tasks_query

#: The issue's goal for the queue query.
P50_GOAL_MS = 5.0
#: How many tasks the callers ask for: GET /api/tasks/execute's default page, the worker's batch.
CALLERS_LIMIT = 50
COLUMNS = (
    "id",
    "org_id",
    "title",
    "description",
    "priority",
    "due_date",
    "execution_type",
    "execution_status",
    "execution_log",
    "automation_rules",
    "ai_context",
    "depth",
    "retry_count",
    "max_retries",
    "created_at",
    "updated_at",
    "version",
)
STATUS_MIX = [
    (ExecutionStatus.PENDING, 30),
    (ExecutionStatus.QUEUED, 5),
    (ExecutionStatus.IN_PROGRESS, 2),
    (ExecutionStatus.PAUSED, 2),
    (ExecutionStatus.BLOCKED, 3),
    (ExecutionStatus.COMPLETED, 53),
    (ExecutionStatus.FAILED, 5),
]
TYPE_MIX = [
    (ExecutionType.FULLY_AUTOMATED, 50),
    (ExecutionType.SEMI_AUTOMATED, 30),
    (ExecutionType.MANUAL, 20),
]


def _weighted(rng: random.Random, mix: list[tuple[Any, int]], count: int) -> list[str]:
    values, weights = zip(*mix, strict=True)
    return [v.value for v in rng.choices(values, weights, k=count)]


def task_rows(org_id: str, count: int, seed: int = 7) -> Iterator[tuple[Any, ...]]:
    """`count` task rows (in COLUMNS order), deterministic for a seed."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    statuses = _weighted(rng, STATUS_MIX, count)
    types = _weighted(rng, TYPE_MIX, count)
    priorities = [p.value for p in rng.choices(list(Priority), k=count)]
    for n in range(count):
        created = now - timedelta(seconds=rng.randint(0, 180 * 86_400))
        due = now + timedelta(hours=rng.randint(-720, 1440)) if rng.random() < 0.6 else None
        log = [{"event": "created", "executor_id": "user", "executor_type": "user"}]
        yield (
            new_id(),
            org_id,
            f"Task {n}: follow up on item {n % 9973}",
            "",
            priorities[n],
            due,
            types[n],
            statuses[n],
            log,
            {},
            {},
            0,
            0,
            3,
            created,
            created,
            1,
        )


def seed(db: Database, count: int) -> tuple[str, str]:
    """Insert `count` tasks for one organization; returns (org id, one task id)."""
    org_id = new_id()
    with db.session() as session:
        session.add(Organization(id=org_id, name=f"benchmark-{org_id[:8]}"))
    rows = task_rows(org_id, count)
    first: tuple[Any, ...] | None = None
    if db.is_sqlite:
        with db.transaction() as conn:
            batch: list[dict[str, Any]] = []
            for row in rows:
                first = first or row
                batch.append(dict(zip(COLUMNS, row, strict=True)))
                if len(batch) == 20_000:
                    conn.execute(insert(Task), batch)
                    batch = []
            if batch:
                conn.execute(insert(Task), batch)
    else:

        def remembering_first() -> Iterator[tuple[Any, ...]]:
            nonlocal first
            for row in rows:
                first = first or row
                yield row

        copy_tasks(db, remembering_first())
    assert first is not None
    return org_id, str(first[0])


def copy_tasks(db: Database, rows: Iterable[tuple[Any, ...]]) -> None:
    """COPY task rows (in COLUMNS order) into PostgreSQL's tasks table, then ANALYZE it."""
    from psycopg.types.json import Jsonb

    with db.engine.begin() as conn:
        # COPY refuses a table whose row-level security binds the caller: lift it for the
        # load only (the owner may), in the same transaction that puts it back.
        conn.exec_driver_sql("ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY")
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY tasks ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([Jsonb(v) if isinstance(v, (dict, list)) else v for v in row])
        conn.exec_driver_sql("ALTER TABLE tasks FORCE ROW LEVEL SECURITY")
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE tasks")


def time_calls(call: Callable[[], Any], runs: int, warmup: int = 20) -> list[float]:
    """Milliseconds per call, after `warmup` untimed calls."""
    for _ in range(warmup):
        call()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def query_plan(db: Database, org_id: str) -> str:
    """The database's plan for the default queue query."""
    with db.session() as session:
        statement = executable_tasks_query(org_id, None, limit=100)
        compiled = statement.compile(
            dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}
        )
        prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
        rows = session.connection().exec_driver_sql(prefix + str(compiled)).all()
    return "\n".join("    " + str(row[-1]) for row in rows)


def measure(name: str, db: Database, count: int, runs: int) -> bool:
    """Seed, time, print; True when the goal is met."""
    started = time.perf_counter()
    org_id, task_id = seed(db, count)
    print(f"{name}: {count:,} tasks inserted in {time.perf_counter() - started:.1f} s")

    def queue(limit: int) -> Callable[[], None]:
        def call() -> None:
            with db.read_session(org_id) as session:
                assert len(repo.get_executable_tasks(session, org_id, limit=limit)) == limit

        return call

    def by_key() -> None:
        with db.read_session(org_id) as session:
            assert session.scalars(select(Task).where(Task.id == task_id)).one()

    baseline = median(time_calls(by_key, runs))
    print(f"  plan:\n{query_plan(db, org_id)}")
    print(f"  baseline, one task by primary key: p50 {baseline:.2f} ms")
    met = True
    for limit in (CALLERS_LIMIT, 100):
        p50 = median(time_calls(queue(limit), runs))
        verdict = ""
        if limit == CALLERS_LIMIT:
            met = p50 < P50_GOAL_MS
            verdict = f"; goal < {P50_GOAL_MS:.0f} ms: " + ("met" if met else "NOT met")
        print(
            f"  get_executable_tasks ({limit} most urgent): p50 {p50:.2f} ms "
            f"({p50 / baseline:.1f}x the baseline){verdict}"
        )

    def pick() -> None:
        with db.transaction(org_id) as conn:
            assert len(pick_runnable(conn, org_id, utcnow(), CALLERS_LIMIT)) == CALLERS_LIMIT

    p50 = median(time_calls(pick, runs))
    print(
        f"  a worker's claim pick ({CALLERS_LIMIT} runnable, locked): p50 {p50:.2f} ms "
        f"({p50 / baseline:.1f}x the baseline)"
    )
    return met


@contextmanager
def postgres_url(configured: str | None) -> Iterator[str | None]:
    """The given URL, or a fresh database on a throwaway local server (None if impossible)."""
    if configured:
        yield configured
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' server helper
    from tests.fixtures.postgres import ServerUnavailable, create_app_role, local_server

    try:
        with local_server() as server:
            create_app_role(server)
            server.create_database("delegate_bench")
            yield server.url_for("delegate_bench")
    except ServerUnavailable as exc:
        print(f"PostgreSQL: skipped ({exc})")
        yield None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--postgres", help="a PostgreSQL URL (default: a throwaway server)")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        sqlite = Database(
            f"sqlite:///{Path(folder) / 'bench.db'}", default_org_id=ALL_ORGANIZATIONS
        )
        sqlite.upgrade()
        results.append(measure("SQLite", sqlite, args.tasks, args.runs))
        sqlite.dispose()
    with postgres_url(args.postgres) as url:
        if url is not None:
            pg_db = Database(url, default_org_id=ALL_ORGANIZATIONS)
            pg_db.upgrade()
            results.append(measure("PostgreSQL", pg_db, args.tasks, args.runs))
            pg_db.dispose()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
