"""CLI for what people do to runs: answer approvals (list, approve with edits, reject),
finish a task by hand (done), retry a blocked one with a note, recover a crashed run."""

import json
from typing import Annotated, Any

import typer

from app.cli_base import (
    JsonFlag,
    TaskIdArg,
    app,
    open_db,
    open_runner,
    out,
    progress,
    show_outcome,
)


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
    """List the actions waiting for a person's approval, newest first."""
    from app.render import approval_panel, print_json

    db = open_db()
    with open_runner(db) as runner:
        waiting = runner.pending_approvals()
    if as_json:
        print_json(out, [{**w, "updated_at": w["updated_at"].isoformat()} for w in waiting])
        return
    if not waiting:
        out.print("nothing is waiting for approval")
    for item in waiting:
        panel = approval_panel(item["approval"])
        parent = f" · part of {item['parent_title']}" if item.get("parent_title") else ""
        # The id first: a long title is cut at the panel's width, and the id is what to type.
        panel.title = f"{item['task_id'][:8]}  {item['title']}{parent}"
        if item.get("answered"):
            panel.subtitle = (
                f"{item['answered']} given, not carried out yet: `delegate approve "
                f"{item['task_id'][:8]}` finishes it"
            )
        out.print(panel)
    if waiting:
        out.print(
            "approve: `delegate approve ID [--set body=...]`   reject: "
            "`delegate reject ID --reason ...`"
        )


@app.command()
def approve(
    task_id: TaskIdArg,
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
    db = open_db()
    with open_runner(db) as runner:
        outcome = runner.approve(task_id, edits)
    show_outcome(outcome, as_json)


@app.command()
def reject(
    task_id: TaskIdArg,
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why; shown on the task.")],
    as_json: JsonFlag = False,
) -> None:
    """Reject the action a task waits on: nothing is sent and the task is blocked."""
    db = open_db()
    with open_runner(db) as runner:
        outcome = runner.reject(task_id, reason)
    show_outcome(outcome, as_json)


@app.command()
def recover(
    task_id: Annotated[
        str | None,
        typer.Argument(
            metavar="[ID]", help="Task id or unique prefix; without it, every stranded run."
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Carry on runs whose process died, once their lease has expired: from the last
    checkpoint, with an approval already given, or from the start if none was saved; a run
    that died pausing before it saved its approval request asks the same request again."""
    from app.cli_base import outcome_json
    from app.render import print_json

    db = open_db()
    with open_runner(db) as runner:
        if task_id is not None:
            show_outcome(runner.recover(task_id), as_json)
            return
        outcomes = runner.recover_all()
    if as_json:
        print_json(out, [outcome_json(o) if "strategy" in o else o for o in outcomes])
        return
    if not outcomes:
        out.print("nothing to recover: every run is live or waits for a person")
    for outcome in outcomes:
        tid = str(outcome.get("task_id", ""))[:8]
        out.print(f"{tid} -> {outcome.get('status') or outcome.get('reason', '?')}")


def _person() -> str:
    """Who the execution log names for what a person did at this terminal."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (e.g. a container without a passwd entry)
        return "cli"


@app.command()
def done(
    task_id: TaskIdArg,
    note: Annotated[
        str | None, typer.Option("--note", "-n", help="What you did; kept as the result.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Mark a manual, blocked or paused task done: you did it."""
    db = open_db()
    with open_runner(db) as runner:
        outcome = runner.complete(task_id, note, by=_person())
    show_outcome(outcome, as_json)


@app.command()
def retry(
    task_id: TaskIdArg,
    note: Annotated[
        str, typer.Option("--note", "-n", help="What the AI should know or do differently.")
    ],
    as_json: JsonFlag = False,
) -> None:
    """Run a blocked task again with your note as new context for the AI."""
    db = open_db()
    with open_runner(db) as runner, progress("executing…", as_json):
        outcome = runner.retry(task_id, note, by=_person())
    show_outcome(outcome, as_json)
