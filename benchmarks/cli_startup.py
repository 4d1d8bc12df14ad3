"""CLI start-up: `delegate --help`, `tasks`, `show` and `log` beside `import typer, rich`.

Each command is a new process, started `--runs` times, interleaved with the baseline, in a
folder whose SQLite store already exists (so the reads list, they do not migrate); medians are
reported. One untimed round first, with Python allowed to write its bytecode cache (as on an
ordinary machine: PYTHONDONTWRITEBYTECODE is dropped), so no side is timed compiling. Goal:
each within 2x of the baseline measured in the same run.

Also shown, not judged: Typer's own floor, a bare Typer app whose one command takes the
options `tasks` takes and does nothing; no command of ours can start faster than that. (The
lock holds Typer below 0.29: 0.29 builds a pydantic TypeAdapter for every option on every
start, which alone put a bare command at 2.2x the baseline.)
Run: `.venv/bin/python benchmarks/cli_startup.py [--runs N]`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

GOAL_RATIO = 2.0

#: A Typer app with `delegate tasks`' options and nothing else (Typer's floor, not judged).
TYPER_FLOOR = """
from typing import Annotated
import typer
app = typer.Typer(add_completion=False, rich_markup_mode=None)
@app.callback()
def root(org: Annotated[str | None, typer.Option("--org")] = None) -> None: ...
@app.command()
def tasks(
    status: Annotated[str | None, typer.Option("--status")] = None,
    execution_type: Annotated[str | None, typer.Option("--type")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000)] = 100,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None: ...
@app.command()
def other() -> None: ...
app()
"""
FLOOR = "reference: a bare Typer command, same options"


def seconds(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall-clock seconds of one run of `command` (which must succeed)."""
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="starts of each command")
    args = parser.parse_args(argv)
    delegate = str(Path(sys.executable).with_name("delegate"))
    with tempfile.TemporaryDirectory(prefix="delegate-bench-") as folder:
        cwd = Path(folder)
        (cwd / "typer_floor.py").write_text(TYPER_FLOOR, encoding="utf-8")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("DELEGATE_") and k != "PYTHONDONTWRITEBYTECODE"
        }
        env["DELEGATE_DATABASE_URL"] = f"sqlite:///{cwd / 'delegate.db'}"
        add = [delegate, "add", "Write the weekly report", "--json"]
        added = subprocess.run(add, cwd=cwd, env=env, check=True, capture_output=True, text=True)
        task_id = json.loads(added.stdout)["id"][:8]
        commands = {
            "baseline: python -c 'import typer, rich'": [
                sys.executable,
                "-c",
                "import typer, rich",
            ],
            "delegate --help": [delegate, "--help"],
            "delegate tasks": [delegate, "tasks"],
            "delegate tasks --json": [delegate, "tasks", "--json"],
            "delegate show ID": [delegate, "show", task_id],
            "delegate log ID": [delegate, "log", task_id],
            FLOOR: [sys.executable, str(cwd / "typer_floor.py"), "tasks"],
        }
        for command in commands.values():  # the untimed round
            seconds(command, cwd, env)
        timings: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                timings[name].append(seconds(command, cwd, env))

    medians = {name: median(values) for name, values in timings.items()}
    baseline = next(iter(medians.values()))
    print(f"process start to exit, median of {args.runs} runs each")
    met = True
    for name, figure in medians.items():
        ratio = figure / baseline
        print(f"  {name:<48}{figure:6.3f} s  {ratio:4.2f}x")
        met = met and (name == FLOOR or ratio <= GOAL_RATIO)
    print(f"goal: each within {GOAL_RATIO:.0f}x of the baseline: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
