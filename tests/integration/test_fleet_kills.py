"""A fleet on PostgreSQL survives SIGKILLs: 4 worker processes, 2,000 tasks, workers killed at
random moments and restarted. Every task ends exactly once (completed once, its Slack post
recorded once), none is lost, and no task ever had two owners writing at once.

Each worker is a real `delegate worker` process (tests/fixtures/fleet_worker.py: a scripted
model, the sandbox Slack). The lease is short (DELEGATE_LEASE_SECONDS), so a killed worker's
claimed tasks are taken over by the others within seconds. Kills fall at random points of
progress (a seeded generator picks them); the test waits on the count of completed tasks.
Runs in the PostgreSQL pass of `make test` (DELEGATE_TEST_DATABASE=postgresql).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from store import tasks as repo
from store.db import ALL_ORGANIZATIONS, Database
from store.enums import ExecutionStatus
from store.models import SandboxChatMessage, SideEffect, Task
from store.orgs import ensure_organization
from tests.fixtures import core
from tests.fixtures.fleet_worker import MODEL, POST_TITLE, WRITE_TITLE
from tests.fixtures.postgres import PostgresServer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres,
    # 2,000 full graph runs: minutes of CPU, and far longer on a busy machine.
    pytest.mark.timeout(1800),
    pytest.mark.skipif(
        not core.testing_on_postgres(), reason="a PostgreSQL fleet test (DELEGATE_TEST_DATABASE)"
    ),
]

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
TASKS = 2_000
KILLS = 6
#: Every POST_EVERY-th task posts to Slack (a run with a side effect costs about five plain
#: ones); the others write a deliverable.
POST_EVERY = 10
LEASE_SECONDS = "2"
#: Generous: a stuck fleet fails the test instead of hanging it; no duration is asserted.
DEADLINE_SECONDS = 1500


class Fleet:
    """WORKERS worker processes on one database; any of them can be killed and restarted."""

    def __init__(self, db: Database, logs: Path) -> None:
        self.env = {
            **os.environ,
            "DELEGATE_DATABASE_URL": db.url,
            "DELEGATE_MODEL": MODEL,
            "DELEGATE_LEASE_SECONDS": LEASE_SECONDS,
            "DELEGATE_SLACK_BACKEND": "sandbox",
            "DELEGATE_DEBUG": "1",
        }
        self.logs = logs
        self.started = 0
        self.workers: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        self.started += 1
        with open(self.logs / f"worker-{self.started}.log", "wb") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "tests.fixtures.fleet_worker"],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    def __enter__(self) -> Fleet:
        self.workers = [self.start() for _ in range(WORKERS)]
        return self

    def kill_and_restart(self, which: int) -> None:
        self.workers[which].kill()  # SIGKILL: no cleanup of any kind
        self.workers[which].wait(timeout=30)
        self.workers[which] = self.start()

    def assert_alive(self) -> None:
        for worker in self.workers:
            if worker.poll() is not None:
                logs = "\n".join(p.read_text()[-2000:] for p in self.logs.glob("*.log"))
                pytest.fail(f"a worker exited by itself ({worker.returncode}):\n{logs}")

    def __exit__(self, *_: Any) -> None:
        for worker in self.workers:
            worker.kill()
            worker.wait(timeout=30)


def completed(db: Database, org_id: str) -> int:
    query = select(func.count()).where(
        Task.org_id == org_id, Task.execution_status == ExecutionStatus.COMPLETED.value
    )
    with db.read_session(org_id) as session:
        return int(session.scalar(query) or 0)


@pytest.fixture(scope="module")
def fleet_db(postgres_server: PostgresServer, postgres_template: str) -> Iterator[Database]:
    """A fresh migrated database for the module: both tests read the one fleet run."""
    name = f"delegate_fleet_{uuid.uuid4().hex[:12]}"
    postgres_server.create_database(name, template=postgres_template)
    database = Database(postgres_server.url_for(name), default_org_id=ALL_ORGANIZATIONS)
    try:
        yield database
    finally:
        database.dispose()
        postgres_server.drop_database(name)


@pytest.fixture(scope="module")
def fleet_run(fleet_db: Database, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run TASKS tasks through the fleet, killing a random worker KILLS times."""
    db, logs = fleet_db, tmp_path_factory.mktemp("fleet")
    with db.session() as session:
        org_id = ensure_organization(session, "default").id
    with db.session(org_id) as session:
        for n in range(TASKS):
            title = (POST_TITLE if n % POST_EVERY == 0 else WRITE_TITLE).format(n=n)
            repo.create_task(session, org_id, title, execution_type="fully_automated")
    rng = random.Random(9)
    kill_when = sorted(rng.sample(range(TASKS // 50, TASKS * 9 // 10), KILLS))
    kills: list[int] = []
    deadline = time.monotonic() + DEADLINE_SECONDS
    with Fleet(db, logs) as fleet:
        while (done := completed(db, org_id)) < TASKS:
            assert time.monotonic() < deadline, f"only {done} of {TASKS} tasks completed"
            fleet.assert_alive()
            if len(kills) < KILLS and done >= kill_when[len(kills)]:
                kills.append(done)
                fleet.kill_and_restart(rng.randrange(WORKERS))
            time.sleep(0.05)  # a poll of the condition above, not a wait for something
    with db.read_session(org_id) as session:
        tasks = session.scalars(select(Task).where(Task.org_id == org_id)).all()
        # The channel log's posts, each traced to its task by the idempotency ledger's key.
        posts = session.scalars(
            select(SideEffect.task_id)
            .join(SandboxChatMessage, SandboxChatMessage.idempotency_key == SideEffect.key)
            .where(SandboxChatMessage.org_id == org_id)
        ).all()
        return {
            "kills": kills,
            "tasks": {t.id: (t.execution_status, t.claim_token, t.execution_log) for t in tasks},
            "posters": {t.id for t in tasks if "#general" in t.title},
            "posts": Counter(posts),
        }


def test_every_task_completes_exactly_once_across_random_kills(fleet_run: dict[str, Any]) -> None:
    tasks, posts = fleet_run["tasks"], fleet_run["posts"]

    assert len(fleet_run["kills"]) == KILLS
    assert len(tasks) == TASKS
    assert {status for status, _, _ in tasks.values()} == {ExecutionStatus.COMPLETED.value}
    for task_id, (_, _, log) in tasks.items():
        assert [e["event"] for e in log].count("completed") == 1, task_id
        assert log[-1]["event"] == "completed", task_id
    assert len(fleet_run["posters"]) == TASKS // POST_EVERY
    assert set(posts) == fleet_run["posters"]
    assert set(posts.values()) == {1}


def test_no_task_ever_had_two_owners_writing_at_once(fleet_run: dict[str, Any]) -> None:
    taken_over = 0
    for task_id, (_, stored_token, log) in fleet_run["tasks"].items():
        tokens = [e["claim_token"] for e in log if "claim_token" in e]
        assert tokens, task_id
        # A newer claim's first write ends the older claim's: no older token comes after it.
        assert tokens == sorted(tokens), (task_id, tokens)
        takeovers = [e["claim_token"] for e in log if e["event"] == "taken_over"]
        assert takeovers == sorted(set(takeovers)), (task_id, takeovers)
        assert max(tokens) <= stored_token
        taken_over += bool(takeovers)
    assert taken_over > 0  # the kills did strand runs, which others finished
