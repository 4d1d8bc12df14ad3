"""A worker fleet on a slow model: wall time and memory of one `--concurrency 50` worker.

Benchmark 1 (latency-bound): 200 tasks, two model calls each, on a model that answers after
1 s (the loopback OpenAI-compatible stand-in, reached through the model factory and the real
openai client), one worker process with 50 tasks in flight. The figure is the wall time from
the first task's start to the last one's completion; the ideal is calls x latency /
concurrency (400 x 1 s / 50 = 8 s); the goal is within 1.2x of it, on SQLite and on
PostgreSQL (a throwaway local server; skipped with the reason when there are no binaries).
Also printed: the worker's CPU per task (beyond an idle worker's start-up), the figure to
compare while other work shares the machine, and on PostgreSQL the server's CPU per task (its
processes' CPU, read from /proc when the server runs on this machine, beyond an idle
worker's). Beside it, in the same run: the same worker with
asyncio's stock executor for the graph's sync steps (min(32, cores + 4) threads), on 50
tasks, to show what sizing the executor buys.

Benchmark 4 (memory): the peak RSS of that worker process with 50 tasks in flight, beside the
peak RSS of an idle worker (started, nothing to run) as the baseline.

Run: `.venv/bin/python benchmarks/worker_fleet.py [--tasks 200] [--concurrency 50]
[--latency 1.0] [--postgres URL]`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the stand-in and PostgreSQL helpers live under tests/fixtures

from sqlalchemy import func, select  # noqa: E402

from agents.classification import Classification  # noqa: E402
from store import tasks as repo  # noqa: E402
from store.db import ALL_ORGANIZATIONS, Database  # noqa: E402
from store.enums import ExecutionStatus, ExecutionType  # noqa: E402
from store.models import Task  # noqa: E402
from store.orgs import ensure_organization  # noqa: E402
from tests.fixtures.openai_standin import (  # noqa: E402
    STANDIN_API_KEY,
    STANDIN_MODEL,
    OpenAIStandin,
    StandinRequest,
)

GOAL = 1.2
CLASSIFIED = Classification(
    strategy="immediate",
    execution_type="fully_automated",
    confidence=0.9,
    reason="A short summary the AI can write now.",
    route="writer",
)


class SlowModel:
    """The stand-in's answers, each after `latency` seconds (the model's thinking time)."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, request: StandinRequest) -> Any:
        with self._lock:
            self.calls += 1
        time.sleep(self.latency)
        if "Classification" in request.tool_names:
            return CLASSIFIED
        return "Unit tests catch regressions early and document what the code must do."


@dataclass
class WorkerRun:
    wall: float
    """Seconds from the first task's start to the last one's completion."""
    peak_rss_mb: float
    completed: int
    calls: int
    cpu: float
    """The worker process's CPU seconds (user + system), start-up included."""
    server_cpu: float | None = None
    """The PostgreSQL server's CPU seconds meanwhile (None: SQLite, or not on this machine)."""


def make_tasks(db: Database, count: int) -> None:
    with db.session() as session:
        org_id = ensure_organization(session, "default").id
        for n in range(count):
            repo.create_task(
                session,
                org_id,
                f"Summarize the benefits of unit testing, take {n}",
                execution_type=ExecutionType.FULLY_AUTOMATED.value,
            )


def first_start_to_last_completion(db: Database) -> tuple[float, int]:
    with db.session() as session:
        first, last, done = session.execute(
            select(func.min(Task.started_at), func.max(Task.completed_at), func.count()).where(
                Task.execution_status == ExecutionStatus.COMPLETED.value
            )
        ).one()
    return ((last - first).total_seconds() if done else 0.0), int(done)


def server_cpu_seconds(server: Any) -> float | None:
    """The CPU seconds the PostgreSQL server's processes have used: the postmaster's own and
    its ended children's (it waits for them) plus its live children's; None when the server
    does not run on this machine or /proc cannot be read."""
    if server is None:
        return None
    try:
        with server.connect_admin() as conn:
            row = conn.execute("SELECT pg_backend_pid()").fetchone()
        postmaster = _proc_stat(int(row[0]))[1]
        ticks = os.sysconf("SC_CLK_TCK")
        fields = _proc_stat(postmaster)
        total = sum(fields[11:15])  # utime, stime, cutime, cstime
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    child = _proc_stat(int(entry))
                except OSError:
                    continue  # ended meanwhile
                if child[1] == postmaster:
                    total += child[11] + child[12]
        return total / ticks
    except (OSError, ValueError, IndexError, TypeError):
        return None


def _proc_stat(pid: int) -> list[int]:
    """/proc/PID/stat's fields after the command name, as numbers (state as 0)."""
    with open(f"/proc/{pid}/stat") as handle:
        text = handle.read()
    return [int(f) if f.lstrip("-").isdigit() else 0 for f in text[text.rindex(")") + 2 :].split()]


def wait_for_disconnects(server: Any, name: str, deadline: float = 10.0) -> None:
    """Wait (bounded) until no session of database `name` is left: a backend's CPU counts in
    its postmaster's only once it has ended."""
    end = time.monotonic() + deadline
    with server.connect_admin() as conn:
        while time.monotonic() < end:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)
            ).fetchone()
            if row is None or row[0] == 0:
                return
            time.sleep(0.05)


def run_worker(
    url: str, standin: OpenAIStandin, concurrency: int, threads: int, server: Any = None
) -> WorkerRun:
    """One worker process (`--child`) to the end of its pass; its peak RSS from wait4."""
    model = standin.default
    assert isinstance(model, SlowModel)
    calls_before = model.calls
    env = {
        **os.environ,
        "DELEGATE_DATABASE_URL": url,
        "DELEGATE_MODEL": STANDIN_MODEL,
        "OPENAI_BASE_URL": standin.base_url,
        "OPENAI_API_KEY": STANDIN_API_KEY,
        "NO_PROXY": "127.0.0.1,localhost",
    }
    server_before = server_cpu_seconds(server)
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", str(concurrency), str(threads)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    out = child.stdout.read() if child.stdout else ""
    if child.returncode != 0:
        raise RuntimeError(f"the worker failed ({child.returncode}): {out[-500:]}")
    server_cpu = None
    if server is not None and server_before is not None:
        from sqlalchemy.engine import make_url

        wait_for_disconnects(server, str(make_url(url).database))
        server_after = server_cpu_seconds(server)
        server_cpu = None if server_after is None else server_after - server_before
    db = Database(url, default_org_id=ALL_ORGANIZATIONS)
    wall, completed = first_start_to_last_completion(db)
    db.dispose()
    cpu = usage.ru_utime + usage.ru_stime
    calls = model.calls - calls_before
    return WorkerRun(wall, usage.ru_maxrss / 1024, completed, calls, cpu, server_cpu)


def child(concurrency: int, threads: int) -> int:
    """The worker process: one pass of `delegate worker --once --concurrency N`."""
    from app.fleet import run_fleet
    from store.db import get_database

    report = run_fleet(
        get_database(None), concurrency=concurrency, once=True, threads=threads or None
    )
    print(json.dumps({"outcomes": len(report.outcomes)}))
    return 0


@contextmanager
def database(kind: str, folder: Path, name: str, server: Any) -> Iterator[str]:
    if kind == "SQLite":
        yield f"sqlite:///{folder / (name + '.db')}"
        return
    server.create_database(name)
    yield server.url_for(name)


def measure(kind: str, folder: Path, server: Any, args: argparse.Namespace) -> bool:
    stock_threads = min(32, (os.cpu_count() or 1) + 4)
    ideal = 2 * args.tasks * args.latency / args.concurrency
    standin = OpenAIStandin()
    standin.default = SlowModel(args.latency)
    standin.start()
    try:
        runs: dict[str, WorkerRun] = {}
        plans = [
            ("idle", 0, 0),
            ("fleet", args.tasks, 0),
            ("stock", args.tasks // 4, stock_threads),
        ]
        for label, count, threads in plans:
            with database(kind, folder, f"bench_{label}", server) as url:
                db = Database(url, default_org_id=ALL_ORGANIZATIONS)
                db.upgrade()
                make_tasks(db, count)
                db.dispose()
                runs[label] = run_worker(url, standin, args.concurrency, threads, server)
    finally:
        standin.close()
    fleet, stock, idle = runs["fleet"], runs["stock"], runs["idle"]
    met = fleet.completed == args.tasks and fleet.wall <= GOAL * ideal
    stock_ideal = 2 * (args.tasks // 4) * args.latency / args.concurrency
    print(f"{kind}:")
    print(
        f"  benchmark 1: {args.tasks} tasks x 2 calls at {args.latency:g} s, "
        f"--concurrency {args.concurrency}: first start -> last completion {fleet.wall:.1f} s, "
        f"ideal {ideal:.1f} s ({fleet.wall / ideal:.2f}x); goal <= {GOAL}x: "
        + ("met" if met else "NOT met")
        + f" [{fleet.completed}/{args.tasks} completed, {fleet.calls} model calls]"
    )
    print(
        f"    worker CPU per task {1000 * (fleet.cpu - idle.cpu) / args.tasks:.1f} ms "
        f"(its CPU beyond an idle worker's start-up, over {args.tasks} tasks: what the machine's "
        "load does not change much)"
    )
    if fleet.server_cpu is not None and idle.server_cpu is not None:
        print(
            f"    PostgreSQL server CPU per task "
            f"{1000 * (fleet.server_cpu - idle.server_cpu) / args.tasks:.1f} ms (its processes' "
            "CPU beyond an idle worker's, sharing the machine's cores with the worker)"
        )
    print(
        f"    baseline: asyncio's stock executor ({stock_threads} threads), "
        f"{args.tasks // 4} tasks: {stock.wall:.1f} s, ideal {stock_ideal:.1f} s "
        f"({stock.wall / stock_ideal:.2f}x)"
    )
    print(
        f"  benchmark 4: peak RSS of the worker with {args.concurrency} in flight "
        f"{fleet.peak_rss_mb:.0f} MB; baseline, an idle worker: {idle.peak_rss_mb:.0f} MB "
        f"(+{fleet.peak_rss_mb - idle.peak_rss_mb:.0f} MB)"
    )
    return met


@contextmanager
def postgres_server(configured: str | None) -> Iterator[Any]:
    """A server to create the benchmark's databases on (None when there is none)."""
    from sqlalchemy.engine import make_url

    from tests.fixtures.postgres import (
        PostgresServer,
        ServerUnavailable,
        create_app_role,
        local_server,
    )

    if configured:
        yield PostgresServer(make_url(configured))
        return
    try:
        with local_server() as server:
            create_app_role(server)
            yield server
    except ServerUnavailable as exc:
        print(f"PostgreSQL: skipped ({exc})")
        yield None


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        return child(int(sys.argv[2]), int(sys.argv[3]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--latency", type=float, default=1.0, help="the model's seconds a call")
    parser.add_argument("--postgres", help="an admin PostgreSQL URL (default: a throwaway one)")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        results.append(measure("SQLite", Path(folder), None, args))
    if not args.sqlite_only:
        with postgres_server(args.postgres) as server:
            if server is not None:
                with tempfile.TemporaryDirectory() as folder:
                    results.append(measure("PostgreSQL", Path(folder), server, args))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
