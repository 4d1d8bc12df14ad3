"""Claim-and-complete of no-op tasks, 8 worker processes on PostgreSQL: 2,000 a second or more.

Each worker process takes batches with Delegate's own claim (store.claims.claim_batch: one
autocommit statement, `FOR UPDATE SKIP LOCKED`) and runs each claimed task's lifecycle under its
claim's fence (store.execution: started, then completed, with their log entries, in one
transaction per task; `apply_changes` writes the two back-to-back changes as one checked
UPDATE of the row the claim remembered, given the Database, as the runner's nodes write: on
PostgreSQL that UPDATE alone, in autocommit) — a no-op task's run without the graph. The
baseline, measured in the same run on the same server, by as many processes over as many
tasks of the same table: a bare psycopg loop of `SELECT ... FOR UPDATE SKIP LOCKED` +
`UPDATE` (the claim) and one `UPDATE` per task (the completion), with none of Delegate's
checks, fence or log.

Afterwards every task must be completed exactly once (one `completed` log entry each), or the
figure does not count.

Run: `.venv/bin/python benchmarks/claim_throughput.py [--tasks N] [--workers N] [--batch N]
      [--postgres URL]`. Without --postgres it starts a throwaway local server (as the tests do).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from executable_tasks import copy_tasks, postgres_url
from sqlalchemy import text
from sqlalchemy.engine import make_url

from store import claims
from store.db import ALL_ORGANIZATIONS, Database
from store.execution import apply_changes, completing, starting
from store.models import Organization, new_id

#: The issue's goal: completed claims per second across the fleet.
GOAL_PER_SECOND = 2_000
# The baseline's statements: the queue's own index (migration task_execution_type_unset)
# serves its SELECT as it serves Delegate's.
RANK = (
    "CASE WHEN priority = 'urgent' THEN 0 WHEN priority = 'high' THEN 1 "
    "WHEN priority = 'medium' THEN 2 WHEN priority = 'low' THEN 3 ELSE 2 END"
)
BARE_PICK = (
    "SELECT id FROM tasks WHERE org_id = %s AND execution_status IN ('pending', 'queued') "
    "AND (execution_type IN ('fully_automated', 'semi_automated') OR execution_type IS NULL) "
    f"ORDER BY {RANK}, due_date IS NULL, due_date, created_at, id "
    "LIMIT %s FOR UPDATE SKIP LOCKED"
)
BARE_CLAIM = (
    "UPDATE tasks SET execution_status = 'in_progress', claim_owner = %s, "
    "claim_token = claim_token + 1 WHERE id = ANY(%s)"
)
BARE_COMPLETE = "UPDATE tasks SET execution_status = 'completed', claim_owner = NULL WHERE id = %s"


def seed(db: Database, count: int) -> str:
    """One organization with `count` pending no-op tasks (COPY); returns its id."""
    org_id = new_id()
    with db.session() as session:
        session.add(Organization(id=org_id, name=f"claims-{org_id[:8]}"))
    now = datetime.now(UTC)
    log = [{"event": "created", "executor_id": "user", "executor_type": "user"}]

    def rows() -> Iterator[tuple[Any, ...]]:  # in executable_tasks.COLUMNS order
        for n in range(count):
            created = now - timedelta(milliseconds=count - n)
            row = [new_id(), org_id, f"No-op {n}", "", "medium", None, "fully_automated"]
            row += ["pending", log, {}, {}, 0, 0, 3, created, created, 1]
            yield tuple(row)

    copy_tasks(db, rows())
    return org_id


def delegate_worker(url: str, org_id: str, batch: int) -> int:
    """Claim and complete through Delegate's code until the queue is empty."""
    db = Database(url)
    owner = claims.default_owner("bench")
    done = 0
    while found := claims.claim_batch(db, org_id, owner, limit=batch):
        for claim in found:
            with claims.holding(claim):
                run = starting(owner, "agent"), completing({"output": ""}, owner)
                apply_changes(db, org_id, claim.task_id, *run)
            done += 1
    db.dispose()
    return done


def bare_worker(url: str, org_id: str, batch: int) -> int:
    """The baseline: SELECT ... FOR UPDATE SKIP LOCKED + UPDATE, then one UPDATE per task."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    owner = claims.default_owner("bare")
    done = 0
    with psycopg.connect(dsn) as conn:
        conn.execute("SELECT set_config('app.org_id', %s, false)", (org_id,))
        conn.commit()
        while True:
            with conn.transaction():
                ids = [row[0] for row in conn.execute(BARE_PICK, (org_id, batch))]
                if ids:
                    conn.execute(BARE_CLAIM, (owner, ids))
            if not ids:
                return done
            for task_id in ids:
                with conn.transaction():
                    conn.execute(BARE_COMPLETE, (task_id,))
                done += 1


def _process(work: Callable[[str, str, int], int], args: tuple[Any, ...]) -> None:
    url, org_id, batch, ready, start, results = args
    Database(url).dispose()  # imports and first connection before the clock starts
    ready.release()
    start.wait()
    results.put(work(url, org_id, batch))


def run_fleet(
    work: Callable[[str, str, int], int], url: str, org_id: str, workers: int, batch: int
) -> tuple[int, float]:
    """`workers` processes running `work` from one start signal: (tasks done, seconds)."""
    spawn = multiprocessing.get_context("spawn")
    ready, start, results = spawn.Semaphore(0), spawn.Event(), spawn.Queue()
    args = (url, org_id, batch, ready, start, results)
    processes = [spawn.Process(target=_process, args=(work, args)) for _ in range(workers)]
    for process in processes:
        process.start()
    for _ in processes:
        if not ready.acquire(timeout=120):
            raise RuntimeError("a worker process did not start")
    began = time.perf_counter()
    start.set()
    done = sum(results.get(timeout=600) for _ in processes)
    elapsed = time.perf_counter() - began
    for process in processes:
        process.join(timeout=60)
        if process.exitcode != 0:
            raise RuntimeError(f"a worker process exited with {process.exitcode}")
    return done, elapsed


def completed_once(db: Database, org_id: str) -> tuple[int, int]:
    """(tasks completed, tasks whose log has exactly one `completed` entry)."""
    query = text(
        "SELECT count(*) FILTER (WHERE execution_status = 'completed'), count(*) FILTER ("
        "WHERE (SELECT count(*) FROM jsonb_array_elements(execution_log) AS e "
        "WHERE e->>'event' = 'completed') = 1) FROM tasks"
    )
    with db.read_transaction(org_id) as conn:
        completed, once = conn.execute(query).one()
    return int(completed), int(once)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument(
        "--batch",
        type=int,
        default=50,
        help="tasks per claim (what a worker with --concurrency 50 claims when all are free)",
    )
    parser.add_argument("--postgres", help="a PostgreSQL URL (default: a throwaway server)")
    args = parser.parse_args()
    with postgres_url(args.postgres) as url:
        if url is None:
            print("claim throughput: skipped (it needs PostgreSQL)")
            return 0
        db = Database(url, default_org_id=ALL_ORGANIZATIONS)
        db.upgrade()
        bare_org, delegate_org = seed(db, args.tasks), seed(db, args.tasks)
        with db.read_transaction() as conn:
            rows = conn.execute(text("SELECT count(*) FROM tasks")).scalar_one()
        print(
            f"PostgreSQL, {args.workers} worker processes, {args.tasks:,} no-op tasks each "
            f"(in a table of {rows:,}), claims of {args.batch}:"
        )
        done, seconds = run_fleet(bare_worker, url, bare_org, args.workers, args.batch)
        baseline = done / seconds
        print(f"  baseline, bare SKIP LOCKED + UPDATE loop: {baseline:,.0f} tasks/s ({done:,})")
        done, seconds = run_fleet(delegate_worker, url, delegate_org, args.workers, args.batch)
        rate = done / seconds
        completed, once = completed_once(db, delegate_org)
        exact = done == completed == once == args.tasks
        met = exact and rate >= GOAL_PER_SECOND
        print(
            f"  Delegate claim_batch + start + complete: {rate:,.0f} tasks/s "
            f"({rate / baseline:.2f}x the baseline); every task completed exactly once: "
            f"{'yes' if exact else f'NO ({done} run, {completed} completed, {once} once)'}; "
            f"goal >= {GOAL_PER_SECOND:,}/s: {'met' if met else 'NOT met'}"
        )
        db.dispose()
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
