"""The repository and lifecycle unit tests, run again on PostgreSQL (same tests, other engine)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from store.db import Database
from tests.unit.store.test_lifecycle import *  # noqa: F403
from tests.unit.store.test_task_repository import *  # noqa: F403

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def db(pg_db: Database) -> Iterator[Database]:
    """Every imported test gets a fresh PostgreSQL store instead of SQLite."""
    yield pg_db
