"""The approval answers the gate accepts, and the idempotency keys it records."""

from __future__ import annotations

from typing import Any

import pytest

from store.errors import InvalidInput
from tools.gate.approval import approval_request, parse_decision
from tools.gate.idempotency import canonical_args, idempotency_key


def test_accept_is_an_accept() -> None:
    assert parse_decision({"type": "accept"}).kind == "accept"


def test_edit_carries_the_full_arguments() -> None:
    decision = parse_decision({"type": "edit", "args": {"to": ["a@b.example"], "body": "x"}})

    assert (decision.kind, decision.args) == ("edit", {"to": ["a@b.example"], "body": "x"})


def test_agent_inbox_edit_with_an_action_request_is_unwrapped() -> None:
    answer = [{"type": "edit", "args": {"action": "send_email", "args": {"body": "y"}}}]

    assert parse_decision(answer).args == {"body": "y"}


@pytest.mark.parametrize("kind", ["reject", "response"])
def test_reject_and_response_keep_the_reason(kind: str) -> None:
    decision = parse_decision({"type": kind, "reason": "  not   now "})

    assert (decision.kind, decision.reason) == ("reject", "not now")


def test_agent_inbox_response_text_is_the_reason() -> None:
    assert parse_decision({"type": "response", "args": "wrong person"}).reason == "wrong person"


def test_ignore_rejects_without_a_reason() -> None:
    assert parse_decision({"type": "ignore"}).kind == "reject"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"type": "reject"}, "reason"),
        ({"type": "edit"}, "args"),
        ({"type": "maybe"}, "unknown approval answer type"),
        (42, "an approval answer is"),
        ([{"type": "accept"}, {"type": "accept"}], "not a list"),
    ],
)
def test_bad_answers_are_refused_clearly(answer: Any, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_decision(answer)


def test_request_has_the_human_interrupt_shape() -> None:
    payload = approval_request(
        "post_slack_message",
        {"channel": "#general", "text": "hi"},
        task_id="t1",
        task_title="Say hi",
        idempotency_key="k" * 64,
        agent_id="slack",
    )

    assert set(payload) == {"action_request", "config", "description", "task_id", "idempotency_key"}
    assert payload["action_request"] == {
        "action": "post_slack_message",
        "args": {"channel": "#general", "text": "hi"},
    }
    assert "#general" in payload["description"]


def test_key_ignores_argument_order() -> None:
    first = idempotency_key("t1", "execute", "send_email", {"to": ["a"], "body": "b"})
    second = idempotency_key("t1", "execute", "send_email", {"body": "b", "to": ["a"]})

    assert first == second


@pytest.mark.parametrize(
    "change",
    [
        ("t2", "execute", "send_email"),
        ("t1", "send", "send_email"),
        ("t1", "execute", "draft_email"),
    ],
)
def test_key_differs_by_task_step_and_tool(change: tuple[str, str, str]) -> None:
    args = {"to": ["a"]}

    assert idempotency_key(*change, args) != idempotency_key("t1", "execute", "send_email", args)


def test_key_differs_by_arguments() -> None:
    assert idempotency_key("t", "s", "x", {"a": 1}) != idempotency_key("t", "s", "x", {"a": 2})


def test_canonical_args_are_compact_and_sorted() -> None:
    assert canonical_args({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'
