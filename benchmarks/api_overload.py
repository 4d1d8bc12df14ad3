"""The API under twice its capacity: answers stay fast, the excess is shed with 503s, health
keeps answering, and no work is done for clients that were turned away.

Serves the app with `delegate serve`'s code in a child process on a free loopback port
(a fresh SQLite store, one API key), then:
1. capacity: `--clients` closed-loop clients POST /api/tasks for `--seconds`; requests/s;
2. overload: an open loop sends POST /api/tasks at twice that rate for `--seconds` (each
   request gives up after `--timeout` s) while one client polls GET /api/health;
3. prints p50/p99 of the answered requests, the share of 503s, health latency during the
   overload beside health when idle (the baseline, same run), the server's resident memory
   before and after, and whether the store holds exactly the tasks that were answered 201.
Run: `.venv/bin/python benchmarks/api_overload.py [--seconds 5] [--clients 16]`.
Traffic goes only to 127.0.0.1, bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import quantiles

import httpx

from store.db import ALL_ORGANIZATIONS, Database
from store.orgs import create_api_key, ensure_organization

#: The goal: under 2x load, health's p99 stays under this many ms and every 201 is a task.
HEALTH_P99_GOAL_MS = 250.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return quantiles(values, n=100, method="inclusive")[q - 1]


def start_server(database_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DELEGATE_DATABASE_URL": database_url}
    code = f"from app.api.server import serve; serve('127.0.0.1', {port}, log_level='warning')"
    process = subprocess.Popen([sys.executable, "-c", code], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.05)  # polling the port: the process gives no other signal
    process.kill()
    raise RuntimeError("the server did not start within 60 s")


async def capacity(client: httpx.AsyncClient, clients: int, seconds: float) -> float:
    """Requests per second that `clients` closed-loop clients get answered 201."""
    done = 0
    stop = time.perf_counter() + seconds

    async def loop() -> None:
        nonlocal done
        while time.perf_counter() < stop:
            response = await client.post("/api/tasks", json={"title": "Capacity probe"})
            if response.status_code == 201:
                done += 1

    started = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(clients)))
    return done / (time.perf_counter() - started)


async def health_latencies(client: httpx.AsyncClient, until: float) -> list[float]:
    timings = []
    while time.perf_counter() < until:
        started = time.perf_counter()
        await client.get("/api/health")
        timings.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.05)
    return timings


async def overload(
    client: httpx.AsyncClient, health: httpx.AsyncClient, rate: float, seconds: float
) -> tuple[dict[str, int], list[float], list[float]]:
    """Open loop at `rate` requests/s: status counts, latencies of answers, health timings."""
    counts: dict[str, int] = {}
    latencies: list[float] = []

    async def one(n: int) -> None:
        started = time.perf_counter()
        try:
            response = await client.post("/api/tasks", json={"title": f"Overload {n}"})
            key = str(response.status_code)
            latencies.append((time.perf_counter() - started) * 1000)
        except httpx.TimeoutException:
            key = "gave up"
        except httpx.TransportError:
            key = "connection error"
        counts[key] = counts.get(key, 0) + 1

    start = time.perf_counter()
    end = start + seconds
    probe = asyncio.create_task(health_latencies(health, end))
    pending = []
    n = 0
    while (now := time.perf_counter()) < end:
        due = int((now - start) * rate)
        while n < due:
            pending.append(asyncio.create_task(one(n)))
            n += 1
        await asyncio.sleep(0.002)
    await asyncio.gather(*pending)
    return counts, latencies, await probe


async def run(base_url: str, key: str, args: argparse.Namespace) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=1000)
    async with (
        httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as steady,
        httpx.AsyncClient(
            base_url=base_url, headers=headers, timeout=args.timeout, limits=limits
        ) as flood,
        httpx.AsyncClient(base_url=base_url, timeout=30) as health,
    ):
        idle_health = await health_latencies(health, time.perf_counter() + 1.0)
        rate = await capacity(steady, args.clients, args.seconds)
        counts, latencies, busy_health = await overload(flood, health, 2 * rate, args.seconds)
    return {
        "capacity": rate,
        "counts": counts,
        "latencies": latencies,
        "idle_health": idle_health,
        "busy_health": busy_health,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each phase")
    parser.add_argument("--clients", type=int, default=16, help="closed-loop clients")
    parser.add_argument("--timeout", type=float, default=2.0, help="a client gives up after")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="delegate-overload-") as folder:
        url = f"sqlite:///{Path(folder) / 'delegate.db'}"
        db = Database(url, default_org_id=ALL_ORGANIZATIONS)
        db.upgrade()
        with db.session() as session:
            org_id = ensure_organization(session, "bench").id
            key = create_api_key(session, org_id)
        port = _free_port()
        server = start_server(url, port)
        try:
            rss_before = _rss_mib(server.pid)
            result = asyncio.run(run(f"http://127.0.0.1:{port}", key, args))
            rss_after = _rss_mib(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
        with db.read_session() as session:
            from sqlalchemy import func, select

            from store.models import Task

            stored = session.scalar(
                select(func.count()).select_from(Task).where(Task.title.like("Overload %"))
            )
        db.dispose()

    counts: dict[str, int] = result["counts"]  # type: ignore[assignment]
    latencies: list[float] = result["latencies"]  # type: ignore[assignment]
    idle: list[float] = result["idle_health"]  # type: ignore[assignment]
    busy: list[float] = result["busy_health"]  # type: ignore[assignment]
    total = sum(counts.values())
    capacity_rps: float = result["capacity"]  # type: ignore[assignment]
    print(f"capacity (POST /api/tasks, {args.clients} clients): {capacity_rps:.0f} requests/s")
    print(f"overload at {2 * capacity_rps:.0f} requests/s for {args.seconds:.0f} s: {total} sent")
    for status, count in sorted(counts.items()):
        print(f"  {status:>16}: {count:6d} ({count / total:.0%})")
    print(f"answered: p50 {_pct(latencies, 50):.1f} ms, p99 {_pct(latencies, 99):.1f} ms")
    print(
        f"GET /api/health idle (baseline): p50 {_pct(idle, 50):.1f} ms, p99 {_pct(idle, 99):.1f}"
        f" ms; during overload: p50 {_pct(busy, 50):.1f} ms, p99 {_pct(busy, 99):.1f} ms,"
        f" max {max(busy):.1f} ms ({_pct(busy, 50) / _pct(idle, 50):.1f}x idle p50)"
    )
    print(f"server memory: {rss_before:.0f} MiB before, {rss_after:.0f} MiB after")
    created = counts.get("201", 0)
    print(f"tasks stored {stored} for {created} answered 201 (the rest: gave up or shed)")
    ok = _pct(busy, 99) < HEALTH_P99_GOAL_MS
    verdict = "met" if ok else "NOT met"
    print(f"goal: health p99 under 2x load < {HEALTH_P99_GOAL_MS:.0f} ms: {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
