"""`delegate worker --concurrency N` as a real process: runs overlap, limits hold, SIGTERM drains.

The worker talks to the OpenAI stand-in through the real client (DELEGATE_MODEL=openai:...).
The stand-in holds each model request at a gate until enough requests are in flight at once,
so overlap is shown by events (how many requests were open together), never by time. With
DELEGATE_TEST_DATABASE=postgresql the same tests run on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agents.classification import Classification
from app.fleet import run_fleet, serve_fleet
from graphs.async_runner import AsyncTaskRunner
from graphs.runner import task_runner
from store import claims
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus, ExecutionType, Strategy
from tests.fixtures.openai_standin import (
    STANDIN_API_KEY,
    STANDIN_MODEL,
    OpenAIStandin,
    StandinRequest,
)

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 120.0
DELIVERABLE = "Unit tests catch regressions early and document what the code must do."
IMMEDIATE = Classification(
    strategy=Strategy.IMMEDIATE,
    execution_type=ExecutionType.FULLY_AUTOMATED,
    confidence=0.9,
    reason="A short summary the AI can write now.",
    route="writer",
)


def answer(request: StandinRequest) -> Any:
    return IMMEDIATE if "Classification" in request.tool_names else DELIVERABLE


class Gate:
    """Holds the model requests until `together` are in flight at once (then lets every
    request through, as `open()` does),
    and counts the most requests in flight at once."""

    def __init__(self, together: int) -> None:
        self.together = together
        self.arrived = 0
        self.in_flight = 0
        self.peak = 0
        self.opened = False
        self._cond = threading.Condition()

    def __call__(self, request: StandinRequest) -> Any:
        with self._cond:
            self.arrived += 1
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            if self.in_flight >= self.together:
                self.opened = True
            self._cond.notify_all()
            self._cond.wait_for(lambda: self.opened, timeout=DEADLINE)
        try:
            return answer(request)
        finally:
            with self._cond:
                self.in_flight -= 1

    def open(self) -> None:
        with self._cond:
            self.opened = True
            self._cond.notify_all()

    def wait_for_arrivals(self, count: int, worker: subprocess.Popen[str]) -> None:
        end = time.monotonic() + DEADLINE
        with self._cond:
            while self.arrived < count:
                assert worker.poll() is None, "the worker stopped early"
                assert time.monotonic() < end, f"only {self.arrived} model requests arrived"
                self._cond.wait(timeout=0.1)


@pytest.fixture
def standin() -> Iterator[OpenAIStandin]:
    server = OpenAIStandin()
    server.start()
    yield server
    server.close()


@pytest.fixture
def start_worker(
    db: Database, standin: OpenAIStandin, tmp_path: Path
) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start `delegate worker ARGS` against the test database and the stand-in."""
    started: list[subprocess.Popen[str]] = []

    def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        log = (tmp_path / f"worker-{len(started)}.log").open("w")
        worker = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker", *args],
            cwd=REPO_ROOT,
            env={
                **os.environ,
                "DELEGATE_DATABASE_URL": db.url,
                "DELEGATE_MODEL": STANDIN_MODEL,
                "OPENAI_BASE_URL": standin.base_url,
                "OPENAI_API_KEY": STANDIN_API_KEY,
                "NO_PROXY": "127.0.0.1,localhost",
                "DELEGATE_LOG_LEVEL": "INFO",
                **(env or {}),
            },
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=30)


def make_tasks(db: Database, org_id: str, count: int) -> list[str]:
    with db.session() as session:
        return [
            repo.create_task(
                session,
                org_id,
                f"Summarize the benefits of unit testing, take {n}",
                execution_type=ExecutionType.FULLY_AUTOMATED.value,
            ).id
            for n in range(count)
        ]


def statuses(db: Database, org_id: str, task_ids: list[str]) -> list[str]:
    with db.session() as session:
        return [repo.get_task(session, org_id, t).execution_status for t in task_ids]


def finish(worker: subprocess.Popen[str]) -> str:
    stdout, _ = worker.communicate(timeout=DEADLINE)
    assert worker.returncode == 0, stdout
    return stdout


def wait_for_log(path: Path, text: str, worker: subprocess.Popen[str]) -> None:
    end = time.monotonic() + DEADLINE
    while text not in path.read_text():
        assert worker.poll() is None, path.read_text()
        assert time.monotonic() < end, f"the worker never logged {text!r}"
        time.sleep(0.05)


def test_one_worker_process_runs_tasks_at_the_same_time(
    db: Database, org_id: str, standin: OpenAIStandin, start_worker: Any
) -> None:
    tasks = make_tasks(db, org_id, 4)
    gate = standin.default = Gate(together=4)

    finish(start_worker("--once", "--concurrency", "4"))

    assert gate.peak == 4  # all four tasks were asking the model at once
    assert statuses(db, org_id, tasks) == [ExecutionStatus.COMPLETED.value] * 4


def test_model_calls_in_flight_never_exceed_the_model_limit(
    db: Database, org_id: str, standin: OpenAIStandin, start_worker: Any
) -> None:
    tasks = make_tasks(db, org_id, 6)
    gate = standin.default = Gate(together=2)

    finish(start_worker("--once", "--concurrency", "6", env={"DELEGATE_MODEL_CONCURRENCY": "2"}))

    assert gate.peak == 2
    assert statuses(db, org_id, tasks) == [ExecutionStatus.COMPLETED.value] * 6


def test_sigterm_lets_runs_in_flight_finish_and_claims_nothing_more(
    db: Database, org_id: str, standin: OpenAIStandin, start_worker: Any, tmp_path: Path
) -> None:
    first, second, third = make_tasks(db, org_id, 3)
    gate = standin.default = Gate(together=99)
    worker = start_worker("--concurrency", "2", "--interval", "0.1")
    gate.wait_for_arrivals(2, worker)

    worker.send_signal(signal.SIGTERM)
    wait_for_log(tmp_path / "worker-0.log", "stopping: 2 run(s) in flight", worker)
    gate.open()
    finish(worker)

    done = ExecutionStatus.COMPLETED.value
    assert sorted(statuses(db, org_id, [first, second, third])) == sorted([done, done, "pending"])
    with db.session() as session:
        never_claimed = [
            t for t in (first, second, third) if repo.get_task(session, org_id, t).claim_token == 0
        ]
    assert len(never_claimed) == 1


def test_sigterm_releases_runs_that_outlast_the_grace_for_the_next_worker(
    db: Database, org_id: str, standin: OpenAIStandin, start_worker: Any
) -> None:
    tasks = make_tasks(db, org_id, 2)
    gate = standin.default = Gate(together=99)
    worker = start_worker("--concurrency", "2", "--grace", "0.2")
    gate.wait_for_arrivals(2, worker)

    worker.send_signal(signal.SIGTERM)
    stdout = finish(worker)
    try:
        taken = claims.claim_batch(db, org_id, "the-next-worker", limit=5, lease=60)
    finally:
        gate.open()

    assert "released 2 unfinished task(s)" in stdout
    assert sorted(claim.task_id for claim in taken) == sorted(tasks)


def test_an_approval_a_fleet_run_paused_on_is_carried_out_by_a_person(
    db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DELEGATE_MODEL", "offline")
    with db.session() as session:
        task_id = repo.create_task(
            session,
            org_id,
            "Send an email to john@example.com thanking him for the meeting",
            execution_type=ExecutionType.SEMI_AUTOMATED.value,
        ).id

    report = run_fleet(db, concurrency=2, once=True, handle_signals=False)
    with task_runner(db) as runner:
        approval = runner.pending_approval(task_id)
        approved = runner.approve(task_id)

    assert [o["status"] for o in report.outcomes] == [ExecutionStatus.PAUSED.value]
    assert approval is not None
    assert approved["status"] == ExecutionStatus.COMPLETED.value


def test_a_finished_fleet_run_ends_its_claim_with_its_last_write(
    db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DELEGATE_MODEL", "offline")
    tasks = make_tasks(db, org_id, 2)
    released: list[str] = []
    release = AsyncTaskRunner.release
    monkeypatch.setattr(
        AsyncTaskRunner,
        "release",
        lambda runner, claim: released.append(claim.task_id) or release(runner, claim),
    )

    run_fleet(db, concurrency=2, once=True, handle_signals=False)

    assert statuses(db, org_id, tasks) == [ExecutionStatus.COMPLETED.value] * 2
    assert released == []  # completing ended each claim: no release write after it
    with db.session() as session:
        rows = [repo.get_task(session, org_id, t) for t in tasks]
        assert [(r.claim_owner, r.lease_expires_at) for r in rows] == [(None, None)] * 2


def test_a_place_whose_run_ended_runs_the_next_task_while_the_event_loop_is_busy(
    db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The event loop claims for free places; a run that ended is followed by the next one in
    # its own thread, without waiting for the loop (which 50 runs in flight keep waiting).
    monkeypatch.setenv("DELEGATE_MODEL", "offline")
    tasks = make_tasks(db, org_id, 3)
    all_ran = threading.Event()
    ran: list[str] = []
    loop_saw_all_run: list[bool] = []
    run_here = AsyncTaskRunner.run_claimed_here

    async def main() -> None:
        loop = asyncio.get_running_loop()

        def block_the_loop() -> None:
            loop_saw_all_run.append(all_ran.wait(DEADLINE))

        def run_and_count(runner: AsyncTaskRunner, claim: claims.Claim) -> Any:
            if not ran:
                loop.call_soon_threadsafe(block_the_loop)
            outcome = run_here(runner, claim)
            ran.append(claim.task_id)
            if len(ran) == len(tasks):
                all_ran.set()
            return outcome

        monkeypatch.setattr(AsyncTaskRunner, "run_claimed_here", run_and_count)
        await serve_fleet(db, concurrency=1, once=True, handle_signals=False)

    asyncio.run(main())

    assert loop_saw_all_run == [True]
    assert sorted(ran) == sorted(tasks)
    assert statuses(db, org_id, tasks) == [ExecutionStatus.COMPLETED.value] * 3


def test_sigterm_lets_a_one_at_a_time_worker_finish_its_task_and_release_the_rest(
    db: Database, org_id: str, standin: OpenAIStandin, start_worker: Any
) -> None:
    tasks = make_tasks(db, org_id, 2)
    gate = standin.default = Gate(together=99)
    worker = start_worker("--interval", "0.1")
    gate.wait_for_arrivals(1, worker)

    worker.send_signal(signal.SIGTERM)
    gate.open()
    finish(worker)

    with db.session() as session:
        rows = [repo.get_task(session, org_id, t) for t in tasks]
    done = [r for r in rows if r.execution_status == ExecutionStatus.COMPLETED.value]
    left = [r for r in rows if r.execution_status == "pending"]
    assert len(done) == 1 and len(left) == 1
    assert left[0].claim_owner is None  # its claim was released: any worker may take it


def test_a_worker_process_freezes_what_its_start_up_left(db: Database) -> None:
    # A fleet owning its process (the CLI's, the benchmark's) moves start-up's objects out of
    # the garbage collector's walks once the model is built, before it claims anything.
    script = (
        "import gc, sys\n"
        "from app.fleet import run_fleet, serve_fleet\n"
        "from store.db import get_database\n"
        "before = gc.get_freeze_count()\n"
        "run_fleet(get_database(None), concurrency=2, once=True)\n"
        "print(before, gc.get_freeze_count())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env={**os.environ, "DELEGATE_DATABASE_URL": db.url, "DELEGATE_MODEL": "offline"},
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert done.returncode == 0, done.stderr
    before, after = map(int, done.stdout.split())
    assert before == 0
    assert after > 0


def test_a_fleet_that_does_not_own_its_process_leaves_the_collector_alone(
    db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DELEGATE_MODEL", "offline")
    tasks = make_tasks(db, org_id, 1)
    frozen = gc.get_freeze_count()

    run_fleet(db, concurrency=2, once=True, handle_signals=False)

    assert statuses(db, org_id, tasks) == [ExecutionStatus.COMPLETED.value]
    assert gc.get_freeze_count() == frozen
