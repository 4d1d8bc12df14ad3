"""CLI for changing a task's fields (`edit`) and deleting a task with its subtasks (`delete`)."""

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from app.cli_base import JsonFlag, TaskIdArg, app, current_org_id, open_db, out, task_json

#: What `--due` accepts to clear a due date.
NO_DUE_DATE = ("", "none")


def parse_due(value: str) -> datetime | None:
    """An ISO date or date-time (UTC unless it names an offset); '' or 'none' clears it."""
    from store.errors import InvalidInput

    if value.strip().lower() in NO_DUE_DATE:
        return None
    try:
        due = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"--due {value!r} is not a date; use e.g. 2026-12-24 or 2026-12-24T17:00"
        ) from None
    return due.replace(tzinfo=UTC) if due.tzinfo is None else due.astimezone(UTC)


@app.command()
def edit(
    task_id: TaskIdArg,
    title: Annotated[str | None, typer.Option("--title", metavar="TEXT", help="New title.")] = None,
    description: Annotated[
        str | None, typer.Option("--description", "-d", metavar="TEXT", help="New details.")
    ] = None,
    priority: Annotated[
        str | None,
        typer.Option("--priority", "-p", metavar="LEVEL", help="urgent | high | medium | low"),
    ] = None,
    execution_type: Annotated[
        str | None,
        typer.Option(
            "--type", "-t", metavar="TYPE", help="manual | semi_automated | fully_automated"
        ),
    ] = None,
    due: Annotated[
        str | None,
        typer.Option(
            "--due", metavar="DATE", help="2026-12-24 or 2026-12-24T17:00; 'none' clears."
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Change a task's title, details, priority, type or due date."""
    from app.render import print_json
    from store.errors import InvalidInput
    from store.tasks import resolve_task_id, update_task

    changes: dict[str, Any] = {
        name: value
        for name, value in (
            ("title", title),
            ("description", description),
            ("priority", priority),
            ("execution_type", execution_type),
        )
        if value is not None
    }
    if due is not None:
        changes["due_date"] = parse_due(due)
    if not changes:
        raise InvalidInput(
            "nothing to change: give --title, --description, --priority, --type or --due"
        )
    db = open_db()
    org_id = current_org_id(db)
    with db.session(org_id) as session:
        task = update_task(session, org_id, resolve_task_id(session, org_id, task_id), **changes)
        data = task_json(task)
    if as_json:
        print_json(out, data)
    else:
        from rich.markup import escape

        title = escape(repr(data["title"]))
        out.print(f"updated task [bold]{data['id'][:8]}[/] {title}: {', '.join(changes)}")


@app.command()
def delete(task_id: TaskIdArg, as_json: JsonFlag = False) -> None:
    """Delete a task and its subtasks."""
    from app.render import print_json
    from store.tasks import delete_task, get_task, resolve_task_id

    db = open_db()
    org_id = current_org_id(db)
    with db.session(org_id) as session:
        task = get_task(session, org_id, resolve_task_id(session, org_id, task_id))
        full_id, title, subtasks = task.id, task.title, _count_subtasks(task)
        delete_task(session, org_id, full_id)
    if as_json:
        print_json(out, {"id": full_id, "deleted": True, "subtasks_deleted": subtasks})
    else:
        from rich.markup import escape

        also = f" and {subtasks} subtask(s)" if subtasks else ""
        out.print(f"deleted task [bold]{full_id[:8]}[/] {escape(repr(title))}{also}")


def _count_subtasks(task: Any) -> int:
    return sum(1 + _count_subtasks(child) for child in task.subtasks)
