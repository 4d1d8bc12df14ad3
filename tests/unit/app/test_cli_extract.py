"""`delegate extract`: the tasks in a text, created once; bad input is a one-line error."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from agents.extraction import ExtractedTask, ExtractedTasks
from agents.scripted import ScriptedChatModel
from app.cli import app
from store.db import Database
from tools.email.sandbox import SandboxMailbox

runner = CliRunner()
FOUND = ExtractedTasks(
    extracted_tasks=[
        ExtractedTask(
            title="Sign the renewal contract",
            execution_type="manual",
            quote="Could you sign the renewal contract?",
            why="asked for",
        ),
    ]
)


def test_extract_creates_the_tasks_once(db: Database, scripted_model: ScriptedChatModel) -> None:
    scripted_model.script = [FOUND, FOUND]
    text = "Could you sign the renewal contract? Thanks"

    first = runner.invoke(app, ["extract", text, "--from", "email", "--json"])
    again = runner.invoke(app, ["extract", text, "--from", "email", "--json"])

    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)["tasks"][0]["created"] is True
    assert json.loads(again.stdout)["tasks"][0]["created"] is False


def test_extract_reads_an_email_from_the_mailbox(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    mailbox = SandboxMailbox(db, org_id)
    message = mailbox.deliver(
        sender="jo@corp.com",
        to=["me@corp.com"],
        subject="Contract",
        body="Could you sign the renewal contract? Thanks",
    )
    scripted_model.script = [FOUND]

    result = runner.invoke(app, ["extract", "--email", message["id"], "--json"])

    assert result.exit_code == 0, result.stderr
    assert "sign the renewal contract" in scripted_model.calls[0].text.lower()
    assert json.loads(result.stdout)["tasks"][0]["title"] == "Sign the renewal contract"


def test_extract_reports_a_draft_with_gaps_as_needing_a_person(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DELEGATE_MODEL", "offline")

    result = runner.invoke(app, ["extract", "Send Maria the Q3 deck"])

    assert result.exit_code == 0, result.stderr
    assert "Send Maria the Q3 deck (needs a person)" in result.stdout
    assert "(done)" not in result.stdout


def test_extract_without_text_is_a_one_line_error(db: Database) -> None:
    result = runner.invoke(app, ["extract"])

    assert result.exit_code != 0
    assert "give the text to read" in result.stderr


def test_an_unknown_source_is_named(db: Database) -> None:
    result = runner.invoke(app, ["extract", "hello", "--from", "fax"])

    assert result.exit_code != 0 and "--from must be chat, email or meeting" in result.stderr
