"""The `delegate` command line: hand tasks over, watch them run, approve what needs a person.

Heavy libraries (SQLAlchemy, LangGraph, LangChain) are imported inside the commands so that
`delegate --help` answers at once.
"""

import importlib
import json
import math
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli_base import (
    JsonFlag,
    TaskIdArg,
    app,
    current_org_id,
    err,
    open_db,
    open_runner,
    out,
    outcome_json,
    progress,
    show_outcome,
    state,
    task_json,
)


@app.command()
def add(
    title: Annotated[str, typer.Argument(help="What needs doing.")],
    description: Annotated[str, typer.Option("--description", "-d", help="Details.")] = "",
    execution_type: Annotated[
        str | None,
        typer.Option(
            "--type", "-t", help="manual | semi_automated | fully_automated (unset: the AI picks)"
        ),
    ] = None,
    priority: Annotated[str, typer.Option("--priority", "-p", help="urgent|high|medium|low")] = (
        "medium"
    ),
    as_json: JsonFlag = False,
) -> None:
    """Add a task (pending) without running it."""
    from app.render import print_json
    from store.tasks import create_task

    db = open_db()
    org_id = current_org_id(db)
    with db.session(org_id) as session:
        task = create_task(
            session,
            org_id,
            title,
            description=description,
            execution_type=execution_type,
            priority=priority,
        )
        data = task_json(task)
    if as_json:
        print_json(out, data)
    else:
        from rich.markup import escape

        kind = data["execution_type"] or "the AI picks its type"
        out.print(f"added task [bold]{data['id']}[/] {escape(repr(data['title']))} ({kind})")


@app.command()
def execute(
    task_id: TaskIdArg,
    as_json: JsonFlag = False,
) -> None:
    """Execute a task: classify it, then do it, split it or block it."""
    db = open_db()
    with (
        open_runner(db) as runner,
        progress("executing…", as_json),
    ):
        outcome = runner.execute(task_id)
    show_outcome(outcome, as_json)


@app.command()
def run(
    text: Annotated[str, typer.Argument(help="The task, in words.")],
    description: Annotated[str, typer.Option("--description", "-d", help="Details.")] = "",
    execution_type: Annotated[
        str | None,
        typer.Option(
            "--type", "-t", help="manual | semi_automated | fully_automated (unset: the AI picks)"
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a task and execute it at once."""
    db = open_db()
    with (
        open_runner(db) as runner,
        progress("executing…", as_json),
    ):
        task_id = runner.create(text, description=description, execution_type=execution_type)
        outcome = runner.execute(task_id)
    show_outcome(outcome, as_json)


@app.command()
def classify(
    jsonl: Annotated[
        Path,
        typer.Option(
            "--jsonl",
            help="One JSON task per line: title, description (expected_strategy optional).",
        ),
    ],
    as_json: JsonFlag = False,
) -> None:
    """Classify tasks from a JSONL file; prints one JSON result per input line.

    When lines carry `expected_strategy`, accuracy per class is printed to stderr."""
    from agents.models import get_chat_model
    from agents.planner import ModelOutputError, classify_task
    from store.errors import InvalidInput

    rows = _read_jsonl(jsonl)
    model = get_chat_model()
    results = []
    for number, row in rows:
        try:
            decision = classify_task(model, row["title"], row.get("description", ""))
            result: dict[str, Any] = {
                "strategy": decision.strategy.value,
                "execution_type": decision.execution_type.value,
                "confidence": decision.confidence,
                "reason": decision.reason,
            }
        except ModelOutputError as exc:
            result = {
                "strategy": None,
                "execution_type": None,
                "confidence": 0.0,
                "reason": f"classification failed: {exc}",
            }
        except KeyError:
            raise InvalidInput(f"{jsonl}: line {number} has no 'title'") from None
        results.append((row, result))
        out.file.write(json.dumps(result) + "\n")
    out.file.flush()
    _print_accuracy(results)


def _read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    from store.errors import InvalidInput

    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{path}: line {number} is not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict) or not str(row.get("title", "")).strip():
            raise InvalidInput(f"{path}: line {number} needs an object with a non-empty 'title'")
        rows.append((number, row))
    return rows


def _print_accuracy(results: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    labelled = [
        (r["expected_strategy"], res["strategy"])
        for r, res in results
        if r.get("expected_strategy")
    ]
    if not labelled:
        return
    from rich.table import Table

    table = Table(title="accuracy by expected strategy")
    for column in ("class", "correct", "total", "accuracy"):
        table.add_column(column)
    for cls in sorted({e for e, _ in labelled}):
        pairs = [(e, g) for e, g in labelled if e == cls]
        correct = sum(1 for e, g in pairs if e == g)
        table.add_row(cls, str(correct), str(len(pairs)), f"{correct / len(pairs):.0%}")
    total = sum(1 for e, g in labelled if e == g)
    table.add_row("all", str(total), str(len(labelled)), f"{total / len(labelled):.0%}")
    err.print(table)


@app.command()
def tasks(
    status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
    execution_type: Annotated[str | None, typer.Option("--type", help="Only this type.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000)] = 100,
    as_json: JsonFlag = False,
) -> None:
    """List tasks, newest first (`log ID` shows a task's steps)."""
    from app.json_output import print_json
    from app.task_reads import list_task_rows
    from store.enums import parse_execution_type, parse_status

    rows = list_task_rows(
        status=parse_status(status) if status else None,
        execution_type=parse_execution_type(execution_type) if execution_type else None,
        limit=limit,
    )
    if as_json:
        print_json(out, rows)
    elif rows:
        from app.render import claims_table, tasks_table

        out.print(tasks_table(rows))
        if held := claims_table(rows):
            out.print(held)
    elif status or execution_type:
        out.print("no tasks match: `delegate tasks` lists them all")
    else:
        out.print(
            'no tasks yet: try `delegate run "Draft email to john@example.com thanking '
            'him for the meeting"`'
        )


@app.command()
def show(task_id: TaskIdArg, as_json: JsonFlag = False) -> None:
    """Show one task with its result, subtasks, and the action it waits on, if any."""
    from app.json_output import print_json
    from app.task_reads import task_detail

    data = task_detail(task_id)
    data["approval"] = None
    if data["execution_status"] == "paused":  # the action it waits on is in its checkpoint
        with open_runner(open_db()) as runner:
            data["approval"] = runner.pending_approval(data["id"])
    if as_json:
        print_json(out, data)
        return
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from app.render import approval_panel, readable, status_text, tasks_table

    table = Table(box=None, show_header=False)
    table.add_column(style="dim")
    table.add_column()
    for key in (
        "id",
        "title",
        "description",
        "execution_type",
        "priority",
        "ai_confidence",
        "blocked_reason",
        "failure_reason",
        "retry_count",
        "parent_task_id",
        "created_at",
        "started_at",
        "completed_at",
    ):
        if data.get(key) not in (None, ""):
            table.add_row(key, Text(str(data[key])))
    table.add_row("status", status_text(data["execution_status"]))
    out.print(Panel(table, title=Text(data["title"])))
    result = data.get("result") or {}
    if result.get("output"):
        out.print(Panel(readable(str(result["output"])), title="result", border_style="green"))
    if data["approval"]:
        out.print(approval_panel(data["approval"]))
        out.print(
            f"approve: `delegate approve {data['id'][:8]}`   reject: "
            f"`delegate reject {data['id'][:8]} --reason ...`"
        )
    if data["subtasks"]:
        out.print(tasks_table(data["subtasks"]))


@app.command("log")
def log_command(
    task_id: TaskIdArg,
    checkpoints: Annotated[
        bool, typer.Option("--checkpoints", help="Also show the thread's LangGraph checkpoints.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Show every step of a task's runs, in order, with timestamps and executor."""
    from app.json_output import print_json
    from app.task_reads import task_detail

    data = task_detail(task_id, with_subtasks=False)
    entries, title, full_id = data["execution_log"], data["title"], data["id"]
    history: list[dict[str, Any]] = []
    if checkpoints:
        with open_runner(open_db()) as runner:
            history = runner.checkpoint_history(full_id)
    if as_json:
        print_json(out, {"log": entries, "checkpoints": history} if checkpoints else entries)
        return
    from app.render import checkpoint_table, log_table

    out.print(log_table(entries, f"Execution log: {title}"))
    if checkpoints:
        out.print(checkpoint_table(history, thread_id=full_id))


#: The most runs one worker keeps in flight: each holds a thread and, on PostgreSQL, a
#: checkpoint connection from the start (a larger fleet is more workers).
MAX_CONCURRENCY = 1_000


@app.command()
def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Run what is executable now, then stop.")
    ] = False,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between polls.")] = 5.0,
    concurrency: Annotated[
        int, typer.Option("--concurrency", help="Tasks in flight at once (asyncio).")
    ] = 1,
    grace: Annotated[
        float,
        typer.Option(
            "--grace", help="On SIGTERM, seconds the runs in flight get to finish (with -c > 1)."
        ),
    ] = 30.0,
    autopilot_every: Annotated[
        float | None,
        typer.Option(
            "--autopilot-every", help="Also run an autopilot cycle every this many seconds."
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Execute every executable task (pending or queued, automated), most urgent first.
    SIGTERM stops claiming, lets the runs in flight finish (or releases them) and exits 0."""
    from app.render import print_json
    from store.claims import lease_seconds
    from store.errors import InvalidInput
    from tools.provider_limits import check_limits

    if autopilot_every is not None and not 0 < autopilot_every < math.inf:
        raise InvalidInput(f"--autopilot-every must be more than 0 seconds, not {autopilot_every}")
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise InvalidInput(
            f"--concurrency must be from 1 to {MAX_CONCURRENCY} (each run in flight holds a "
            f"thread and a database connection), not {concurrency}"
        )
    if not 0 <= grace < math.inf:
        raise InvalidInput(f"--grace must be 0 seconds or more, not {grace}")
    if not 0 < interval < math.inf:
        raise InvalidInput(f"--interval must be more than 0 seconds, not {interval}")
    lease_seconds()  # a bad DELEGATE_LEASE_SECONDS or provider limit stops the worker here,
    check_limits()  # before it claims a task, not in the middle of that task's run

    def show(o: dict[str, Any]) -> None:
        out.print(f"{o.get('task_id', '')[:8]} {o.get('strategy', '?')} -> {o.get('status', '?')}")

    db = open_db()
    options: dict[str, Any] = {
        "organization": state.org,
        "once": once,
        "interval": interval,
        "autopilot_every": autopilot_every,
        "on_outcome": None if as_json else show,
    }
    released: list[str] = []
    if concurrency == 1:
        outcomes = _serial_worker(db, options)
    else:
        from app.fleet import run_fleet

        report = run_fleet(db, concurrency=concurrency, grace=grace, **options)
        outcomes, released = report.outcomes, report.released
    if as_json:
        print_json(out, [outcome_json(o) for o in outcomes])
    elif once:
        out.print(f"worker ran {len(outcomes)} task(s)")
    if released:
        out.print(f"worker released {len(released)} unfinished task(s) for another worker")
        # Their steps still run in threads that cannot be interrupted; their claims are
        # released, so stop here rather than wait for them.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _serial_worker(db: Any, options: dict[str, Any]) -> list[dict[str, Any]]:
    """The one-task-at-a-time worker; SIGTERM lets the task running finish, then it stops."""
    import signal
    import threading

    from app.worker import run_worker

    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        return run_worker(db, stop=stop, **options)  # signals reach the main thread only
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        return run_worker(db, stop=stop, **options)
    finally:
        signal.signal(signal.SIGTERM, previous)


# Commands defined in their own modules register on the same app when imported.
for _module in (
    "app.cli_admin",
    "app.cli_approvals",
    "app.cli_eval",
    "app.cli_edit",
    "app.cli_rules",
    "app.cli_extract",
    "app.cli_learned",
    "app.cli_autopilot",
):
    importlib.import_module(_module)


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # a bug: say so in one line; the traceback on request
        if os.environ.get("DELEGATE_DEBUG"):
            raise
        from rich.markup import escape

        from app.logs import scrub

        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        err.print(
            f"[red]error:[/] unexpected {type(exc).__name__}: {escape(scrub(first))} "
            "(set DELEGATE_DEBUG=1 to see the traceback)",
            highlight=False,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
