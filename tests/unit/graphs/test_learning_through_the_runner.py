"""Learning end to end through `delegate run`'s path (execute_task on the offline model):
approvals that add a sign-off teach the next email, whichever route writes it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graphs.runner import TaskRunner, task_runner
from store.db import Database

TITLE = "Reply to john@example.com thanking him for the meeting"
SIGN_OFF = "Anna Berg, Head of Partnerships at Acme"


@pytest.fixture
def offline_runner(db: Database) -> Iterator[TaskRunner]:
    with task_runner(db, model="offline") as runner:
        yield runner


def _paused_body(runner: TaskRunner) -> tuple[str, str]:
    task_id = runner.create(TITLE, execution_type="semi_automated")
    outcome = runner.execute(task_id)
    assert outcome["status"] == "paused", outcome
    body: str = outcome["approval"]["action_requests"][0]["args"]["body"]
    return task_id, body


def test_three_approvals_adding_a_sign_off_teach_the_next_run(
    offline_runner: TaskRunner,
) -> None:
    _, before = _paused_body(offline_runner)
    assert SIGN_OFF not in before
    for _ in range(3):
        task_id, body = _paused_body(offline_runner)
        offline_runner.approve(task_id, {"body": f"{body}\n{SIGN_OFF}"})

    _, after = _paused_body(offline_runner)

    assert after.endswith(SIGN_OFF)
