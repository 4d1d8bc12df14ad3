"""The worker: runs every executable task of an organization, most urgent first."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from graphs.runner import task_runner
from store.db import Database
from store.errors import DelegateError
from store.logcontext import log_context
from store.orgs import ensure_organization
from store.tasks import get_executable_tasks

log = logging.getLogger("delegate.worker")


def run_worker(
    db: Database,
    *,
    organization: str = "default",
    once: bool = True,
    interval: float = 5.0,
    on_outcome: Callable[[dict[str, Any]], None] | None = None,
    max_rounds: int | None = None,
) -> list[dict[str, Any]]:
    """Execute executable tasks until none is left (`once`) or forever, polling."""
    outcomes: list[dict[str, Any]] = []
    with db.session() as session:
        org_id = ensure_organization(session, organization).id
    rounds = 0
    with task_runner(db, organization=organization) as runner:
        while True:
            with db.session() as session:
                batch = [t.id for t in get_executable_tasks(session, org_id, limit=50)]
            seen = {o.get("task_id") for o in outcomes} if once else set()
            batch = [t for t in batch if t not in seen]
            for task_id in batch:
                with log_context(task_id=task_id, org=organization):
                    try:
                        outcome = runner.execute(task_id, run_subtasks=False)
                    except DelegateError as exc:  # e.g. another worker took it first
                        log.warning("skipped task: %s", exc)
                        continue
                outcomes.append(outcome)
                if on_outcome:
                    on_outcome(outcome)
            rounds += 1
            if once and not batch:
                return outcomes
            if max_rounds is not None and rounds >= max_rounds:
                return outcomes
            if not once and not batch:
                time.sleep(interval)
