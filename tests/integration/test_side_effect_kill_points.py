"""Exactly one visible side effect across a SIGKILL at any point of it.

A child process runs the task and SIGKILLs itself before the provider call, after the
provider accepted it, or after the ledger recorded it (before the run's next checkpoint);
then this process takes the task over. The provider's own record (the stand-ins' mailbox,
calendar and channel, or the sandbox tables) shows exactly one message, event or post.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from agents.models import register_model, unregister_model
from agents.scripted import ScriptedChatModel
from graphs.runner import task_runner
from store.claims import lease_seconds
from store.db import Database
from store.models import SandboxChatMessage, SandboxEmail, SandboxEvent, utcnow
from tests.fixtures.agent_runs import events, load_task
from tests.fixtures.killed_run import KILL_POINTS, scripted_answers

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
TAKEOVER = "takeover"


@dataclass(frozen=True)
class Action:
    """One side effect a task asks for: its title, the tool call, and the env it needs."""

    title: str
    tool: str
    args: dict[str, Any]
    env_fixture: str | None
    """gmail_env / slack_env for the stand-ins; None for the sandbox backends."""


EMAIL = Action(
    "Reply to john@example.com thanking him for the meeting",
    "send_email",
    {"to": ["john@example.com"], "subject": "Thanks", "body": "Thank you, John."},
    "gmail_env",
)
EVENT = Action(
    "Schedule a design review with ann@example.com on 1 May 2030 at 15:00 UTC",
    "create_calendar_event",
    {
        "summary": "Design review",
        "start": "2030-05-01T15:00:00+00:00",
        "end": "2030-05-01T15:30:00+00:00",
        "attendees": ["ann@example.com"],
    },
    "gmail_env",
)
POST = Action(
    "Post the launch time to #general on Slack",
    "post_slack_message",
    {"channel": "#general", "text": "Launch at 5pm"},
    "slack_env",
)


def _after_the_lease() -> datetime:
    return utcnow() + timedelta(seconds=lease_seconds() + 1)


def _kill_in_child(db: Database, task_id: str, kill_point: str, action: Action) -> None:
    """Run the task in a child process that SIGKILLs itself at `kill_point`."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.fixtures.killed_run",
            db.url,
            task_id,
            kill_point,
            action.tool,
            json.dumps(action.args),
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "DELEGATE_DATABASE_URL": db.url},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]


def _run(
    request: pytest.FixtureRequest, db: Database, action: Action, kill_point: str
) -> tuple[str, str, dict[str, Any]]:
    """Create the task, kill its run in a child at `kill_point`, take it over here."""
    if action.env_fixture:
        request.getfixturevalue(action.env_fixture)
    # The process taking over runs the same model: it proposes the same call again.
    register_model(TAKEOVER, ScriptedChatModel(default=scripted_answers(action.tool, action.args)))
    try:
        # The taking-over process sees the dead child's lease as expired (a clock past it).
        with task_runner(db, model=TAKEOVER, clock=_after_the_lease) as runner:
            task_id = runner.create(action.title)
            _kill_in_child(db, task_id, kill_point, action)
            return runner.org_id, task_id, runner.recover(task_id)
    finally:
        unregister_model(TAKEOVER)


def _provider_record(request: pytest.FixtureRequest, action: Action) -> Callable[[], int]:
    """How many messages, events or posts the stand-in's own record holds."""
    if action.tool == "post_slack_message":
        slack = request.getfixturevalue("slack_standin")
        return lambda: len(slack.messages)
    google = request.getfixturevalue("google_standin")
    if action.tool == "send_email":
        return lambda: len(google.sent_messages())
    return lambda: len(google.events)


@pytest.mark.parametrize("kill_point", KILL_POINTS)
@pytest.mark.parametrize("action", [EMAIL, EVENT, POST], ids=lambda a: a.tool)
def test_a_killed_side_effect_happens_exactly_once_at_the_provider(
    request: pytest.FixtureRequest,
    db: Database,
    action: Action,
    kill_point: str,
) -> None:
    org_id, task_id, outcome = _run(request, db, action, kill_point)

    assert outcome["status"] == "completed"
    assert _provider_record(request, action)() == 1
    assert len(events(db, org_id, task_id, "side_effect_done")) <= 1
    (result_action,) = load_task(db, org_id, task_id).result["actions"]  # type: ignore[index]
    assert result_action["tool"] == action.tool


SANDBOX_ROWS = {
    "send_email": select(func.count())
    .select_from(SandboxEmail)
    .where(SandboxEmail.folder == "sent"),
    "create_calendar_event": select(func.count()).select_from(SandboxEvent),
    "post_slack_message": select(func.count()).select_from(SandboxChatMessage),
}


@pytest.mark.parametrize("action", [EMAIL, EVENT, POST], ids=lambda a: a.tool)
def test_a_sandbox_side_effect_killed_after_it_was_accepted_happens_once(
    request: pytest.FixtureRequest, db: Database, action: Action
) -> None:
    sandbox_action = Action(action.title, action.tool, action.args, None)
    _, _, outcome = _run(request, db, sandbox_action, "after_provider_accepted")

    assert outcome["status"] == "completed"
    with db.session() as session:
        assert session.scalar(SANDBOX_ROWS[action.tool]) == 1
