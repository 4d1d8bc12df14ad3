"""Budgets through the real clients: langchain-openai against the OpenAI stand-in keeps asking
to post, slack-sdk posts to the Slack stand-in, and the run stops at the side-effect limit."""

from __future__ import annotations

import itertools

import pytest

from agents.classification import Classification
from graphs.runner import task_runner
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionType, Strategy
from store.orgs import set_budget
from tests.fixtures.openai_standin import OpenAIStandin, StandinRequest, ToolCall
from tests.fixtures.slack_standin import SlackStandin

pytestmark = pytest.mark.integration

IMMEDIATE = Classification(
    strategy=Strategy.IMMEDIATE,
    execution_type=ExecutionType.FULLY_AUTOMATED,
    confidence=0.9,
    reason="Posting to Slack can be done now.",
    route="slack",
    deliver=True,
)


def test_openai_model_that_keeps_posting_stops_at_the_limit_on_slack(
    db: Database, org_id: str, openai_standin: OpenAIStandin, slack_env: SlackStandin
) -> None:
    with db.session() as session:
        set_budget(session, org_id, "side_effects", 4)
    numbers = itertools.count(1)

    def post_again(request: StandinRequest) -> ToolCall:
        text = f"News {next(numbers)}"
        return ToolCall("post_slack_message", {"channel": "#general", "text": text})

    openai_standin.add(IMMEDIATE)
    openai_standin.default = post_again

    with task_runner(db) as runner:
        task_id = runner.create("Post the launch news to #general on Slack")
        outcome = runner.execute(task_id)

    posts = slack_env.calls("chat.postMessage")
    assert [p.params["text"] for p in posts] == [f"News {n}" for n in range(1, 5)]
    assert outcome["status"] == "blocked"
    with db.session() as session:
        task = repo.get_task(session, org_id, task_id)
        assert task.execution_status == "blocked"
        assert (task.blocked_reason or "").startswith(
            "Stopped at the limit of 4 side effects per run (change it with "
            "`delegate budgets set side_effects N` or DELEGATE_MAX_SIDE_EFFECTS): "
            "posted 4 Slack messages to #general"
        )
    # The model was not asked again after the stop: classification + 5 agent answers.
    assert len(openai_standin.completions) == 1 + 5
