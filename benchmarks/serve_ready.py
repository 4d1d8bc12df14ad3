"""`delegate serve` start-up: seconds from starting the command to its first 200 on
/api/health, beside a bare FastAPI app under uvicorn started the same way in the same run.

Each side is started `--runs` times, interleaved, each over a fresh SQLite store, and the
median is reported. Goal: under 3 s. Run: `.venv/bin/python benchmarks/serve_ready.py`.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import httpx

#: The goal for `delegate serve`: answering within 3 s of being started.
READY_GOAL_S = 3.0

#: The baseline: FastAPI + uvicorn with one route, no Delegate code at all.
BARE_APP = """
import uvicorn
from fastapi import FastAPI

app = FastAPI()
app.get("/api/health")(lambda: {"status": "ok"})
uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def seconds_to_ready(command: list[str], port: int, cwd: Path, *, deadline_s: float = 60) -> float:
    """Start `command` and poll http://127.0.0.1:port/api/health until it answers 200."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DELEGATE_")}
    env["DELEGATE_DATABASE_URL"] = f"sqlite:///{cwd / 'delegate.db'}"
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        with httpx.Client(timeout=1.0) as client:
            while time.perf_counter() - started < deadline_s:
                if process.poll() is not None:
                    error = process.stderr.read().decode()[-500:] if process.stderr else ""
                    raise RuntimeError(f"{command[0]} exited before answering: {error}")
                try:
                    if client.get(f"http://127.0.0.1:{port}/api/health").status_code == 200:
                        return time.perf_counter() - started
                except httpx.TransportError:
                    pass
                time.sleep(0.005)  # polling the port: the process gives no other signal
        raise RuntimeError(f"{command[0]} did not answer within {deadline_s} s")
    finally:
        process.terminate()
        process.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="starts of each side")
    args = parser.parse_args(argv)
    delegate = str(Path(sys.executable).with_name("delegate"))

    serve: list[float] = []
    bare: list[float] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="delegate-bench-") as folder:
            port = _free_port()
            command = [delegate, "serve", "--port", str(port), "--log-level", "warning"]
            serve.append(seconds_to_ready(command, port, Path(folder)))
            port = _free_port()
            code = BARE_APP.replace("{port}", str(port))
            bare.append(seconds_to_ready([sys.executable, "-c", code], port, Path(folder)))

    figure, baseline = median(serve), median(bare)
    print(f"start to first 200 on /api/health, median of {args.runs} starts each")
    print(f"  delegate serve                      {figure:6.2f} s")
    print(f"  baseline: bare FastAPI + uvicorn    {baseline:6.2f} s   ({figure / baseline:.1f}x)")
    ok = figure < READY_GOAL_S
    print(f"goal: delegate serve ready < {READY_GOAL_S:.0f} s: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
