"""store.awaited_approvals: which approval a task waits for, read one way for every caller."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from store import claims
from store import tasks as repo
from store.awaited_approvals import awaited_approval, keep_answer, unclaimed_waiting
from store.db import Database
from store.enums import ExecutionStatus as S
from store.models import utcnow
from store.orgs import ensure_organization
from store.task_rows import TASKS

KEY = "task:execute:send_email:abc"
REQUEST = {"idempotency_key": KEY, "action_requests": [{"name": "send_email", "args": {}}]}


def _running(db: Database, org_id: str) -> str:
    with db.session() as session:
        task_id = repo.create_task(session, org_id, "Email Maria").id
        repo.start_task_execution(session, org_id, task_id)
    return task_id


def _record_request(db: Database, org_id: str, task_id: str) -> None:
    """What the gate writes before its interrupt: the key in ai_context, the logged request."""
    with db.session() as session:
        task = repo.get_task(session, org_id, task_id, for_update=True)
        task.ai_context = {"pending_approval": {"idempotency_key": KEY, "tool": "send_email"}}
        session.flush()
        repo.add_execution_log_entry(
            session, org_id, task_id, {"event": "approval_requested", "approval": REQUEST}
        )


def paused_asking(db: Database, org_id: str) -> str:
    """A task the gate paused on a request, as a run leaves it before its interrupt is saved
    (no checkpoint anywhere); its id."""
    task_id = _running(db, org_id)
    _record_request(db, org_id, task_id)
    with db.session() as session:
        repo.pause_task_execution(session, org_id, task_id, "waiting for a person")
    return task_id


def _read(db: Database, org_id: str, task_id: str) -> Any:
    with db.read_transaction() as conn:
        return awaited_approval(conn, org_id, task_id)


def test_a_paused_task_with_a_recorded_request_waits_for_it(db: Database, org_id: str) -> None:
    task_id = paused_asking(db, org_id)

    awaited = _read(db, org_id, task_id)

    assert (awaited.idempotency_key, awaited.tool, awaited.answer) == (KEY, "send_email", None)
    assert awaited.request == REQUEST
    assert awaited.claimed is False


def test_a_running_task_waits_for_no_approval_though_a_key_is_recorded(
    db: Database, org_id: str
) -> None:
    task_id = _running(db, org_id)
    _record_request(db, org_id, task_id)  # e.g. answered at a server run's entry, not yet acted on

    assert _read(db, org_id, task_id) is None


def test_a_task_paused_without_a_recorded_request_waits_for_no_approval(
    db: Database, org_id: str
) -> None:
    task_id = _running(db, org_id)
    with db.session() as session:  # as a parent waiting on its subtasks
        repo.pause_task_execution(session, org_id, task_id, "waiting for subtasks")

    assert _read(db, org_id, task_id) is None
    assert _read(db, org_id, "no-such-task") is None


def test_only_a_live_lease_counts_as_claimed(db: Database, org_id: str) -> None:
    task_id = paused_asking(db, org_id)
    with db.transaction() as conn:
        claims.claim_task(conn, org_id, task_id, "worker-a", statuses={S.PAUSED})

    assert _read(db, org_id, task_id).claimed is True
    with db.transaction() as conn:
        conn.execute(
            update(TASKS)
            .where(TASKS.c.id == task_id)
            .values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
    assert _read(db, org_id, task_id).claimed is False


def test_an_answer_is_kept_only_with_the_request_the_task_waits_for(
    db: Database, org_id: str
) -> None:
    task_id = paused_asking(db, org_id)
    approve = {"type": "approve"}

    with db.transaction() as conn:
        other = keep_answer(conn, org_id, task_id, "another-key", approve)
    assert other is False and _read(db, org_id, task_id).answer is None

    with db.transaction() as conn:
        kept = keep_answer(conn, org_id, task_id, KEY, approve)
    assert kept is True and _read(db, org_id, task_id).answer == approve


def _unclaimed(db: Database, org_id: str) -> list[str]:
    with db.read_transaction() as conn:
        return unclaimed_waiting(conn, org_id)


def test_the_unclaimed_waiting_are_the_paused_tasks_with_a_recorded_request(
    db: Database, org_id: str
) -> None:
    asking = paused_asking(db, org_id)
    _record_request(db, org_id, _running(db, org_id))
    on_subtasks = _running(db, org_id)
    with db.session() as session:
        repo.pause_task_execution(session, org_id, on_subtasks, "waiting for subtasks")

    assert _unclaimed(db, org_id) == [asking]


def test_a_live_claim_keeps_a_waiting_task_out_of_the_unclaimed_until_its_lease_ends(
    db: Database, org_id: str
) -> None:
    task_id = paused_asking(db, org_id)
    with db.transaction() as conn:
        claims.claim_task(conn, org_id, task_id, "worker-a", statuses={S.PAUSED})

    assert _unclaimed(db, org_id) == []
    with db.transaction() as conn:
        conn.execute(
            update(TASKS)
            .where(TASKS.c.id == task_id)
            .values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
    assert _unclaimed(db, org_id) == [task_id]


def test_the_unclaimed_waiting_are_the_organizations_own(db: Database, org_id: str) -> None:
    paused_asking(db, org_id)
    with db.session() as session:
        other = ensure_organization(session, "other").id

    assert _unclaimed(db, other) == []
