"""CLI start-up: `delegate --help` and `delegate tasks` beside `python -c 'import typer, rich'`.

Each command is a new process, started `--runs` times, interleaved with the baseline, in a
folder whose SQLite store already exists (so `tasks` lists, it does not migrate); medians are
reported. One untimed round first, with Python allowed to write its bytecode cache (as on an
ordinary machine), so no side is timed compiling. Goal: each within 2x of the baseline
measured in the same run.
Run: `.venv/bin/python benchmarks/cli_startup.py [--runs N]`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

GOAL_RATIO = 2.0


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
    commands = {
        "baseline: python -c 'import typer, rich'": [sys.executable, "-c", "import typer, rich"],
        "delegate --help": [delegate, "--help"],
        "delegate tasks": [delegate, "tasks"],
    }

    with tempfile.TemporaryDirectory(prefix="delegate-bench-") as folder:
        cwd = Path(folder)
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("DELEGATE_") and k != "PYTHONDONTWRITEBYTECODE"
        }
        env["DELEGATE_DATABASE_URL"] = f"sqlite:///{cwd / 'delegate.db'}"
        add = [delegate, "add", "Write the weekly report"]
        subprocess.run(add, cwd=cwd, env=env, check=True, capture_output=True)
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
        print(f"  {name:<44}{figure:6.2f} s  {ratio:4.1f}x")
        met = met and ratio <= GOAL_RATIO
    print(f"goal: each within {GOAL_RATIO:.0f}x of the baseline: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
