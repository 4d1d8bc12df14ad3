"""An operator's mistakes in the fleet commands, as real `delegate` processes: each is one
line naming what is wrong, a non-zero exit, and a store left as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus, ExecutionType

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]


def delegate(db: Database, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=REPO_ROOT,
        env={**os.environ, "DELEGATE_DATABASE_URL": db.url, "DELEGATE_MODEL": "offline", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_refused_untouched(
    done: subprocess.CompletedProcess[str], db: Database, org_id: str, task_id: str, variable: str
) -> None:
    """One line naming `variable`, a non-zero exit, and the task still pending, unclaimed."""
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: {variable} must be"), done.stderr
    with db.session() as session:
        task = repo.get_task(session, org_id, task_id)
        assert task.execution_status == ExecutionStatus.PENDING.value
        assert task.claim_owner is None
        assert task.failure_reason is None


@pytest.fixture
def pending_task(db: Database, org_id: str) -> str:
    with db.session() as session:
        return repo.create_task(
            session,
            org_id,
            "Translate 'good morning' into French",
            execution_type=ExecutionType.FULLY_AUTOMATED.value,
        ).id


@pytest.mark.parametrize("lease", ["nan", "inf", "1e300"])
@pytest.mark.parametrize("command", [["worker", "--once"], ["execute"], ["recover"]])
def test_a_lease_that_is_not_a_usable_number_of_seconds_is_one_line_naming_the_variable(
    db: Database, org_id: str, pending_task: str, command: list[str], lease: str
) -> None:
    args = [*command, pending_task] if command == ["execute"] else command
    done = delegate(db, *args, env={"DELEGATE_LEASE_SECONDS": lease})

    assert_refused_untouched(done, db, org_id, pending_task, "DELEGATE_LEASE_SECONDS")


@pytest.mark.parametrize("limit", ["abc", "0"])
@pytest.mark.parametrize("command", [["worker", "--once"], ["execute"]])
def test_a_bad_provider_limit_stops_the_command_and_fails_no_task(
    db: Database, org_id: str, pending_task: str, command: list[str], limit: str
) -> None:
    args = [*command, pending_task] if command == ["execute"] else command
    done = delegate(db, *args, env={"DELEGATE_MODEL_CONCURRENCY": limit})

    assert_refused_untouched(done, db, org_id, pending_task, "DELEGATE_MODEL_CONCURRENCY")


@pytest.mark.parametrize(
    ("option", "value"),
    [("--interval", "-1"), ("--interval", "0"), ("--interval", "nan"), ("--grace", "nan")],
)
def test_a_worker_poll_interval_or_grace_that_is_no_duration_is_refused(
    db: Database, pending_task: str, option: str, value: str
) -> None:
    done = delegate(db, "worker", option, value, env={})

    least = "0 seconds or more" if option == "--grace" else "more than 0 seconds"
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: {option} must be {least}, not {float(value)}"
    ]


@pytest.mark.parametrize("value", ["0", "1001", "1000000"])
def test_a_concurrency_beyond_what_one_worker_can_hold_is_refused(
    db: Database, pending_task: str, value: str
) -> None:
    done = delegate(db, "worker", "--concurrency", value, env={})

    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: --concurrency must be from 1 to 1000 (each run in flight holds a thread and a "
        f"database connection), not {value}"
    ]
