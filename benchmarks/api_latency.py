"""API latency with 10,000 tasks: p50/p95 of GET /api/tasks and GET /api/tasks/execute.

Fills a fresh SQLite store with one organization's tasks (bulk insert, realistic mix of
statuses, types, priorities, due dates and logs), serves the app with a real uvicorn on a
free port, and times sequential requests from one keep-alive httpx client. (Start-up time
is benchmarks/serve_ready.py's.)
Run: `.venv/bin/python benchmarks/api_latency.py [--tasks N] [--requests N]`.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import quantiles
from typing import Any

import httpx
from sqlalchemy import insert

from app.api.main import create_app
from app.api.server import running_server
from store.db import ALL_ORGANIZATIONS, Database
from store.enums import ExecutionStatus, ExecutionType, Priority
from store.models import Task, new_id
from store.orgs import create_api_key, ensure_organization

#: The issue's goal: p50 under 20 ms for both routes.
P50_GOAL_MS = 20.0

STATUS_MIX = [
    (ExecutionStatus.PENDING, 40),
    (ExecutionStatus.QUEUED, 10),
    (ExecutionStatus.IN_PROGRESS, 5),
    (ExecutionStatus.PAUSED, 5),
    (ExecutionStatus.BLOCKED, 5),
    (ExecutionStatus.COMPLETED, 30),
    (ExecutionStatus.FAILED, 5),
]
TYPE_MIX = [
    (ExecutionType.FULLY_AUTOMATED, 50),
    (ExecutionType.SEMI_AUTOMATED, 30),
    (ExecutionType.MANUAL, 20),
]
#: The baseline, timed in the same run: a route that touches neither the key nor the store,
#: so the ratio shows what the task routes cost over FastAPI + uvicorn + HTTP themselves.
BASELINE = "GET /api/health"
ROUTES = {
    BASELINE: "/api/health",
    "GET /api/tasks": "/api/tasks",
    "GET /api/tasks/execute": "/api/tasks/execute",
    "GET /api/tasks?status=pending": "/api/tasks?status=pending",
}


def _pick(rng: random.Random, mix: list[tuple[Any, int]]) -> Any:
    values, weights = zip(*mix, strict=True)
    return rng.choices(values, weights)[0]


def _task_row(rng: random.Random, org_id: str, n: int, now: datetime) -> dict[str, Any]:
    created = now - timedelta(minutes=rng.randint(0, 90 * 24 * 60))
    status = _pick(rng, STATUS_MIX)
    log = [
        {
            "event": "created",
            "executor_id": "user",
            "executor_type": "user",
            "timestamp": created.isoformat(),
        }
    ]
    if status is not ExecutionStatus.PENDING:
        log.append(
            {
                "event": "started",
                "executor_id": "execute_task",
                "executor_type": "workflow",
                "timestamp": (created + timedelta(seconds=5)).isoformat(),
            }
        )
    due = now + timedelta(days=rng.randint(-30, 60)) if rng.random() < 0.7 else None
    return {
        "id": new_id(),
        "org_id": org_id,
        "title": f"Task {n}: follow up on item {rng.randint(1, 10_000)}",
        "description": "Details for the benchmark task. " * rng.randint(1, 6),
        "priority": rng.choice(list(Priority)).value,
        "due_date": due,
        "execution_type": _pick(rng, TYPE_MIX).value,
        "execution_status": status.value,
        "execution_log": log,
        "automation_rules": {},
        "ai_context": {},
        "depth": 0,
        "retry_count": 0,
        "max_retries": 3,
        "created_at": created,
        "updated_at": created,
        "version": 1,
    }


def seed(db: Database, tasks: int, *, seed_value: int = 7) -> str:
    """Insert `tasks` tasks for one organization in bulk; returns that organization's API key."""
    rng = random.Random(seed_value)
    now = datetime.now(UTC)
    with db.session() as session:
        org = ensure_organization(session, "benchmark")
        key = create_api_key(session, org.id)
        rows = [_task_row(rng, org.id, n, now) for n in range(tasks)]
        for start in range(0, len(rows), 2_000):
            session.execute(insert(Task), rows[start : start + 2_000])
    return key


def time_requests(client: httpx.Client, path: str, requests: int, warmup: int) -> list[float]:
    """Milliseconds per request (each must answer 200), after `warmup` untimed ones."""
    for _ in range(warmup):
        client.get(path).raise_for_status()
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return timings


def percentiles(timings: list[float]) -> tuple[float, float]:
    cuts = quantiles(timings, n=100, method="inclusive")
    return cuts[49], cuts[94]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000, help="tasks in the store")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per route")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per route")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="delegate-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'delegate.db'}"
        db = Database(url, default_org_id=ALL_ORGANIZATIONS)
        db.upgrade()
        started = time.perf_counter()
        key = seed(db, args.tasks)
        print(f"seeded {args.tasks:,} tasks in {time.perf_counter() - started:.1f} s")

        results: dict[str, tuple[float, float]] = {}
        with (
            running_server(create_app(db)) as base_url,
            httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}) as client,
        ):
            for name, path in ROUTES.items():
                results[name] = percentiles(time_requests(client, path, args.requests, args.warmup))
        db.dispose()

    base_p50 = results[BASELINE][0]
    print(
        f"\n{'route':<32}{'p50 ms':>10}{'p95 ms':>10}{'p50 / health':>14}"
        f"  (n={args.requests}, one client)"
    )
    for name, (p50, p95) in results.items():
        print(f"{name:<32}{p50:>10.2f}{p95:>10.2f}{p50 / base_p50:>13.1f}x")
    ok = all(p50 < P50_GOAL_MS for p50, _ in results.values())
    print(f"goal p50 < {P50_GOAL_MS:.0f} ms: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
