"""Budgets: a run stops at its limits on side effects, tool calls and model calls, and the
task is blocked with a reason naming the limit and what was done."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage

from agents.scripted import ScriptedChatModel, tool_call_message
from graphs.runner import TaskRunner
from store.db import Database
from store.errors import ConfigurationError, InvalidInput
from store.orgs import get_budget_overrides, set_budget
from tests.fixtures.agent_runs import events, immediate, load_task
from tools.gate.budgets import RunBudget
from tools.slack.sandbox import SandboxChat

POST_TITLE = "Post the launch updates to #general on Slack"


def keep_posting() -> Any:
    """A model that never stops: every answer posts a new message to #general."""
    numbers = itertools.count(1)

    def answer(messages: list[BaseMessage], tools: list[str]) -> AIMessage:
        return tool_call_message(
            "post_slack_message", {"channel": "#general", "text": f"Update {next(numbers)}"}
        )

    return answer


def keep_reading(messages: list[BaseMessage], tools: list[str]) -> AIMessage:
    """A model that never stops calling a read-only tool."""
    return tool_call_message("list_slack_channels", {})


def limit(db: Database, org_id: str, name: str, value: int) -> None:
    with db.session() as session:
        set_budget(session, org_id, name, value)


def test_agent_that_keeps_posting_stops_at_the_side_effect_limit(
    runner: TaskRunner, scripted_model: ScriptedChatModel, db: Database, org_id: str
) -> None:
    limit(db, org_id, "side_effects", 5)
    scripted_model.script = [immediate(route="slack")]
    scripted_model.default = keep_posting()

    outcome = runner.execute(runner.create(POST_TITLE))

    posted = SandboxChat(db, org_id).history("#general", limit=100)
    assert [m["text"] for m in posted] == [f"Update {n}" for n in range(1, 6)]
    task = load_task(db, org_id, outcome["task_id"])
    assert task.execution_status == "blocked"
    assert task.blocked_reason is not None
    assert task.blocked_reason.startswith(
        "Stopped at the limit of 5 side effects per run (change it with "
        "`delegate budgets set side_effects N` or DELEGATE_MAX_SIDE_EFFECTS): "
        "posted 5 Slack messages to #general"
    )
    assert outcome["strategy"] == "blocked"
    assert outcome["reason"] == task.blocked_reason
    (stop,) = events(db, org_id, outcome["task_id"], "budget_exceeded")
    assert stop["budget"] == "side_effects"
    assert stop["limit"] == 5


def test_parallel_posts_in_one_answer_never_pass_the_limit(
    runner: TaskRunner, scripted_model: ScriptedChatModel, db: Database, org_id: str
) -> None:
    limit(db, org_id, "side_effects", 3)
    burst = AIMessage(
        content="",
        tool_calls=[
            {
                "name": "post_slack_message",
                "args": {"channel": "#general", "text": f"Burst {n}"},
                "id": f"burst_{n}",
                "type": "tool_call",
            }
            for n in range(8)
        ],
    )
    scripted_model.script = [immediate(route="slack"), burst]

    outcome = runner.execute(runner.create(POST_TITLE))

    assert len(SandboxChat(db, org_id).history("#general", limit=100)) == 3
    assert outcome["status"] == "blocked"
    assert "limit of 3 side effects" in outcome["reason"]


def test_model_that_never_stops_reading_is_stopped_at_the_tool_call_limit(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    db: Database,
    org_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DELEGATE_MAX_TOOL_CALLS", "7")
    scripted_model.script = [immediate(route="slack")]
    scripted_model.default = keep_reading

    outcome = runner.execute(runner.create(POST_TITLE))

    assert outcome["status"] == "blocked"
    reason = load_task(db, org_id, outcome["task_id"]).blocked_reason or ""
    assert reason.startswith(
        "Stopped at the limit of 7 tool calls per run (change it with "
        "`delegate budgets set tool_calls N` or DELEGATE_MAX_TOOL_CALLS): no side effects; "
        "7 tool calls (list_slack_channels 7)"
    )
    assert len(scripted_model.calls) == 1 + 8  # the classification, then 8 agent answers


def test_model_call_limit_stops_a_run_that_keeps_asking_the_model(
    runner: TaskRunner, scripted_model: ScriptedChatModel, db: Database, org_id: str
) -> None:
    limit(db, org_id, "model_calls", 3)
    scripted_model.script = [immediate(route="slack")]
    scripted_model.default = keep_reading

    outcome = runner.execute(runner.create(POST_TITLE))

    assert outcome["status"] == "blocked"
    assert outcome["reason"].startswith(
        "Stopped at the limit of 3 model calls per run (change it with "
        "`delegate budgets set model_calls N` or DELEGATE_MAX_MODEL_CALLS): no side effects; "
        "3 model calls and 3 tool calls"
    )
    assert len(scripted_model.calls) == 1 + 3


def test_identical_posts_in_one_run_act_once(
    runner: TaskRunner, scripted_model: ScriptedChatModel, db: Database, org_id: str
) -> None:
    same = {"channel": "#general", "text": "We launched!"}
    scripted_model.script = [
        immediate(route="slack"),
        tool_call_message("post_slack_message", same),
        tool_call_message("post_slack_message", same),
        "Posted it.",
    ]

    outcome = runner.execute(runner.create(POST_TITLE))

    assert outcome["status"] == "completed"
    assert [m["text"] for m in SandboxChat(db, org_id).history("#general")] == ["We launched!"]
    assert len(events(db, org_id, outcome["task_id"], "side_effect_replayed")) == 1


def test_organization_budget_overrides_the_environment_default(
    db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DELEGATE_MAX_SIDE_EFFECTS", "9")
    limit(db, org_id, "tool_calls", 12)
    with db.session() as session:
        budget = RunBudget.resolve(get_budget_overrides(session, org_id))
    assert (budget.side_effects, budget.sources["side_effects"]) == (
        9,
        "DELEGATE_MAX_SIDE_EFFECTS",
    )
    assert (budget.tool_calls, budget.sources["tool_calls"]) == (12, "organization")
    assert budget.sources["model_calls"] == "default"


def test_setting_a_budget_back_to_default_removes_the_override(db: Database, org_id: str) -> None:
    limit(db, org_id, "side_effects", 4)
    with db.session() as session:
        assert set_budget(session, org_id, "side_effects", None) == {}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("side_effects", 0, "at least 1"),
        ("tokens", 5, "unknown budget 'tokens'"),
    ],
)
def test_invalid_budget_is_refused_with_a_reason(
    db: Database, org_id: str, name: str, value: int, message: str
) -> None:
    with db.session() as session, pytest.raises(InvalidInput, match=message):
        set_budget(session, org_id, name, value)


def test_invalid_environment_budget_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DELEGATE_MAX_MODEL_CALLS", "lots")
    with pytest.raises(ConfigurationError, match="DELEGATE_MAX_MODEL_CALLS"):
        RunBudget.resolve({})
