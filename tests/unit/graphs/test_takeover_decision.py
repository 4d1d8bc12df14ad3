"""graphs.run_protocol.carry_on: the one takeover decision of the sync and async runners."""

from __future__ import annotations

from typing import Any

import pytest
from langgraph.types import Command, Interrupt

from graphs.run_protocol import RunSoFar, WaitingForApproval, carry_on
from store.claims import Claim
from store.enums import ExecutionStatus as S
from store.errors import Conflict
from store.models import utcnow

OWNER = "worker-b"
APPROVAL = Interrupt(value={"action_requests": [{"name": "send_email"}]}, id="i-1")
APPROVE = {"type": "approve"}


def _claim(status: S, owner: str = OWNER) -> Claim:
    return Claim("org", "task-1", owner, 7, status, utcnow())


def _so_far(**facts: Any) -> RunSoFar:
    return RunSoFar(
        **{"pending": None, "decision": None, "next_nodes": (), "asked": False, **facts}
    )


def test_an_answered_approval_resumes_the_run_with_the_recorded_decision() -> None:
    graph_input, resume = carry_on(
        _claim(S.PAUSED), OWNER, _so_far(pending=APPROVAL, decision=APPROVE)
    )

    assert isinstance(graph_input, Command)
    assert graph_input.resume == {"i-1": APPROVE}
    assert resume is None  # the approver carries its own claim's run on: no takeover


def test_an_approval_an_earlier_approver_left_is_a_takeover() -> None:
    _, resume = carry_on(_claim(S.IN_PROGRESS), OWNER, _so_far(pending=APPROVAL, decision=APPROVE))

    assert resume == "approval"


def test_an_unanswered_approval_cannot_be_carried_on() -> None:
    with pytest.raises(WaitingForApproval):
        carry_on(_claim(S.PAUSED), OWNER, _so_far(pending=APPROVAL))


def test_a_run_left_mid_step_resumes_from_its_last_checkpoint() -> None:
    assert carry_on(_claim(S.IN_PROGRESS), OWNER, _so_far(next_nodes=("execute",))) == (
        None,
        "execute",
    )


def test_a_run_left_before_its_first_checkpoint_starts_again() -> None:
    assert carry_on(_claim(S.IN_PROGRESS), OWNER, _so_far()) == ({"task_id": "task-1"}, "prepare")


def test_a_run_killed_saving_its_approval_request_runs_the_asking_step_again() -> None:
    so_far = _so_far(next_nodes=("execute",), asked=True)

    assert carry_on(_claim(S.PAUSED), OWNER, so_far) == (None, "execute")


def test_a_task_paused_for_another_reason_is_not_carried_on() -> None:
    with pytest.raises(Conflict, match="waits on a person or its subtasks"):
        carry_on(_claim(S.PAUSED), OWNER, _so_far(next_nodes=("execute",)))
