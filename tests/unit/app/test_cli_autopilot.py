"""`delegate autopilot --once`: one cycle, printed; a second prints nothing new."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from app.cli import app
from store.db import Database
from tools.calendar.sandbox import SandboxCalendar

runner = CliRunner()


@pytest.fixture(autouse=True)
def offline_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELEGATE_MODEL", "offline")


def test_autopilot_once_prints_what_it_created_ran_and_skipped(db: Database, org_id: str) -> None:
    start = datetime.now(UTC) + timedelta(hours=18)
    SandboxCalendar(db, org_id).create_event(
        "budget7", "Budget review", start, start + timedelta(hours=1), attendees=["ann@example.com"]
    )

    first = runner.invoke(app, ["autopilot", "--once", "--json"])
    again = runner.invoke(app, ["autopilot", "--once"])

    assert first.exit_code == 0, first.stderr
    cycle = json.loads(first.stdout)
    assert [c["title"] for c in cycle["created"]] == [
        "Draft meeting agenda for Budget review",
        "Send agenda to attendees of Budget review",
    ]
    assert [r["status"] for r in cycle["ran"]] == ["completed", "completed"]
    assert again.exit_code == 0, again.stderr
    assert "skipped  Budget review" in again.stdout and "created" not in again.stdout


def test_autopilot_without_once_is_a_one_line_error(db: Database) -> None:
    result = runner.invoke(app, ["autopilot"])

    assert result.exit_code != 0
    assert "--once" in result.stderr and "Traceback" not in result.stderr


def test_a_bad_budget_setting_is_a_one_line_error(
    db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = datetime.now(UTC) + timedelta(hours=3)
    SandboxCalendar(db, org_id).create_event(
        "budget8", "Budget review", start, start + timedelta(hours=1), attendees=["ann@example.com"]
    )
    monkeypatch.setenv("DELEGATE_AUTOPILOT_MAX_TASKS", "-1")

    result = runner.invoke(app, ["autopilot", "--once"])

    assert result.exit_code != 0
    assert "DELEGATE_AUTOPILOT_MAX_TASKS" in result.stderr and "Traceback" not in result.stderr
