"""`delegate extract`: the tasks a chat message, an email or meeting notes ask for."""

from typing import Annotated

import typer

from app.cli_base import JsonFlag, app, current_org_id, open_db, open_runner, out


@app.command()
def extract(
    text: Annotated[
        str | None, typer.Argument(help="The message or notes (or use --email).")
    ] = None,
    source: Annotated[str, typer.Option("--from", help="chat | email | meeting")] = "chat",
    email: Annotated[
        str | None, typer.Option(help="Read this email (by id) from the mailbox.")
    ] = None,
    no_run: Annotated[bool, typer.Option("--no-run", help="Create the tasks, run none.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Create the tasks a text asks for (nothing twice) and run the executable ones."""
    from app.extraction import extract_and_run
    from app.render import print_json
    from store.errors import InvalidInput

    if source not in ("chat", "email", "meeting"):
        raise InvalidInput(f"--from must be chat, email or meeting, not {source!r}")
    db = open_db()
    source_id = sender = None
    if email is not None:
        from tools.google.backends import get_mailbox

        message = get_mailbox(db, current_org_id(db)).read(email)
        text = f"{message.get('subject') or ''}\n{message.get('body') or ''}"
        source, source_id = "email", str(message.get("id") or email)
        sender = str(message.get("from") or "") or None
    if not text or not text.strip():
        raise InvalidInput("give the text to read, or --email ID")
    with open_runner(db) as runner:
        result = extract_and_run(
            runner, text, source, source_id=source_id, sender=sender, run=not no_run
        )
    if as_json:
        print_json(out, result)
        return
    from rich.markup import escape

    out.print(result["reply"], markup=False)
    for task in result["tasks"]:
        mark = "new" if task["created"] else "already open"
        due = f", due {task['due_date']}" if task.get("due_date") else ""
        out.print(f"  {task['task_id'][:8]}  {escape(task['title'])}  [dim]({mark}{due})[/]")
