"""A worker SIGKILLed mid-run: its task is taken over after the lease and finishes once.

The child is a real `run_worker` process on a SQLite file. It stops at a chosen point of the
run (after `prepare` committed but before its checkpoint, while classifying, while executing),
says so in a marker file and waits there until it is killed. The test process then plays the
next worker, with a clock past the dead worker's lease.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from agents.scripted import ScriptedChatModel
from app.worker import run_worker
from store import tasks as repo
from store.claims import lease_seconds
from store.db import Database
from store.enums import ExecutionStatus as S
from store.models import utcnow
from tests.integration.test_resume_other_process import finishing_model

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
TITLE = "Translate the welcome note into French"
DELIVERABLE = "Bienvenue dans l'équipe, nous sommes ravis que vous soyez là."

#: The child: a worker whose graph stops at NODE (before it runs, or after it returned when
#: WHEN is "after"), writes MARKER and waits to be killed.
CHILD = """
import sys, threading
from pathlib import Path
import graphs.execute_task as execute_task
from agents.classification import Classification
from agents.models import register_model
from agents.scripted import ScriptedChatModel
from app.worker import run_worker
from store.db import Database

url, node, when, marker = sys.argv[1:5]
real = getattr(execute_task, node)

def stop_here():
    Path(marker).write_text("stopped")
    threading.Event().wait()

def stopping(state, runtime):
    if when == "before":
        stop_here()
    update = real(state, runtime)
    stop_here()

setattr(execute_task, node, stopping)

def answer(messages, tools):
    if tools:
        return Classification(strategy="immediate", execution_type="fully_automated",
                              confidence=0.8, reason="a translation the AI can write",
                              route="writer")
    return "Une traduction du premier processus."

register_model("child", ScriptedChatModel(default=answer))
run_worker(Database(url), once=True, owner="worker-that-dies")
"""


def after_the_lease() -> datetime:
    return utcnow() + timedelta(seconds=lease_seconds() + 1)


def wait_for(path: Path, child: subprocess.Popen[str], deadline: float = 120.0) -> None:
    """Wait (with a deadline) until the child says it stopped where it was told to."""
    end = time.monotonic() + deadline
    while not path.exists():
        assert child.poll() is None, child.communicate()[1]
        assert time.monotonic() < end, "the worker never reached its stop"
        time.sleep(0.05)


@contextmanager
def killed_where_it_stops(
    script: str, args: list[str], env: dict[str, str], marker: Path
) -> Iterator[None]:
    """Run `python -c script *args` until it says (`marker`) it stopped where it was told to,
    then SIGKILL it there."""
    child = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(marker, child)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        yield
    finally:
        if child.poll() is None:
            child.kill()


@pytest.fixture
def killed_at(
    request: pytest.FixtureRequest, db: Database, org_id: str, tmp_path: Path
) -> Iterator[str]:
    """A task whose worker was SIGKILLed at (node, before|after); yields the task id."""
    node, when = request.param
    with db.session() as session:
        task_id = repo.create_task(
            session, org_id, TITLE, description="Welcome to the team, we are glad you are here."
        ).id
    marker = tmp_path / "stopped"
    env = {**os.environ, "DELEGATE_DATABASE_URL": db.url, "DELEGATE_MODEL": "child"}
    with killed_where_it_stops(CHILD, [db.url, node, when, str(marker)], env, marker):
        yield task_id


KILL_POINTS = [
    pytest.param(("prepare", "after"), id="after-prepare-before-its-checkpoint"),
    pytest.param(("classify", "before"), id="while-classifying"),
    pytest.param(("execute", "before"), id="while-executing"),
]


def load(db: Database, org_id: str, task_id: str) -> repo.Task:
    with db.session() as session:
        return repo.get_task(session, org_id, task_id)


@pytest.mark.parametrize("killed_at", KILL_POINTS, indirect=True)
def test_killed_workers_task_stays_claimed_until_its_lease_expires(
    killed_at: str, db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    task = load(db, org_id, killed_at)
    assert task.status is S.IN_PROGRESS
    assert task.claim_owner == "worker-that-dies"

    assert run_worker(db, once=True) == []
    assert scripted_model.calls == []


@pytest.mark.parametrize("killed_at", KILL_POINTS, indirect=True)
def test_next_worker_takes_over_after_the_lease_and_completes_once(
    killed_at: str, db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.default = finishing_model

    outcomes = run_worker(db, once=True, clock=after_the_lease)

    assert [(o["task_id"], o["status"]) for o in outcomes] == [(killed_at, "completed")]
    task = load(db, org_id, killed_at)
    assert task.status is S.COMPLETED
    assert task.result is not None and task.result["output"] == DELIVERABLE
    events = [e["event"] for e in task.execution_log]
    assert events.count("completed") == 1
    assert events.count("taken_over") == 1
    assert task.claim_owner is None and task.claim_token == 2


@pytest.mark.parametrize("killed_at", [KILL_POINTS[2]], indirect=True)
def test_takeover_after_execute_began_does_not_classify_again(
    killed_at: str, db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.default = finishing_model

    run_worker(db, once=True, clock=after_the_lease)

    assert [call.tools for call in scripted_model.calls] == [[]]  # the deliverable only
    assert load(db, org_id, killed_at).status is S.COMPLETED
