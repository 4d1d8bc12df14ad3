"""The `delegate` command line: hand tasks over, watch them run, approve what needs a person.

Heavy libraries (SQLAlchemy, LangGraph, LangChain) are imported inside the commands so that
`delegate --help` answers at once.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

if TYPE_CHECKING:
    from store.db import Database


class _ClearErrors(TyperGroup):
    """Turns every DelegateError into one line on stderr and a non-zero exit."""

    def invoke(self, ctx: Any) -> Any:
        from store.errors import DelegateError

        try:
            return super().invoke(ctx)
        except DelegateError as exc:
            from app.logs import scrub

            err.print(f"[red]error:[/] {scrub(str(exc))}", highlight=False)
            raise typer.Exit(2 if exc.status_code in (400, 422) else 1) from None


app = typer.Typer(
    name="delegate",
    cls=_ClearErrors,
    help="Delegate: hand over a task; the AI does it, splits it, or asks a person.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
allow_app = typer.Typer(
    help="The organization's allowlist: destinations agents may use without naming them in "
    "the task (emails, domains, channels, hosts).",
    no_args_is_help=True,
)
app.add_typer(allow_app, name="allowlist")

out = Console()
err = Console(stderr=True, soft_wrap=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


class _State:
    org: str = os.environ.get("DELEGATE_ORG", "default")


state = _State()


@app.callback()
def _root(
    org: Annotated[
        str | None, typer.Option("--org", help="Organization (tenant); env DELEGATE_ORG.")
    ] = None,
    log_json: Annotated[bool, typer.Option("--log-json", help="Log JSON lines to stderr.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress.")] = False,
) -> None:
    from app.logs import configure_logging

    if org:
        state.org = org
    configure_logging(json_logs=log_json or None, level="INFO" if verbose else None)


def _db() -> Database:
    from store.db import Database

    db = Database()
    db.ensure_schema()
    return db


def _runner(db: Database) -> Any:
    from graphs.runner import task_runner

    return task_runner(db, organization=state.org)


def _org_id(db: Database) -> str:
    from store.orgs import ensure_organization

    with db.session() as session:
        return ensure_organization(session, state.org).id


def _show_outcome(outcome: dict[str, Any], as_json: bool, title: str | None = None) -> None:
    from app.render import outcome_panel, print_json

    if as_json:
        print_json(out, outcome)
    else:
        out.print(outcome_panel(outcome, title))
    if outcome.get("success") is False:
        raise typer.Exit(1)


@app.command()
def init(as_json: JsonFlag = False) -> None:
    """Create or upgrade the database; create the organization and its first API key."""
    from sqlalchemy import func, select

    from app.render import print_json
    from store.db import Database, redact_url
    from store.models import ApiKey
    from store.orgs import create_api_key, ensure_organization

    db = Database()
    db.upgrade()
    with db.session() as session:
        org = ensure_organization(session, state.org)
        has_key = session.scalar(
            select(func.count()).select_from(ApiKey).where(ApiKey.org_id == org.id)
        )
        key = None if has_key else create_api_key(session, org.id, "init")
        org_id = org.id
    _sync_agents(db)
    info = {
        "database": redact_url(db.url),
        "organization": state.org,
        "org_id": org_id,
        "api_key": key,
    }
    if as_json:
        print_json(out, info)
        return
    out.print(f"[green]database ready[/] {info['database']}")
    out.print(f"organization [bold]{state.org}[/] ({org_id})")
    if key:
        out.print(f"API key (shown once, store it now): [bold]{key}[/]")
    else:
        out.print("API keys exist already; `delegate keys create --org NAME` makes another.")


def _sync_agents(db: Database) -> None:
    try:
        from agents.registry import sync_agents
    except ImportError:
        return
    with db.session() as session:
        sync_agents(session)


@keys_app.command("create")
def keys_create(
    org: Annotated[str, typer.Option("--org", help="Organization the key belongs to.")],
    name: Annotated[str, typer.Option("--name", help="A label for the key.")] = "cli",
    as_json: JsonFlag = False,
) -> None:
    """Create an API key for an organization (created if new). The key is shown once."""
    from app.render import print_json
    from store.orgs import create_api_key, ensure_organization

    db = _db()
    with db.session() as session:
        organization = ensure_organization(session, org)
        key = create_api_key(session, organization.id, name)
        org_id = organization.id
    if as_json:
        print_json(out, {"organization": org, "org_id": org_id, "api_key": key})
    else:
        out.print(f"API key for [bold]{org}[/] (shown once): [bold]{key}[/]")


def _change_allowlist(kind: str, value: str, add: bool, as_json: bool) -> None:
    from app.render import print_json
    from store.orgs import update_allowlist

    db = _db()
    org_id = _org_id(db)
    with db.session() as session:
        allowlist = update_allowlist(session, org_id, kind, value, add=add)
    if as_json:
        print_json(out, allowlist)
    else:
        _print_allowlist(allowlist)


def _print_allowlist(allowlist: dict[str, list[str]]) -> None:
    for kind, entries in allowlist.items():
        out.print(f"[bold]{kind}[/]: {', '.join(entries) if entries else '[dim]none[/]'}")


@allow_app.command("show")
def allowlist_show(as_json: JsonFlag = False) -> None:
    """Show the allowlist."""
    from app.render import print_json
    from store.models import Organization
    from store.orgs import ALLOWLIST_KINDS

    db = _db()
    org_id = _org_id(db)
    with db.session() as session:
        stored = session.get(Organization, org_id).allowlist or {}  # type: ignore[union-attr]
    allowlist = {k: list(stored.get(k, [])) for k in ALLOWLIST_KINDS}
    if as_json:
        print_json(out, allowlist)
    else:
        _print_allowlist(allowlist)


@allow_app.command("add")
def allowlist_add(
    kind: Annotated[str, typer.Argument(help="emails | domains | channels | hosts")],
    value: Annotated[str, typer.Argument(help="e.g. ops@example.com, example.com, #general")],
    as_json: JsonFlag = False,
) -> None:
    """Trust a destination for every task of the organization."""
    _change_allowlist(kind, value, True, as_json)


@allow_app.command("remove")
def allowlist_remove(
    kind: Annotated[str, typer.Argument(help="emails | domains | channels | hosts")],
    value: Annotated[str, typer.Argument(help="The entry to remove.")],
    as_json: JsonFlag = False,
) -> None:
    """Stop trusting a destination."""
    _change_allowlist(kind, value, False, as_json)


@app.command()
def add(
    title: Annotated[str, typer.Argument(help="What needs doing.")],
    description: Annotated[str, typer.Option("--description", "-d", help="Details.")] = "",
    execution_type: Annotated[
        str, typer.Option("--type", "-t", help="manual | semi_automated | fully_automated")
    ] = "fully_automated",
    priority: Annotated[str, typer.Option("--priority", "-p", help="urgent|high|medium|low")] = (
        "medium"
    ),
    as_json: JsonFlag = False,
) -> None:
    """Add a task (pending) without running it."""
    from app.render import print_json
    from store.tasks import create_task

    db = _db()
    org_id = _org_id(db)
    with db.session() as session:
        task = create_task(
            session,
            org_id,
            title,
            description=description,
            execution_type=execution_type,
            priority=priority,
        )
        data = task.to_dict()
    if as_json:
        print_json(out, data)
    else:
        out.print(f"added task [bold]{data['id']}[/] {data['title']!r} ({data['execution_type']})")


@app.command()
def execute(
    task_id: Annotated[str, typer.Argument(help="Task id (or a unique prefix).")],
    as_json: JsonFlag = False,
) -> None:
    """Execute a task: classify it, then do it, split it or block it."""
    db = _db()
    with _runner(db) as runner, out.status("executing…", spinner="dots") if not as_json else _nil():
        outcome = runner.execute(task_id)
    _show_outcome(outcome, as_json)


@app.command()
def run(
    text: Annotated[str, typer.Argument(help="The task, in words.")],
    description: Annotated[str, typer.Option("--description", "-d", help="Details.")] = "",
    execution_type: Annotated[
        str, typer.Option("--type", "-t", help="manual | semi_automated | fully_automated")
    ] = "fully_automated",
    as_json: JsonFlag = False,
) -> None:
    """Add a task and execute it at once."""
    db = _db()
    with _runner(db) as runner, out.status("executing…", spinner="dots") if not as_json else _nil():
        task_id = runner.create(text, description=description, execution_type=execution_type)
        outcome = runner.execute(task_id)
    _show_outcome(outcome, as_json)


class _nil:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


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
    """List tasks, newest first."""
    from app.render import print_json, tasks_table
    from store.tasks import list_tasks, parse_execution_type, parse_status

    db = _db()
    org_id = _org_id(db)
    with db.session() as session:
        rows = [
            t.to_dict()
            for t in list_tasks(
                session,
                org_id,
                status=parse_status(status) if status else None,
                execution_type=parse_execution_type(execution_type) if execution_type else None,
                limit=limit,
            )
        ]
    if as_json:
        print_json(out, rows)
    elif rows:
        out.print(tasks_table(rows))
    else:
        out.print(
            'no tasks yet: try `delegate run "Draft email to john@example.com thanking '
            'him for the meeting"`'
        )


@app.command()
def show(
    task_id: Annotated[str, typer.Argument(help="Task id or prefix.")], as_json: JsonFlag = False
) -> None:
    """Show one task with its result and subtasks."""
    from rich.panel import Panel
    from rich.table import Table

    from app.render import print_json, status_text, tasks_table
    from store.tasks import get_task, resolve_task_id

    db = _db()
    org_id = _org_id(db)
    with db.session() as session:
        task = get_task(session, org_id, resolve_task_id(session, org_id, task_id))
        data = task.to_dict()
        data["subtasks"] = [s.to_dict() for s in task.subtasks]
    if as_json:
        print_json(out, data)
        return
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
            table.add_row(key, str(data[key]))
    table.add_row("status", status_text(data["execution_status"]))
    out.print(Panel(table, title=data["title"]))
    result = data.get("result") or {}
    if result.get("output"):
        from rich.markdown import Markdown

        out.print(Panel(Markdown(str(result["output"])), title="result", border_style="green"))
    if data["subtasks"]:
        out.print(tasks_table(data["subtasks"]))


@app.command("log")
def log_command(
    task_id: Annotated[str, typer.Argument(help="Task id or prefix.")],
    checkpoints: Annotated[
        bool, typer.Option("--checkpoints", help="Also show the thread's LangGraph checkpoints.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Show every step of a task's runs, in order, with timestamps and executor."""
    from app.render import checkpoint_table, log_table, print_json
    from store.tasks import get_task, resolve_task_id

    db = _db()
    org_id = _org_id(db)
    with db.session() as session:
        task = get_task(session, org_id, resolve_task_id(session, org_id, task_id))
        entries = list(task.execution_log or [])
        title, full_id = task.title, task.id
    history: list[dict[str, Any]] = []
    if checkpoints:
        with _runner(db) as runner:
            history = runner.checkpoint_history(full_id)
    if as_json:
        print_json(out, {"log": entries, "checkpoints": history} if checkpoints else entries)
        return
    out.print(log_table(entries, f"Execution log: {title}"))
    if checkpoints:
        out.print(checkpoint_table(history, thread_id=full_id))


@app.command()
def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Run what is executable now, then stop.")
    ] = False,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between polls.")] = 5.0,
    as_json: JsonFlag = False,
) -> None:
    """Execute every executable task (pending or queued, automated), most urgent first."""
    from app.render import print_json
    from app.worker import run_worker

    db = _db()
    outcomes = run_worker(
        db,
        organization=state.org,
        once=once,
        interval=interval,
        on_outcome=None
        if as_json
        else (
            lambda o: out.print(
                f"{o.get('task_id', '')[:8]} {o.get('strategy', '?')} -> {o.get('status', '?')}"
            )
        ),
    )
    if as_json:
        print_json(out, outcomes)
    elif once:
        out.print(f"worker ran {len(outcomes)} task(s)")


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
) -> None:
    """Serve the HTTP API (and its docs at /docs) with uvicorn until interrupted."""
    from app.api.server import serve as serve_api

    err.print(f"Delegate API on http://{host}:{port} (docs at /docs); Ctrl+C stops it")
    serve_api(host, port, log_level=log_level)


def _parse_edits(edit_json: str | None, sets: list[str]) -> dict[str, Any] | None:
    from store.errors import InvalidInput

    edits: dict[str, Any] = {}
    if edit_json:
        try:
            loaded = json.loads(edit_json)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"--edit-json is not valid JSON ({exc.msg})") from None
        if not isinstance(loaded, dict):
            raise InvalidInput("--edit-json must be a JSON object of arguments")
        edits.update(loaded)
    for item in sets:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"--set needs KEY=VALUE, got {item!r}")
        edits[key.strip()] = value
    return edits or None


@app.command()
def approvals(as_json: JsonFlag = False) -> None:
    """List the actions waiting for a person's approval."""
    from app.render import approval_panel, print_json
    from store.enums import ExecutionStatus
    from store.tasks import list_tasks

    db = _db()
    org_id = _org_id(db)
    with db.session() as session:
        paused = [
            (t.id, t.title)
            for t in list_tasks(session, org_id, status=ExecutionStatus.PAUSED, limit=1000)
        ]
    waiting = []
    with _runner(db) as runner:
        for task_id, title in paused:
            payload = runner.pending_approval(task_id)
            if payload:
                waiting.append({"task_id": task_id, "title": title, "approval": payload})
    if as_json:
        print_json(out, waiting)
        return
    if not waiting:
        out.print("nothing is waiting for approval")
    for item in waiting:
        panel = approval_panel(item["approval"])
        panel.title = f"{item['title']}  ({item['task_id'][:8]})"
        out.print(panel)
    if waiting:
        out.print(
            "approve: `delegate approve ID [--set body=...]`   reject: "
            "`delegate reject ID --reason ...`"
        )


@app.command()
def approve(
    task_id: Annotated[str, typer.Argument(help="Task id or prefix.")],
    edit_json: Annotated[
        str | None, typer.Option("--edit-json", help="Edited arguments as a JSON object.")
    ] = None,
    sets: Annotated[
        list[str] | None,
        typer.Option("--set", help="Edit one argument: --set body='New text' (repeatable)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Approve the action a task waits on (optionally edited); the run continues."""
    edits = _parse_edits(edit_json, sets or [])
    db = _db()
    with _runner(db) as runner:
        outcome = runner.approve(task_id, edits)
    _show_outcome(outcome, as_json)


@app.command()
def reject(
    task_id: Annotated[str, typer.Argument(help="Task id or prefix.")],
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why; shown on the task.")],
    as_json: JsonFlag = False,
) -> None:
    """Reject the action a task waits on: nothing is sent and the task is blocked."""
    db = _db()
    with _runner(db) as runner:
        outcome = runner.reject(task_id, reason)
    _show_outcome(outcome, as_json)


@app.command()
def recover(
    task_id: Annotated[str, typer.Argument(help="Task id or prefix.")],
    as_json: JsonFlag = False,
) -> None:
    """Continue a run that stopped mid-step (a crash) from its last checkpoint."""
    db = _db()
    with _runner(db) as runner:
        outcome = runner.recover(task_id)
    _show_outcome(outcome, as_json)


@app.command()
def sandbox(
    what: Annotated[str, typer.Argument(help="all | mail | calendar | slack")] = "all",
    as_json: JsonFlag = False,
) -> None:
    """Show what the sandbox backends hold: drafts, sent mail, inbox, calendar, Slack."""
    from app.render import print_json
    from app.sandbox_view import print_sandbox, snapshot
    from store.errors import InvalidInput

    if what not in ("all", "mail", "calendar", "slack"):
        raise InvalidInput(f"unknown sandbox view {what!r}; use all, mail, calendar or slack")
    db = _db()
    data = snapshot(db, _org_id(db))
    if as_json:
        print_json(out, data)
    else:
        print_sandbox(out, data, None if what == "all" else what)


@app.command()
def demo(as_json: JsonFlag = False) -> None:
    """Run the spec's three scenarios end to end and show each outcome and log."""
    from app.demo import run_demo

    run_demo(out, as_json=as_json, organization=state.org)


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
        from app.logs import scrub

        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        err.print(
            f"[red]error:[/] unexpected {type(exc).__name__}: {scrub(first)} "
            "(set DELEGATE_DEBUG=1 to see the traceback)",
            highlight=False,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
