"""What Delegate costs per task over bare LangGraph: execute_task vs an equivalent plain graph.

Both sides run the same two model calls on an instant scripted model (a structured
classification, then a short deliverable) and checkpoint every step to SQLite with
durability="sync". Delegate adds the store: the task row, its lifecycle and its execution
log. The sides take turns task by task, so a slow moment of a shared machine hits both; the
goal is read on the median per task, since one stall of the machine lands in one side's total
(the ratio of total times is printed too). Run:
`.venv/bin/python benchmarks/graph_overhead.py [--tasks N] [--profile]`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean, median, quantiles
from typing import Any

from langchain_core.messages import BaseMessage
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from agents.classification import Classification
from agents.models import register_model
from agents.planner import classify_task, write_deliverable
from agents.scripted import ScriptedChatModel
from graphs.runner import task_runner
from store.db import Database

MODEL_NAME = "benchmark-instant"
#: A task the plain writer path handles: classify, then one call for the deliverable.
TITLE = "Translate the welcome note into French"
DESCRIPTION = "Welcome to the team, we are glad you are here."
GOAL = 1.25


def instant_answer(messages: list[BaseMessage], tools: list[str]) -> Any:
    """Classify everything as immediate; answer every other call with a short text."""
    if tools:
        return Classification(
            strategy="immediate",
            execution_type="fully_automated",
            confidence=0.9,
            reason="a translation the AI can write now",
            route="writer",
        )
    return "Bienvenue dans l'équipe."


def make_model() -> ScriptedChatModel:
    return ScriptedChatModel(default=instant_answer)


# --- bare LangGraph ----------------------------------------------------------------------


class BareRun(TypedDict, total=False):
    task_id: str
    title: str
    description: str
    classification: dict[str, Any]
    output: str
    success: bool


def build_bare_graph(model: ScriptedChatModel) -> StateGraph:
    """prepare -> classify -> execute -> finish: the same model calls, no store writes."""

    def prepare(state: BareRun) -> dict[str, Any]:
        return {"title": TITLE, "description": DESCRIPTION}

    def classify(state: BareRun) -> dict[str, Any]:
        decision = classify_task(model, state["title"], state["description"])
        return {"classification": decision.model_dump(mode="json")}

    def execute(state: BareRun) -> dict[str, Any]:
        return {"output": write_deliverable(model, state["title"], state["description"])}

    def finish(state: BareRun) -> dict[str, Any]:
        return {"success": True}

    builder = StateGraph(BareRun)
    for name, node in (
        ("prepare", prepare),
        ("classify", classify),
        ("execute", execute),
        ("finish", finish),
    ):
        builder.add_node(name, node)
    builder.add_edge(START, "prepare")
    builder.add_edge("prepare", "classify")
    builder.add_edge("classify", "execute")
    builder.add_edge("execute", "finish")
    builder.add_edge("finish", END)
    return builder


@contextmanager
def bare_side(folder: Path, tasks: int) -> Iterator[Callable[[int], None]]:
    """run(n) executes bare task n (0 <= n < tasks) on its own thread."""
    model = make_model()
    with SqliteSaver.from_conn_string(str(folder / "bare.checkpoints.db")) as saver:
        graph = build_bare_graph(model).compile(checkpointer=saver)

        def run(n: int) -> None:
            out = graph.invoke(
                {"task_id": f"task-{n}"},
                {"configurable": {"thread_id": f"task-{n}"}},
                durability="sync",
            )
            assert out["success"] and out["output"]

        yield run


# --- Delegate ----------------------------------------------------------------------------


@contextmanager
def delegate_side(folder: Path, tasks: int) -> Iterator[Callable[[int], None]]:
    """run(n) executes stored task n through TaskRunner on the SQLite store."""
    register_model(MODEL_NAME, make_model())
    db = Database(f"sqlite:///{folder / 'delegate.db'}")
    db.upgrade()
    try:
        with task_runner(db, model=MODEL_NAME) as runner:
            ids = [runner.create(TITLE, description=DESCRIPTION) for _ in range(tasks)]

            def run(n: int) -> None:
                outcome = runner.execute(ids[n])
                assert outcome["status"] == "completed", outcome

            yield run
    finally:
        db.dispose()


@dataclass
class Timing:
    """Wall and CPU seconds of every timed task of one side."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, run: Callable[[int], None], n: int) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        run(n)
        self.wall.append(time.perf_counter() - wall)
        self.cpu.append(time.process_time() - cpu)


def measure(tasks: int, warmup: int) -> tuple[Timing, Timing]:
    """Both sides' timings, task by task in turn (who goes first alternates), so a noisy
    moment on a shared machine hits both sides alike."""
    bare, delegate = Timing(), Timing()
    with tempfile.TemporaryDirectory(prefix="delegate-bench-") as tmp:
        folder = Path(tmp)
        total = warmup + tasks
        with bare_side(folder, total) as run_bare, delegate_side(folder, total) as run_delegate:
            for n in range(warmup):
                run_bare(n)
                run_delegate(n)
            for n in range(warmup, total):
                if n % 2:
                    bare.add(run_bare, n)
                    delegate.add(run_delegate, n)
                else:
                    delegate.add(run_delegate, n)
                    bare.add(run_bare, n)
    return bare, delegate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tasks", type=int, default=400, help="timed tasks per side")
    parser.add_argument("--warmup", type=int, default=20, help="untimed tasks per side first")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile the whole run with pyinstrument (pip install pyinstrument)",
    )
    args = parser.parse_args(argv)
    if args.profile:
        from pyinstrument import Profiler

        with Profiler(interval=0.0005) as profiler:
            bare, delegate = measure(args.tasks, args.warmup)
        profiler.print(show_all=False)
    else:
        bare, delegate = measure(args.tasks, args.warmup)
    print(
        f"timed: {args.tasks} tasks per side, taken in turn; tasks/s = tasks / total time,"
        " ms/task = median (p90, mean, median CPU)"
    )
    for name, timing in (("bare LangGraph", bare), ("Delegate execute_task", delegate)):
        med = median(timing.wall)
        print(
            f"{name + ':':23} {len(timing.wall) / sum(timing.wall):7.1f} tasks/s"
            f"  {med * 1000:6.2f} ms/task  (p90 {quantiles(timing.wall, n=10)[-1] * 1000:6.2f},"
            f" mean {mean(timing.wall) * 1000:6.2f}, CPU {median(timing.cpu) * 1000:6.2f})"
        )
    ratio = median(delegate.wall) / median(bare.wall)
    throughput_ratio = sum(delegate.wall) / sum(bare.wall)
    verdict = "within" if ratio <= GOAL else "over"
    print(
        f"{'ratio Delegate / bare:':23} {ratio:7.2f}x per task (median; {verdict} the {GOAL}x"
        f" goal), {throughput_ratio:.2f}x in total time"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
