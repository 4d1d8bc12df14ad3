"""`delegate tasks --status in_progress` as a real process (80 columns, not a terminal): who
runs each task and until when its lease lasts, in full, not cut to "vm/12…" and "2026-1…"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from store import claims
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus, ExecutionType
from store.models import utcnow

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_in_progress_tasks_show_their_owner_and_lease_expiry_in_full(
    db: Database, org_id: str
) -> None:
    with db.session() as session:
        task_id = repo.create_task(
            session,
            org_id,
            "Translate the quarterly note about the Berlin office move into French",
            execution_type=ExecutionType.FULLY_AUTOMATED.value,
        ).id
    owner = claims.default_owner("worker")
    with db.transaction(org_id) as conn:
        claim = claims.claim_task(
            conn,
            org_id,
            task_id,
            owner,
            statuses=frozenset({ExecutionStatus.PENDING}),
            lease=600,
            now=utcnow(),
        )
        with claims.holding(claim):  # the run's prepare: a worker's task, mid-run
            repo.start_task_execution(conn, org_id, task_id, "execute_task", node="prepare")
    lease_until = f"{claim.lease_expires_at:%Y-%m-%d %H:%M:%S} UTC"

    shown = subprocess.run(
        [sys.executable, "-m", "app.cli", "tasks", "--status", "in_progress"],
        cwd=REPO_ROOT,
        env={**os.environ, "DELEGATE_DATABASE_URL": db.url, "COLUMNS": "80"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert shown.returncode == 0, shown.stderr
    assert owner in shown.stdout
    assert lease_until in shown.stdout
