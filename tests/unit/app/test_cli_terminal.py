"""The CLI never writes a control character from stored text to the terminal."""

from __future__ import annotations

from sqlalchemy import update
from typer.testing import CliRunner

from app.cli import app
from store import tasks as repo
from store.db import Database
from store.models import Task

HOSTILE = "Pay\x1b[2J\x1b]0;owned\x07 now"


def test_a_stored_title_with_escape_codes_is_shown_escaped_in_tasks(
    db: Database, org_id: str
) -> None:
    # A row written before titles were checked (or by another tool) still prints safely.
    with db.session() as session:
        task_id = repo.create_task(session, org_id, "Title before the rule").id
        session.execute(update(Task).where(Task.id == task_id).values(title=HOSTILE))

    result = CliRunner().invoke(app, ["tasks"], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.stderr
    assert "\x1b[2J" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b[2J" in result.stdout


def test_adding_a_title_with_an_escape_sequence_is_a_one_line_error(db: Database) -> None:
    result = CliRunner().invoke(app, ["add", HOSTILE])

    assert result.exit_code != 0
    assert "control characters" in result.stderr and "U+001B" in result.stderr
    assert "\x1b[2J" not in result.stderr
