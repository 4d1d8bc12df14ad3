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


def test_worker_with_autopilot_sends_each_agenda_once_over_two_passes(
    db: Database, org_id: str
) -> None:
    from sqlalchemy import func, select

    from store.models import SandboxEmail

    start = datetime.now(UTC) + timedelta(hours=5)
    SandboxCalendar(db, org_id).create_event(
        "standup5", "Team standup", start, start + timedelta(minutes=15), attendees=["ann@x.org"]
    )

    first = runner.invoke(app, ["worker", "--once", "--autopilot-every", "300"])
    again = runner.invoke(app, ["worker", "--once", "--autopilot-every", "300"])

    assert first.exit_code == 0, first.stderr
    assert again.exit_code == 0, again.stderr
    with db.session(org_id) as session:
        sent = session.scalar(
            select(func.count()).select_from(SandboxEmail).where(SandboxEmail.folder == "sent")
        )
    assert sent == 1


def test_worker_without_autopilot_leaves_the_calendar_alone(db: Database, org_id: str) -> None:
    from store.models import Task

    start = datetime.now(UTC) + timedelta(hours=5)
    SandboxCalendar(db, org_id).create_event(
        "standup6", "Team standup", start, start + timedelta(minutes=15), attendees=["ann@x.org"]
    )

    result = runner.invoke(app, ["worker", "--once"])

    assert result.exit_code == 0, result.stderr
    with db.session(org_id) as session:
        assert session.query(Task).count() == 0


def test_worker_refuses_a_non_positive_autopilot_interval(db: Database) -> None:
    result = runner.invoke(app, ["worker", "--once", "--autopilot-every", "0"])

    assert result.exit_code != 0
    assert "--autopilot-every" in result.stderr and "Traceback" not in result.stderr


def test_worker_runs_an_autopilot_cycle_only_when_one_is_due(
    db: Database, org_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    from app.worker import run_worker

    noon = datetime(2026, 12, 1, 12, tzinfo=UTC)
    ticks = iter(noon + timedelta(seconds=100 * i) for i in range(1_000))

    with caplog.at_level("INFO", logger="delegate.worker"):
        run_worker(
            db,
            once=False,
            interval=0,
            max_rounds=12,
            autopilot_every=300,
            clock=lambda: next(ticks),
        )

    cycles = [r for r in caplog.records if r.getMessage().startswith("autopilot cycle:")]
    assert 2 <= len(cycles) < 12


def test_schedule_without_a_server_is_a_one_line_error(db: Database) -> None:
    result = runner.invoke(app, ["autopilot", "--schedule", "*/15 * * * *"])

    assert result.exit_code != 0
    assert "--server" in result.stderr and "Traceback" not in result.stderr


def test_schedule_with_an_unreachable_server_is_a_one_line_error(db: Database) -> None:
    from tests.fixtures.langgraph_server import free_port

    url = f"http://127.0.0.1:{free_port()}"
    result = runner.invoke(app, ["autopilot", "--schedule", "*/15 * * * *", "--server", url])

    assert result.exit_code != 0
    assert "cannot reach the server" in result.stderr and "Traceback" not in result.stderr
