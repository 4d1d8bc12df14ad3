"""Which approval a task waits for: the one reading of a task's `ai_context["pending_approval"]`.

The gate (tools/gate/ask_person.py) records the request's idempotency key there and saves the
task paused before its run's interrupt is checkpointed, and logs the request itself
(`approval_requested`). A task waits for that approval while it is paused and the key is
recorded; the runners, the gate and the approvals inbox all ask this module, so a run that
died between the pause and its checkpoint reads the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from store import task_rows
from store.db import Transaction
from store.enums import ExecutionStatus
from store.fencing import check_token
from store.models import utcnow
from store.queue import unowned
from store.task_rows import TASKS

#: The ai_context key the gate records the awaited request under.
PENDING_APPROVAL = "pending_approval"


@dataclass(frozen=True)
class AwaitedApproval:
    """The approval a paused task waits for."""

    task_id: str
    idempotency_key: str
    """The side-effect ledger key of the proposed action (the same when it is asked again)."""
    tool: str
    answer: Any | None
    """A person's answer already kept for this request (`keep_answer`), if any."""
    request: dict[str, Any] | None
    """The approval request as the task's log recorded it (an ApprovalRequest)."""
    claimed: bool
    """Whether a run's claim on the task is still live (its lease has not expired)."""


def awaited_approval(
    tx: Transaction, org_id: str, task_id: str, *, now: datetime | None = None
) -> AwaitedApproval | None:
    """The approval the task waits for: it is paused and the gate recorded a request key.
    None for any other task (running, finished, paused on its subtasks, or not found)."""
    row = task_rows.read(tx, org_id, task_id)
    if row is None or row.execution_status != ExecutionStatus.PAUSED.value:
        return None
    pending = (row.ai_context or {}).get(PENDING_APPROVAL) or {}
    key = pending.get("idempotency_key") if isinstance(pending, dict) else None
    if not key:
        return None
    expires = row.lease_expires_at
    return AwaitedApproval(
        task_id=task_id,
        idempotency_key=str(key),
        tool=str(pending.get("tool") or ""),
        answer=pending.get("answer"),
        request=_logged_request(row.execution_log or [], str(key)),
        claimed=bool(row.claim_owner) and expires is not None and expires > (now or utcnow()),
    )


def unclaimed_waiting(tx: Transaction, org_id: str, *, now: datetime | None = None) -> list[str]:
    """The ids of the organization's paused tasks that wait for an approval the gate recorded
    and that no live claim holds, least recently changed first. Most have their interrupt saved and
    wait for a person; the others' run stopped before it saved it (a LangGraph server run
    ends its claim as the interrupt is raised): which is which, only a run's checkpoint says
    (graphs.runner.TaskRunner.recover_all asks it)."""
    key = TASKS.c.ai_context[(PENDING_APPROVAL, "idempotency_key")].as_string()
    query = (
        select(TASKS.c.id)
        .where(
            TASKS.c.org_id == org_id,
            TASKS.c.execution_status == ExecutionStatus.PAUSED.value,
            unowned(now or utcnow()),
            key.is_not(None),
        )
        .order_by(TASKS.c.updated_at, TASKS.c.id)
    )
    return list(task_rows.connection_of(tx).execute(query).scalars())


def _logged_request(log: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    for entry in reversed(log):
        request = entry.get("approval") if entry.get("event") == "approval_requested" else None
        if isinstance(request, dict) and request.get("idempotency_key") == key:
            return request
    return None


def keep_answer(tx: Transaction, org_id: str, task_id: str, key: str, answer: Any) -> bool:
    """Keep a person's answer with the request `key` the task waits for: the step that asks
    it again takes this answer instead of pausing. False (nothing kept) once the task waits
    for another request or none."""
    row = task_rows.load_for_update(tx, org_id, task_id)
    check_token(task_id, row.claim_token)
    context = dict(row.ai_context or {})
    pending = context.get(PENDING_APPROVAL)
    if not isinstance(pending, dict) or pending.get("idempotency_key") != key:
        return False
    context[PENDING_APPROVAL] = {**pending, "answer": answer}
    row.ai_context = context
    task_rows.save(tx, row)
    return True
