"""What the CLI prints: stored text as written (square brackets are not Rich markup), once."""

from __future__ import annotations

import json

from rich.console import Console
from typer.testing import CliRunner

from agents.scripted import ScriptedChatModel
from app.cli import app
from app.render import approval_panel
from store import tasks as repo
from store.db import Database
from tests.unit.app.test_cli import slack_post_waiting_for_approval
from tools.gate.approval import approval_request

runner = CliRunner()
BRACKETED = "[urgent] Call the bank about the [red] card"


def test_a_title_in_square_brackets_is_printed_as_written_by_add_tasks_and_show(
    db: Database,
) -> None:
    wide = {"COLUMNS": "200"}
    added = runner.invoke(app, ["add", BRACKETED, "--type", "manual"], env=wide)
    listed = runner.invoke(app, ["tasks"], env=wide)
    task_id = json.loads(runner.invoke(app, ["tasks", "--json"]).stdout)[0]["id"]
    shown = runner.invoke(app, ["show", task_id], env=wide)

    assert added.exit_code == listed.exit_code == shown.exit_code == 0, shown.stderr
    assert repr(BRACKETED) in added.stdout
    assert BRACKETED in listed.stdout
    assert BRACKETED in shown.stdout


def test_a_blocked_reason_quoting_a_gap_shows_the_gap(db: Database, org_id: str) -> None:
    reason = "its body still has a gap to fill ('[missing: what this email should say]')"
    with db.session() as session:
        task = repo.create_task(session, org_id, "Send the report", execution_type="manual")
        task.blocked_reason = reason
        task_id = task.id

    shown = runner.invoke(app, ["show", task_id], env={"COLUMNS": "300"})

    assert shown.exit_code == 0, shown.stderr
    assert "[missing: what this email should say]" in shown.stdout


def test_an_error_quoting_bracketed_input_shows_it(db: Database) -> None:
    result = runner.invoke(app, ["show", "[abcd]"])

    assert result.exit_code != 0 and "no task '[abcd]'" in result.stderr


def test_a_status_filter_that_matches_nothing_says_so_rather_than_no_tasks_yet(
    db: Database,
) -> None:
    runner.invoke(app, ["add", "Order new office chairs", "--type", "manual"])

    result = runner.invoke(app, ["tasks", "--status", "in_progress"])

    assert result.exit_code == 0
    assert "no tasks match" in result.stdout and "no tasks yet" not in result.stdout


def test_the_approval_panel_shows_the_request_and_each_argument_once() -> None:
    body = "Hi Priya,\n\n[missing: the new price]\n\nBest regards,"
    payload = approval_request(
        "send_email",
        {"to": ["priya@example.com"], "subject": "Pricing", "body": body},
        task_id="t1",
        task_title="Send Priya the pricing",
        idempotency_key="k1",
        agent_id="email_drafting",
        note="a person asked for a shorter text",
    )
    console = Console(width=200, record=True)
    console.print(approval_panel(payload))
    shown = console.export_text()

    assert shown.count("priya@example.com") == 1
    assert shown.count("Hi Priya,") == 1
    assert "[missing: the new price]" in shown  # exactly what would be sent
    assert "email_drafting agent wants to run send_email" in shown
    assert "a person asked for a shorter text" in shown


def test_eval_accuracy_is_rounded_once_from_the_counts() -> None:
    from app.cli_eval import _class_table

    scores = {"correct": 219, "total": 220, "accuracy": 0.9955, "per_class": {}}
    console = Console(width=200, record=True)
    console.print(_class_table("strategy", scores))

    assert "219/220 correct (99.5%)" in console.export_text()


def test_the_approvals_list_shows_the_id_of_a_task_with_a_long_title(
    db: Database, scripted_model: ScriptedChatModel
) -> None:
    title = "Post the release notes of version 2.3 with every fix and the new dark mode in #general"
    task_id = slack_post_waiting_for_approval(scripted_model, title)

    listed = runner.invoke(app, ["approvals"], env={"COLUMNS": "80"})

    assert listed.exit_code == 0, listed.stderr
    assert task_id[:8] in listed.stdout
