"""The approval answers the gate accepts, and the idempotency keys it records."""

from __future__ import annotations

from typing import Any

import pytest

from store.errors import InvalidInput
from tools.gate.approval import address_list, approval_request, edited_args, parse_decision
from tools.gate.idempotency import canonical_args, idempotency_key


def test_approve_is_an_approve() -> None:
    assert parse_decision({"type": "approve"}).kind == "approve"


def test_a_hitl_response_carries_one_decision() -> None:
    assert parse_decision({"decisions": [{"type": "approve"}]}).kind == "approve"


def test_agent_inbox_accept_means_approve() -> None:
    assert parse_decision([{"type": "accept", "args": None}]).kind == "approve"


def test_hitl_edit_carries_the_edited_action_args() -> None:
    answer = {
        "type": "edit",
        "edited_action": {"name": "send_email", "args": {"to": ["a@b.example"], "body": "x"}},
    }

    decision = parse_decision(answer, "send_email")

    assert (decision.kind, decision.args) == ("edit", {"to": ["a@b.example"], "body": "x"})


def test_agent_inbox_edit_with_an_action_request_is_unwrapped() -> None:
    answer = [{"type": "edit", "args": {"action": "send_email", "args": {"body": "y"}}}]

    assert parse_decision(answer, "send_email").args == {"body": "y"}


def test_an_edit_cannot_switch_to_another_tool() -> None:
    answer = {"type": "edit", "edited_action": {"name": "post_slack_message", "args": {"x": 1}}}

    with pytest.raises(InvalidInput, match="cannot change the action"):
        parse_decision(answer, "send_email")


def test_reject_keeps_the_message() -> None:
    decision = parse_decision({"type": "reject", "message": "  not   now "})

    assert (decision.kind, decision.message) == ("reject", "not now")


def test_reject_without_a_message_is_still_a_reject() -> None:
    assert parse_decision({"type": "reject"}).message == "rejected without a reason"


@pytest.mark.parametrize(
    "answer",
    [{"type": "respond", "message": "say Friday"}, {"type": "response", "args": "say Friday"}],
)
def test_respond_and_agent_inbox_response_carry_the_note(answer: dict[str, Any]) -> None:
    decision = parse_decision(answer)

    assert (decision.kind, decision.message) == ("respond", "say Friday")


def test_agent_inbox_ignore_means_skip() -> None:
    assert parse_decision({"type": "ignore", "args": None}).kind == "ignore"


def test_agent_inbox_resolved_finishes_with_the_note() -> None:
    decision = parse_decision({"type": "resolved", "args": "I called him"})

    assert (decision.kind, decision.message) == ("resolve", "I called him")


def test_address_list_text_is_read_as_the_gate_reads_addresses() -> None:
    assert address_list("Ann <Ann@X.example>, bob@y.example; ") == [
        "ann@x.example",
        "bob@y.example",
    ]


def test_edited_list_fields_accept_comma_separated_text() -> None:
    proposed = {"to": ["a@x.example"], "cc": [], "subject": "Hi"}

    merged = edited_args(proposed, {"to": "b@y.example, c@z.example", "subject": "Hello"})

    assert merged == {"to": ["b@y.example", "c@z.example"], "cc": [], "subject": "Hello"}


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"type": "respond"}, "message"),
        ({"type": "edit"}, "edited_action"),
        ({"type": "maybe"}, "unknown approval answer type"),
        (42, "an approval answer is"),
        ([{"type": "accept"}, {"type": "accept"}], "not a list"),
        ({"decisions": []}, "not a list"),
    ],
)
def test_bad_answers_are_refused_clearly(answer: Any, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_decision(answer)


def test_request_has_the_hitl_request_shape() -> None:
    payload = approval_request(
        "post_slack_message",
        {"channel": "#general", "text": "hi"},
        task_id="t1",
        task_title="Say hi",
        idempotency_key="k" * 64,
        agent_id="slack",
    )

    assert set(payload) == {
        "action_requests",
        "review_configs",
        "task_id",
        "task_title",
        "idempotency_key",
    }
    [action] = payload["action_requests"]
    assert (action["name"], action["args"]) == (
        "post_slack_message",
        {"channel": "#general", "text": "hi"},
    )
    assert "#general" in action.get("description", "")
    assert payload["review_configs"] == [
        {
            "action_name": "post_slack_message",
            "allowed_decisions": ["approve", "edit", "reject", "respond"],
        }
    ]


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


def test_an_edited_list_field_that_is_not_addresses_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput, match="cc: 'tomorrow' is not an email address"):
        edited_args({"cc": []}, {"cc": "a@x.example, tomorrow"})
