"""A person's answer to an approval, kept on the task until the run has carried it out.

The approver's claim and its decision are written in one transaction before the run resumes
(graphs/runner.py). If the approver's process dies before the run has acted on it, the next
worker finds the decision here, for the interrupt the run still waits on, and resumes with it.
"""

from __future__ import annotations

from typing import Any

from store import task_rows
from store.db import Database, Transaction

_KEY = "approval_decision"


def record_decision(tx: Transaction, org_id: str, task_id: str, decision: dict[str, Any]) -> None:
    """Store `{"interrupt_id", "value"}`: the answer to the run's pending interrupt."""

    def apply(task: task_rows.TaskRow) -> None:
        task.ai_context = {**(task.ai_context or {}), _KEY: decision}

    task_rows.change(tx, org_id, task_id, apply)


def recorded_decision(db: Database, org_id: str, task_id: str, interrupt_id: str) -> Any | None:
    """The stored answer to interrupt `interrupt_id`, or None (none given, or for another)."""
    with db.read_transaction(org_id) as conn:
        row = task_rows.read(conn, org_id, task_id)
    recorded = ((row.ai_context or {}) if row is not None else {}).get(_KEY) or {}
    if recorded.get("interrupt_id") != interrupt_id:
        return None
    return recorded.get("value")
