"""Workers claiming at once share the queue: every task claimed once, none twice (SQLite and
PostgreSQL, where FOR UPDATE SKIP LOCKED keeps claimers from waiting on each other)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from store import claims
from store import tasks as repo
from store.db import ALL_ORGANIZATIONS, Database
from store.orgs import ensure_organization
from tests.integration.test_concurrency import _in_parallel

pytestmark = pytest.mark.integration

TASKS = 40
WORKERS = 8


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "postgres":
        return request.getfixturevalue("pg_db")
    database = Database(f"sqlite:///{tmp_path / 'workers.db'}", default_org_id=ALL_ORGANIZATIONS)
    database.upgrade()
    request.addfinalizer(database.dispose)
    return database


def test_concurrent_workers_claim_every_task_exactly_once(store: Database) -> None:
    with store.session() as session:
        org_id = ensure_organization(session, "default").id
        created = {repo.create_task(session, org_id, f"Task {n}").id for n in range(TASKS)}

    def drain(worker: int) -> list[str]:
        mine: list[str] = []
        while batch := claims.claim_batch(store, org_id, f"worker-{worker}", limit=3, lease=60):
            mine += [claim.task_id for claim in batch]
        return mine

    results, errors = _in_parallel(WORKERS, drain)

    assert errors == []
    claimed = [task_id for mine in results for task_id in mine]
    assert sorted(claimed) == sorted(created)
