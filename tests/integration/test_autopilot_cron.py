"""The autopilot as a LangGraph cron on `langgraph dev` (in-memory runtime), through
`delegate autopilot --schedule` (langgraph_sdk's crons.create / update / delete): one cron per
organization, rescheduled in place, and the server runs cycles on it for that organization."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import app
from store.models import Task
from store.orgs import DEFAULT_ORG, ensure_organization
from tests.fixtures.langgraph_server import LangGraphServer
from tests.integration.test_langgraph_server import _decision, answering
from tools.calendar.sandbox import SandboxCalendar

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

cli = CliRunner()
#: Long enough for the server's cron scheduler (it looks every 5 s) to start a run.
CRON_DEADLINE_S = 60.0


@pytest.fixture
def server(langgraph_server: LangGraphServer) -> Iterator[LangGraphServer]:
    langgraph_server.model.default = answering(_decision())
    yield langgraph_server
    langgraph_server.model.default = None
    _delegate(langgraph_server, "--unschedule")


@pytest.fixture
def client(server: LangGraphServer) -> SyncLangGraphClient:
    return get_sync_client(url=server.url, headers=server.api_headers)


def _autopilot(client: SyncLangGraphClient) -> str:
    return str(client.assistants.search(graph_id="autopilot", limit=1)[0]["assistant_id"])


def _delegate(server: LangGraphServer, *args: str) -> dict[str, object]:
    result = cli.invoke(
        app,
        ["autopilot", *args, "--server", server.url, "--api-key", server.api_key, "--json"],
    )
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_schedule_creates_one_cron_and_a_new_schedule_updates_it(
    server: LangGraphServer, client: SyncLangGraphClient
) -> None:
    first = _delegate(server, "--schedule", "0 * * * *")
    again = _delegate(server, "--schedule", "*/30 * * * *")

    assert first["created"] is True and again["created"] is False
    assert again["cron_id"] == first["cron_id"]
    crons = client.crons.search(assistant_id=_autopilot(client))
    assert [(str(c["cron_id"]), c["schedule"]) for c in crons] == [
        (first["cron_id"], "*/30 * * * *")
    ]
    assert again["next_run_date"]


def test_unschedule_removes_the_cron(server: LangGraphServer, client: SyncLangGraphClient) -> None:
    made = _delegate(server, "--schedule", "0 * * * *")

    removed = _delegate(server, "--unschedule")

    assert removed["removed"] == [made["cron_id"]]
    assert client.crons.search(assistant_id=_autopilot(client)) == []


def test_a_bad_schedule_is_a_one_line_error_naming_it(server: LangGraphServer) -> None:
    result = cli.invoke(
        app,
        ["autopilot", "--schedule", "every hour please", "--server", server.url,
         "--api-key", server.api_key],
    )  # fmt: skip

    assert result.exit_code != 0
    assert "--schedule" in result.stderr and "Traceback" not in result.stderr


def test_a_bad_api_key_is_refused_by_the_server(server: LangGraphServer) -> None:
    result = cli.invoke(
        app,
        ["autopilot", "--schedule", "0 * * * *", "--server", server.url, "--api-key", "nope"],
    )

    assert result.exit_code != 0
    assert "API key" in result.stderr and "Traceback" not in result.stderr


def test_the_server_runs_autopilot_cycles_on_the_schedule(server: LangGraphServer) -> None:
    db = server.database
    try:
        with db.session() as session:
            org_id = ensure_organization(session, DEFAULT_ORG).id
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=20)
        SandboxCalendar(db, org_id).create_event(
            "cronplan1",
            "Cron planning",
            start,
            start + timedelta(minutes=30),
            attendees=["ann@example.com"],
        )

        # A seconds field (croniter's sixth) so the test need not wait for a minute to turn.
        _delegate(server, "--schedule", "* * * * * */2")
        drafts = _wait_for_tasks(db, org_id, "Draft meeting agenda for Cron planning")
        _delegate(server, "--unschedule")

        assert len(drafts) == 1
        trigger = drafts[0].ai_context["trigger"]
        assert (trigger["kind"], trigger["event_id"]) == ("calendar_event", "cronplan1")
        assert drafts[0].ai_context["created_by"] == "autopilot"
    finally:
        db.dispose()


def _wait_for_tasks(db: object, org_id: str, title: str) -> list[Task]:
    deadline = time.monotonic() + CRON_DEADLINE_S
    pause = threading.Event()
    while time.monotonic() < deadline:
        with db.session() as session:  # type: ignore[attr-defined]
            found = list(
                session.scalars(select(Task).where(Task.org_id == org_id, Task.title == title))
            )
        if found:
            return found
        pause.wait(0.5)
    raise AssertionError(f"no task {title!r} within {CRON_DEADLINE_S:.0f} s")
