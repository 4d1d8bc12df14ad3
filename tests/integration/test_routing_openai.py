"""The model decides the route: through langchain-openai at the OpenAI stand-in, a task whose
wording names no service goes where the model says (Slack), and the post reaches the Slack
stand-in through slack-sdk, in English and in French."""

from __future__ import annotations

import pytest

from agents.classification import Classification
from agents.routes import ROUTES
from graphs.runner import task_runner
from store.db import Database
from store.enums import ExecutionType, Strategy
from store.orgs import set_automation_rules, update_allowlist
from tests.fixtures.agent_runs import load_task
from tests.fixtures.openai_standin import OpenAIStandin, ToolCall
from tests.fixtures.slack_standin import SlackStandin

pytestmark = pytest.mark.integration

ONCALL = {"id": "C04ONCALL00", "name": "eng-oncall", "is_private": False, "is_member": True}
TASKS = {
    "english": (
        "Let eng-oncall know the maintenance window moved to Saturday",
        "Heads-up: the maintenance window moved to Saturday.",
    ),
    "french": (
        "Préviens eng-oncall que la maintenance est déplacée à samedi",
        "Info : la maintenance est déplacée à samedi.",
    ),
}


def _to_slack(execution_type: ExecutionType = ExecutionType.FULLY_AUTOMATED) -> Classification:
    return Classification(
        strategy=Strategy.IMMEDIATE,
        execution_type=execution_type,
        confidence=0.86,
        reason="A message for the on-call team's Slack channel.",
        route="slack",
        deliver=True,
    )


@pytest.fixture
def oncall_channel(slack_env: SlackStandin, db: Database, org_id: str) -> SlackStandin:
    """The workspace has #eng-oncall, and the organization trusts it as a destination
    (the task names it without '#', so the allowlist is where a person vouched for it)."""
    slack_env.channels.append(ONCALL)
    with db.session() as session:
        update_allowlist(session, org_id, "channels", "eng-oncall")
    return slack_env


@pytest.mark.parametrize("language", sorted(TASKS))
def test_a_message_naming_no_service_is_posted_where_the_model_routes_it(
    language: str,
    openai_standin: OpenAIStandin,
    oncall_channel: SlackStandin,
    db: Database,
    org_id: str,
) -> None:
    title, text = TASKS[language]
    openai_standin.add(
        _to_slack(),
        ToolCall("post_slack_message", {"channel": "eng-oncall", "text": text}),
        "Posted the new maintenance window in #eng-oncall.",
    )

    with task_runner(db) as runner:
        task_id = runner.create(title, execution_type="fully_automated")
        outcome = runner.execute(task_id)

    assert outcome["status"] == "completed"
    assert outcome["result"]["agent"] == "slack"
    (post,) = oncall_channel.calls("chat.postMessage")
    assert post.params["channel"] == ONCALL["id"]
    assert post.params["text"] == text
    assert [m["text"] for m in oncall_channel.messages] == [text]
    assert load_task(db, org_id, task_id).agent_id == "slack"


def test_the_model_is_offered_every_registered_route_and_the_agent_its_tools(
    openai_standin: OpenAIStandin, oncall_channel: SlackStandin, db: Database
) -> None:
    title, text = TASKS["english"]
    openai_standin.add(
        _to_slack(),
        ToolCall("post_slack_message", {"channel": "eng-oncall", "text": text}),
        "Posted.",
    )

    with task_runner(db) as runner:
        runner.execute(runner.create(title, execution_type="fully_automated"))

    classify_request, agent_request, _ = openai_standin.completions
    (tool,) = classify_request.tools
    route = tool["function"]["parameters"]["properties"]["route"]
    assert route["anyOf"][0]["enum"] == list(ROUTES)
    for name, when in ROUTES.items():
        assert f"- {name}: {when}" in classify_request.text
    assert set(agent_request.tool_names) == {
        "post_slack_message",
        "list_slack_channels",
        "lookup_slack_user",
    }


def test_an_ai_typed_post_waits_for_approval_then_reaches_slack(
    openai_standin: OpenAIStandin, oncall_channel: SlackStandin, db: Database, org_id: str
) -> None:
    title, text = TASKS["french"]
    openai_standin.add(
        _to_slack(),
        ToolCall("post_slack_message", {"channel": "eng-oncall", "text": text}),
        "Posted.",
    )

    with task_runner(db) as runner:
        task_id = runner.create(title, execution_type=None)  # the person left the type open
        paused = runner.execute(task_id)
        assert paused["status"] == "paused"
        assert oncall_channel.calls("chat.postMessage") == []
        done = runner.approve(task_id)

    assert done["status"] == "completed"
    (post,) = oncall_channel.calls("chat.postMessage")
    assert post.params["text"] == text
    assert load_task(db, org_id, task_id).execution_type == "fully_automated"


def test_an_ai_typed_post_goes_out_when_the_organizations_rules_allow_it(
    openai_standin: OpenAIStandin, oncall_channel: SlackStandin, db: Database, org_id: str
) -> None:
    with db.session() as session:
        set_automation_rules(session, org_id, {"thresholds": {"act": 0.8}})
    title, text = TASKS["english"]
    openai_standin.add(
        _to_slack(),  # confidence 0.86
        ToolCall("post_slack_message", {"channel": "eng-oncall", "text": text}),
        "Posted.",
    )

    with task_runner(db) as runner:
        outcome = runner.execute(runner.create(title, execution_type=None))

    assert outcome["status"] == "completed"
    assert [m["text"] for m in oncall_channel.messages] == [text]
