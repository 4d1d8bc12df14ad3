"""A provider outage re-queues the task with backoff; it completes once the provider is back.

The model is the real client path (langchain-openai -> openai -> httpx) against the loopback
stand-in answering 429 and 500 for a while. The worker's clock is a fake one moved past each
re-queued task's next attempt time: nothing waits for a backoff to pass.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from agents.classification import Classification
from app.worker import run_worker
from graphs.runner import task_runner
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus, ExecutionType, Strategy
from store.models import utcnow
from tests.fixtures.openai_standin import HttpError, OpenAIStandin

pytestmark = pytest.mark.integration

TITLE = "Write a thank-you note for John after the meeting"
DELIVERABLE = "Hi John,\n\nThank you for the meeting.\n\nBest regards"
IMMEDIATE = Classification(
    strategy=Strategy.IMMEDIATE,
    execution_type=ExecutionType.FULLY_AUTOMATED,
    confidence=0.9,
    reason="A thank-you note can be written now.",
    route="writer",
)
#: The client tries each call three times (max_retries=2) before the error reaches Delegate.
CLIENT_ATTEMPTS = 3
RATE_LIMITED = HttpError(
    429, "Rate limit reached", "rate_limit_error", headers={"retry-after": "0"}
)
SERVER_ERROR = HttpError(500, headers={"retry-after-ms": "1"})


class FakeClock:
    """utcnow() plus an offset the test moves forward."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset


def load(db: Database, org_id: str, task_id: str) -> repo.Task:
    with db.session() as session:
        return repo.get_task(session, org_id, task_id)


def run_until_settled(db: Database, org_id: str, task_id: str, passes: int = 6) -> repo.Task:
    """Worker passes, moving the clock past the task's next attempt time between them."""
    clock = FakeClock()
    for _ in range(passes):
        run_worker(db, once=True, clock=clock)
        task = load(db, org_id, task_id)
        if task.status is not ExecutionStatus.QUEUED:
            return task
        assert task.next_attempt_at is not None
        assert run_worker(db, once=True, clock=clock) == []  # not before its time
        clock.offset = task.next_attempt_at - utcnow() + timedelta(seconds=1)
    return load(db, org_id, task_id)


def retries(task: repo.Task) -> list[dict[str, Any]]:
    return [e for e in task.execution_log if e["event"] == "retry_scheduled"]


@pytest.fixture
def task_id(db: Database, org_id: str) -> str:
    with db.session() as session:
        return repo.create_task(session, org_id, TITLE).id


def test_task_completes_after_429s_and_500s_with_retries_counted(
    db: Database, org_id: str, openai_standin: OpenAIStandin, task_id: str
) -> None:
    openai_standin.add(
        *[RATE_LIMITED] * CLIENT_ATTEMPTS,  # classification: rate limited -> re-queued
        IMMEDIATE,
        *[SERVER_ERROR] * CLIENT_ATTEMPTS,  # the deliverable: server errors -> re-queued
        IMMEDIATE,
        DELIVERABLE,
    )

    task = run_until_settled(db, org_id, task_id)

    assert task.status is ExecutionStatus.COMPLETED
    assert task.result is not None and task.result["output"] == DELIVERABLE
    assert task.retry_count == 2
    assert [e["node"] for e in retries(task)] == ["classify", "execute"]


def test_each_retry_waits_out_a_doubling_jittered_backoff(
    db: Database,
    org_id: str,
    openai_standin: OpenAIStandin,
    task_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DELEGATE_RETRY_BASE_SECONDS", "30")
    openai_standin.add(*[SERVER_ERROR] * (2 * CLIENT_ATTEMPTS), IMMEDIATE, DELIVERABLE)

    task = run_until_settled(db, org_id, task_id)

    waits = [
        (datetime.fromisoformat(e["next_attempt_at"]) - datetime.fromisoformat(e["timestamp"]))
        for e in retries(task)
    ]
    seconds = [w.total_seconds() for w in waits]
    assert len(seconds) == 2
    assert 15 - 1 <= seconds[0] <= 30 + 1
    assert 30 - 1 <= seconds[1] <= 60 + 1


def test_retry_after_longer_than_the_backoff_is_honoured(
    db: Database, org_id: str, openai_standin: OpenAIStandin, task_id: str
) -> None:
    # The client itself waits out a Retry-After of up to a minute; a longer one comes to us.
    hour = HttpError(429, "Rate limit reached", "rate_limit_error", headers={"retry-after": "3600"})
    openai_standin.add(hour)

    with task_runner(db) as runner:
        outcome = runner.execute(task_id)

    assert outcome["status"] == "queued"
    task = load(db, org_id, task_id)
    assert task.next_attempt_at is not None
    assert task.next_attempt_at - utcnow() > timedelta(minutes=59)


def test_task_fails_with_the_reason_once_retries_run_out(
    db: Database, org_id: str, openai_standin: OpenAIStandin, task_id: str
) -> None:
    openai_standin.default = lambda request: SERVER_ERROR

    task = run_until_settled(db, org_id, task_id)

    assert task.status is ExecutionStatus.FAILED
    assert task.retry_count == task.max_retries == 3
    assert task.failure_reason is not None
    assert "the model provider kept failing" in task.failure_reason
    assert "HTTP 500" in task.failure_reason


def test_a_refused_request_fails_at_once_without_retries(
    db: Database, org_id: str, openai_standin: OpenAIStandin, task_id: str
) -> None:
    openai_standin.add(HttpError(401, "Incorrect API key provided", "invalid_request_error"))

    with task_runner(db) as runner:
        outcome = runner.execute(task_id)

    assert outcome["status"] == "failed"
    assert "refused the request" in outcome["reason"]
    assert load(db, org_id, task_id).retry_count == 0
    assert len(openai_standin.completions) == 1
