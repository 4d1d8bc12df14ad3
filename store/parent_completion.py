"""A parent task split into subtasks: the result it completes with once every subtask is
finished (store.execution completes it in the transaction that finished the last one)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select

from store import task_rows
from store.db import Transaction
from store.enums import ExecutionStatus
from store.task_rows import TASKS

S = ExecutionStatus

_CHILDREN = (
    select(TASKS.c.title, TASKS.c.result, TASKS.c.execution_status, TASKS.c.failure_reason)
    .where(
        TASKS.c.parent_task_id == bindparam("parent_id"),
        TASKS.c.org_id == bindparam("org_id"),
    )
    .order_by(TASKS.c.created_at)
)


def finished_parent_result(tx: Transaction, org_id: str, parent_id: str) -> dict[str, Any] | None:
    """The result a parent paused for its subtasks completes with once every one is completed
    or failed, summing them up (a failed subtask is reported, not hidden); None while one is
    still open or the parent is not waiting. The parent's row is locked for the transaction."""
    parent = task_rows.load_for_update(tx, org_id, parent_id)
    if parent.status is not S.PAUSED:
        return None
    query = {"parent_id": parent_id, "org_id": org_id}
    children = task_rows.connection_of(tx).execute(_CHILDREN, query).all()
    finished = (S.COMPLETED.value, S.FAILED.value)
    if not children or any(c.execution_status not in finished for c in children):
        return None
    failed = [c for c in children if c.execution_status == S.FAILED.value]
    lines = [
        f"- {c.title}: failed ({_gist(c.failure_reason or 'no reason given')})"
        if c.execution_status == S.FAILED.value
        else f"- {c.title}: {_gist(str((c.result or {}).get('output') or 'done'))}"
        for c in children
    ]
    summary = (
        f"{len(children) - len(failed)} of {len(children)} subtasks completed, "
        f"{len(failed)} failed."
        if failed
        else f"All {len(children)} subtasks completed."
    )
    return {
        "strategy": "decompose",
        "output": "\n".join([summary, *lines]),
        "confidence": parent.ai_confidence,
        "subtasks_completed": len(children) - len(failed),
        "subtasks_failed": len(failed),
    }


def _gist(text: str, limit: int = 160) -> str:
    """The first line of a subtask's output or reason, short enough for its parent's summary."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
