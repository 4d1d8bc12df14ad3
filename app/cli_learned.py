"""`delegate feedback` (rate a finished task, optionally with your edited version) and
`delegate learned` (what Delegate learned from feedback, and why; `--reset` forgets it)."""

from pathlib import Path
from typing import Annotated

import typer

from app.cli_base import JsonFlag, TaskIdArg, app, current_org_id, open_db, out


@app.command()
def feedback(
    task_id: TaskIdArg,
    rating: Annotated[int, typer.Option("--rating", help="1 (poor) to 5 (great).")],
    comment: Annotated[str, typer.Option("--comment", help="What was good or wrong.")] = "",
    edited_file: Annotated[
        Path | None,
        typer.Option("--edited-file", help="A file with your corrected version of the output."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Rate a finished task; an edited version teaches Delegate what you want."""
    from agents import learning
    from app.render import print_json
    from store import feedback as feedback_store
    from store.errors import InvalidInput
    from store.tasks import get_task, resolve_task_id

    edited = None
    if edited_file is not None:
        try:
            edited = edited_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not readable UTF-8 text"
            raise InvalidInput(f"--edited-file {edited_file}: {reason}") from None
    db = open_db()
    org_id = current_org_id(db)
    with db.session(org_id) as session:
        full_id = resolve_task_id(session, org_id, task_id)
        row = feedback_store.add_feedback(session, org_id, full_id, rating, comment, edited)
        task = get_task(session, org_id, full_id)
        lesson = learning.feedback_lesson(task, row.rating, row.edited_output, row.id)
        result = {"id": row.id, "task_id": full_id, "rating": row.rating}
    kept = learning.learn_from_feedback(db, org_id, lesson)
    result["learned_from"] = kept
    if as_json:
        print_json(out, result)
        return
    out.print(f"feedback {result['id']} recorded for task {full_id} ({rating}/5)")
    if kept:
        out.print("your edited version is kept as an example (see `delegate learned`)")


@app.command()
def learned(
    reset: Annotated[bool, typer.Option("--reset", help="Forget everything learned.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """What Delegate learned from people's edits, approvals and rejections, and why."""
    from rich.table import Table

    from agents import learning
    from app.render import print_json
    from store import learned as learned_store

    db = open_db()
    org_id = current_org_id(db)
    if reset:
        forgotten = learned_store.forget(db, org_id)
        if as_json:
            print_json(out, {"forgotten": forgotten})
        else:
            out.print(f"forgot {forgotten} learned answer(s) and example(s)")
        return
    found = learning.everything_learned(db, org_id)
    categories = learning.categories_learned(db, org_id)
    if as_json:
        print_json(
            out,
            {
                "learned": [p.as_json() for p in found],
                "categories": [c.as_json() for c in categories],
            },
        )
        return
    if not categories:
        out.print("Nothing learned yet: rate, edit, approve or reject some work first.")
        return
    standing = Table(title="Acceptance per category")
    for column in ("category", "accepted", "edited", "rejected", "rate", "status", "why"):
        standing.add_column(column)
    for c in categories:
        rate = "-" if c.acceptance_rate is None else f"{c.acceptance_rate:.0%}"
        counts = (str(c.accepted), str(c.edited), str(c.rejected))
        standing.add_row(c.category, *counts, rate, c.status, c.why)
    out.print(standing)
    if not found:
        return
    table = Table(title="Learned from feedback")
    for column in ("category", "what", "value", "why", "from tasks"):
        table.add_column(column)
    for p in found:
        tasks = ", ".join(s["task_id"][:8] for s in p.sources)
        table.add_row(p.category, p.kind, p.value, p.why, tasks)
    out.print(table)
