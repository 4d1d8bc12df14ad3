"""Concurrent updates of one task never lose a write, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from store import tasks as repo
from store.db import ALL_ORGANIZATIONS, Database
from store.enums import ExecutionStatus as S
from store.errors import IllegalTransition
from store.orgs import ensure_organization

pytestmark = pytest.mark.integration

WORKERS = 8
APPENDS_PER_WORKER = 10


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """A migrated store on a SQLite file, then on PostgreSQL."""
    if request.param == "postgres":
        return request.getfixturevalue("pg_db")
    database = Database(
        f"sqlite:///{tmp_path / 'concurrency.db'}", default_org_id=ALL_ORGANIZATIONS
    )
    database.upgrade()
    request.addfinalizer(database.dispose)
    return database


@pytest.fixture
def org(store: Database) -> str:
    with store.session() as session:
        return ensure_organization(session, "default").id


def _in_parallel(workers: int, work: Callable[[int], Any]) -> tuple[list[Any], list[BaseException]]:
    """Run work(0..workers-1) in threads released together; their results and errors."""
    barrier = threading.Barrier(workers)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        barrier.wait(timeout=30)
        try:
            value = work(n)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        else:
            with lock:
                results.append(value)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a worker thread hung"
    return results, errors


def _new_task(store: Database, org: str, **fields: Any) -> str:
    with store.session() as session:
        return repo.create_task(session, org, "Shared task", **fields).id


def _log(store: Database, org: str, task_id: str) -> list[dict[str, Any]]:
    with store.session() as session:
        return list(repo.get_task(session, org, task_id).execution_log)


def test_concurrent_log_appends_are_all_kept(store: Database, org: str) -> None:
    task_id = _new_task(store, org)

    def append(worker: int) -> None:
        for n in range(APPENDS_PER_WORKER):
            with store.session() as session:
                repo.add_execution_log_entry(
                    session, org, task_id, {"event": "note", "worker": worker, "n": n}
                )

    _, errors = _in_parallel(WORKERS, append)
    assert errors == []
    notes = [(e["worker"], e["n"]) for e in _log(store, org, task_id) if e["event"] == "note"]
    assert sorted(notes) == [(w, n) for w in range(WORKERS) for n in range(APPENDS_PER_WORKER)]


def test_each_writers_entries_stay_in_its_order(store: Database, org: str) -> None:
    task_id = _new_task(store, org)

    def append(worker: int) -> None:
        for n in range(APPENDS_PER_WORKER):
            with store.session() as session:
                repo.add_execution_log_entry(
                    session, org, task_id, {"event": "note", "worker": worker, "n": n}
                )

    _in_parallel(4, append)
    log = [e for e in _log(store, org, task_id) if e["event"] == "note"]
    for worker in range(4):
        assert [e["n"] for e in log if e["worker"] == worker] == list(range(APPENDS_PER_WORKER))


def test_concurrent_starts_let_exactly_one_run(store: Database, org: str) -> None:
    task_id = _new_task(store, org)

    def start(worker: int) -> int:
        with store.session() as session:
            repo.start_task_execution(session, org, task_id, f"worker-{worker}", "agent")
        return worker

    winners, errors = _in_parallel(WORKERS, start)
    assert len(winners) == 1
    assert len(errors) == WORKERS - 1
    assert all(isinstance(e, IllegalTransition) for e in errors)
    log = _log(store, org, task_id)
    started = [e for e in log if e["event"] == "started"]
    assert [e["executor_id"] for e in started] == [f"worker-{winners[0]}"]


def test_transitions_and_appends_at_once_lose_nothing(store: Database, org: str) -> None:
    task_id = _new_task(store, org)
    cycles = 6

    def work(worker: int) -> None:
        if worker == 0:  # one executor cycles the task through the lifecycle
            for n in range(cycles):
                with store.session() as session:
                    repo.start_task_execution(session, org, task_id)
                with store.session() as session:
                    repo.block_task_execution(session, org, task_id, f"needs input {n}")
                with store.session() as session:
                    repo.queue_task(session, org, task_id)
            return
        for n in range(APPENDS_PER_WORKER):
            with store.session() as session:
                repo.add_execution_log_entry(
                    session, org, task_id, {"event": "note", "worker": worker, "n": n}
                )

    _, errors = _in_parallel(5, work)
    assert errors == []
    log = _log(store, org, task_id)
    events = [e["event"] for e in log]
    assert events.count("note") == 4 * APPENDS_PER_WORKER
    moves = [e["event"] for e in log if e["event"] != "note"]
    assert moves == ["created"] + ["started", "blocked", "queued"] * cycles
    with store.session() as session:
        assert repo.get_task(session, org, task_id).status is S.QUEUED


def test_concurrent_failures_count_every_retry(store: Database, org: str) -> None:
    task_id = _new_task(store, org, max_retries=100)
    rounds = 5

    def run_and_fail(worker: int) -> int:
        failures = 0
        for _ in range(rounds):
            try:
                with store.session() as session:
                    repo.start_task_execution(session, org, task_id, f"worker-{worker}")
            except IllegalTransition:
                continue  # someone else is running it
            with store.session() as session:
                repo.fail_task_execution(session, org, task_id, f"worker {worker} failed")
            failures += 1
        return failures

    results, errors = _in_parallel(4, run_and_fail)
    assert errors == []
    with store.session() as session:
        task = repo.get_task(session, org, task_id)
        retry_count = task.retry_count
        scheduled = [e for e in task.execution_log if e["event"] == "retry_scheduled"]
    assert retry_count == sum(results) == len(scheduled)
    assert [e["retry_count"] for e in scheduled] == list(range(1, retry_count + 1))


def test_concurrent_first_use_creates_one_organization(store: Database) -> None:
    def ensure(_worker: int) -> str:
        with store.session() as session:
            return ensure_organization(session, "brand-new").id

    ids, errors = _in_parallel(WORKERS, ensure)
    assert errors == []
    assert len(set(ids)) == 1


def _append_in_process(url: str, org: str, task_id: str, worker: int, count: int) -> None:
    database = Database(url, default_org_id=ALL_ORGANIZATIONS)
    try:
        for n in range(count):
            with database.session() as session:
                repo.add_execution_log_entry(
                    session, org, task_id, {"event": "note", "worker": worker, "n": n}
                )
    finally:
        database.dispose()


def test_appends_from_separate_processes_are_all_kept(store: Database, org: str) -> None:
    task_id = _new_task(store, org)
    spawn = multiprocessing.get_context("spawn")
    processes = [
        spawn.Process(
            target=_append_in_process, args=(store.url, org, task_id, w, APPENDS_PER_WORKER)
        )
        for w in range(4)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0] * 4
    notes = [(e["worker"], e["n"]) for e in _log(store, org, task_id) if e["event"] == "note"]
    assert sorted(notes) == [(w, n) for w in range(4) for n in range(APPENDS_PER_WORKER)]
