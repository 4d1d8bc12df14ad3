"""Claims: one owner per run, leases that expire, and a fencing token that refuses stale owners.

Time is a fake clock (every call takes `now`); nothing waits for a lease to run out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from store import claims
from store import tasks as repo
from store.claims import AlreadyClaimed, StaleClaim
from store.db import Database
from store.enums import ExecutionStatus as S
from store.errors import Conflict, InvalidInput

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LEASE = 30.0
EXECUTABLE = frozenset({S.PENDING, S.QUEUED, S.BLOCKED, S.IN_PROGRESS})


def later(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def new_task(db: Database, org_id: str, **fields: object) -> str:
    with db.session() as session:
        return repo.create_task(session, org_id, "Summarize the notes", **fields).id


def claim(db: Database, org_id: str, task_id: str, owner: str, at: datetime) -> claims.Claim:
    with db.transaction() as conn:
        return claims.claim_task(
            conn, org_id, task_id, owner, statuses=EXECUTABLE, lease=LEASE, now=at
        )


def row(db: Database, org_id: str, task_id: str) -> repo.Task:
    with db.session() as session:
        return repo.get_task(session, org_id, task_id)


def test_claim_records_owner_lease_and_token(db: Database, org_id: str) -> None:
    task_id = new_task(db, org_id)

    held = claim(db, org_id, task_id, "worker-a", T0)

    task = row(db, org_id, task_id)
    assert (task.claim_owner, task.claim_token, task.claimed_at) == ("worker-a", 1, T0)
    assert task.lease_expires_at == later(LEASE) == held.lease_expires_at
    assert held.token == 1 and held.status is S.PENDING


def test_second_claim_while_the_lease_lives_names_the_owner_and_changes_nothing(
    db: Database, org_id: str
) -> None:
    task_id = new_task(db, org_id)
    claim(db, org_id, task_id, "worker-a", T0)
    before = row(db, org_id, task_id)

    with pytest.raises(AlreadyClaimed) as refused:
        claim(db, org_id, task_id, "worker-b", later(LEASE - 1))

    assert "already running since 2026-12-01 12:00:00 UTC, owner worker-a" in str(refused.value)
    after = row(db, org_id, task_id)
    assert (after.version, after.claim_token, after.execution_log) == (
        before.version,
        before.claim_token,
        before.execution_log,
    )


def test_expired_lease_lets_another_owner_claim_with_a_higher_token(
    db: Database, org_id: str
) -> None:
    task_id = new_task(db, org_id)
    first = claim(db, org_id, task_id, "worker-a", T0)

    second = claim(db, org_id, task_id, "worker-b", later(LEASE + 1))

    assert second.token == first.token + 1
    assert row(db, org_id, task_id).claim_owner == "worker-b"


def test_renewal_keeps_the_claim_past_its_first_expiry(db: Database, org_id: str) -> None:
    task_id = new_task(db, org_id)
    held = claim(db, org_id, task_id, "worker-a", T0)
    with db.transaction() as conn:
        assert claims.renew(conn, held, lease=LEASE, now=later(LEASE - 5))

    with pytest.raises(AlreadyClaimed):
        claim(db, org_id, task_id, "worker-b", later(LEASE + 1))


def test_renewal_after_a_takeover_fails(db: Database, org_id: str) -> None:
    task_id = new_task(db, org_id)
    stale = claim(db, org_id, task_id, "worker-a", T0)
    claim(db, org_id, task_id, "worker-b", later(LEASE + 1))

    with db.transaction() as conn:
        assert claims.renew(conn, stale, lease=LEASE, now=later(LEASE + 2)) is False
    assert row(db, org_id, task_id).claim_owner == "worker-b"


def test_stale_owner_cannot_write_the_task(db: Database, org_id: str) -> None:
    task_id = new_task(db, org_id)
    stale = claim(db, org_id, task_id, "worker-a", T0)
    with claims.holding(stale), db.transaction() as conn:
        repo.start_task_execution(conn, org_id, task_id, "worker-a")
    claim(db, org_id, task_id, "worker-b", later(LEASE + 1))
    log_before = row(db, org_id, task_id).execution_log

    with claims.holding(stale), pytest.raises(StaleClaim), db.transaction() as conn:
        repo.complete_task_execution(conn, org_id, task_id, {"output": "late"})

    task = row(db, org_id, task_id)
    assert task.status is S.IN_PROGRESS
    assert task.execution_log == log_before


def test_stale_owner_fails_the_side_effect_check(db: Database, org_id: str) -> None:
    task_id = new_task(db, org_id)
    stale = claim(db, org_id, task_id, "worker-a", T0)
    claim(db, org_id, task_id, "worker-b", later(LEASE + 1))

    with claims.holding(stale), pytest.raises(StaleClaim):
        claims.verify(db, org_id, task_id)


def test_current_owner_passes_the_side_effect_check(db: Database, org_id: str) -> None:
    task_id = new_task(db, org_id)
    held = claim(db, org_id, task_id, "worker-a", T0)

    with claims.holding(held):
        claims.verify(db, org_id, task_id)


def test_leaving_in_progress_ends_the_claim(db: Database, org_id: str) -> None:
    task_id = new_task(db, org_id)
    held = claim(db, org_id, task_id, "worker-a", T0)
    with claims.holding(held), db.transaction() as conn:
        repo.start_task_execution(conn, org_id, task_id, "worker-a")
        repo.pause_task_execution(conn, org_id, task_id, "waiting for a person")

    task = row(db, org_id, task_id)
    assert (task.claim_owner, task.lease_expires_at, task.claim_token) == (None, None, 1)


def test_claim_of_a_finished_task_says_its_status(db: Database, org_id: str) -> None:
    task_id = new_task(db, org_id)
    with db.transaction() as conn:
        repo.start_task_execution(conn, org_id, task_id)
        repo.complete_task_execution(conn, org_id, task_id, {"output": "done"})

    with pytest.raises(Conflict, match="is completed"):
        claim(db, org_id, task_id, "worker-a", T0)


def batch(db: Database, org_id: str, at: datetime, limit: int = 10) -> set[str]:
    found = claims.claim_batch(db, org_id, "worker-x", limit=limit, lease=LEASE, now=at)
    return {c.task_id for c in found}


def test_workers_claim_pending_and_queued_but_not_blocked_or_manual(
    db: Database, org_id: str
) -> None:
    pending = new_task(db, org_id)
    queued = new_task(db, org_id)
    blocked = new_task(db, org_id)
    manual = new_task(db, org_id, execution_type="manual")
    with db.transaction() as conn:
        repo.queue_task(conn, org_id, queued)
        repo.start_task_execution(conn, org_id, blocked)
        repo.block_task_execution(conn, org_id, blocked, "needs a signature")

    assert batch(db, org_id, T0) == {pending, queued}
    assert manual not in batch(db, org_id, later(LEASE + 1))


def test_a_claimed_task_is_not_claimed_again_until_its_lease_expires(
    db: Database, org_id: str
) -> None:
    task_id = new_task(db, org_id)
    assert batch(db, org_id, T0) == {task_id}

    assert batch(db, org_id, later(1)) == set()
    assert batch(db, org_id, later(LEASE + 1)) == {task_id}


def test_a_requeued_task_waits_for_its_next_attempt_time(db: Database, org_id: str) -> None:
    task_id = new_task(db, org_id)
    with db.transaction() as conn:
        repo.start_task_execution(conn, org_id, task_id)
        repo.fail_task_execution(conn, org_id, task_id, "HTTP 503", retry_delay=120.0, now=T0)

    assert batch(db, org_id, later(119)) == set()
    assert batch(db, org_id, later(121)) == {task_id}


def test_an_abandoned_run_is_claimed_once_its_lease_expires(db: Database, org_id: str) -> None:
    task_id = new_task(db, org_id)
    held = claim(db, org_id, task_id, "worker-a", T0)
    with claims.holding(held), db.transaction() as conn:
        repo.start_task_execution(conn, org_id, task_id, "worker-a")

    assert batch(db, org_id, later(LEASE - 1)) == set()
    assert batch(db, org_id, later(LEASE + 1)) == {task_id}


def test_a_paused_task_waiting_for_a_person_is_not_runnable(db: Database, org_id: str) -> None:
    task_id = new_task(db, org_id)
    with db.transaction() as conn:
        repo.start_task_execution(conn, org_id, task_id)
        repo.pause_task_execution(conn, org_id, task_id, "waiting for approval")

    assert batch(db, org_id, later(10 * LEASE)) == set()


def test_lease_seconds_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELEGATE_LEASE_SECONDS", "12.5")
    assert claims.lease_seconds() == 12.5
    monkeypatch.setenv("DELEGATE_LEASE_SECONDS", "soon")
    with pytest.raises(InvalidInput, match="DELEGATE_LEASE_SECONDS"):
        claims.lease_seconds()


def test_an_in_progress_task_no_claim_names_is_not_taken_over(db: Database, org_id: str) -> None:
    task_id = new_task(db, org_id)
    with db.transaction() as conn:  # a run through the LangGraph server claims nothing
        repo.start_task_execution(conn, org_id, task_id)

    assert batch(db, org_id, later(10 * LEASE)) == set()


def test_a_run_that_stopped_in_progress_is_released_for_takeover_at_once(
    db: Database, org_id: str
) -> None:
    task_id = new_task(db, org_id)
    held = claim(db, org_id, task_id, "worker-a", T0)
    with claims.holding(held), db.transaction() as conn:
        repo.start_task_execution(conn, org_id, task_id, "worker-a")
    with db.transaction() as conn:
        claims.release(conn, held, now=later(1))

    assert batch(db, org_id, later(1)) == {task_id}


def test_releasing_a_finished_run_clears_its_owner(db: Database, org_id: str) -> None:
    task_id = new_task(db, org_id)
    held = claim(db, org_id, task_id, "worker-a", T0)
    with db.transaction() as conn:
        claims.release(conn, held, now=later(1))

    task = row(db, org_id, task_id)
    assert (task.claim_owner, task.lease_expires_at) == (None, None)


def test_a_batch_claim_takes_the_most_urgent_runs_first_stranded_or_fresh_within_its_limit(
    db: Database, org_id: str
) -> None:
    low = new_task(db, org_id, priority="low")
    undated = new_task(db, org_id, priority="medium")
    due = new_task(db, org_id, priority="medium", due_date=later(3600))
    urgent = new_task(db, org_id, priority="urgent")
    stranded = new_task(db, org_id, priority="high")
    held = claim(db, org_id, stranded, "worker-a", T0)
    with claims.holding(held), db.transaction() as conn:
        repo.start_task_execution(conn, org_id, stranded, "worker-a")

    at = later(LEASE + 1)  # the stranded run's lease has expired
    found = claims.claim_batch(db, org_id, "worker-x", limit=3, lease=LEASE, now=at)

    assert [c.task_id for c in found] == [urgent, stranded, due]
    assert [c.status for c in found] == [S.PENDING, S.IN_PROGRESS, S.PENDING]
    assert {row(db, org_id, t).claim_owner for t in (undated, low)} == {None}
    assert batch(db, org_id, at) == {undated, low}


def test_a_batch_claim_records_owner_lease_and_token_as_a_single_claim_does(
    db: Database, org_id: str
) -> None:
    task_id = new_task(db, org_id)
    (found,) = claims.claim_batch(db, org_id, "worker-x", limit=5, lease=LEASE, now=T0)

    task = row(db, org_id, task_id)
    assert (found.task_id, found.owner, found.token, found.lease_expires_at) == (
        task_id,
        "worker-x",
        1,
        later(LEASE),
    )
    assert (task.claim_owner, task.claim_token, task.claimed_at, task.lease_expires_at) == (
        "worker-x",
        1,
        T0,
        later(LEASE),
    )
