"""Every Slack tool in a whole task run, through slack-sdk's WebClient at the loopback stand-in.

DELEGATE_SLACK_BACKEND=slack, SLACK_BOT_TOKEN and DELEGATE_SLACK_API_URL are set as a
deployment would set them; the scripted model calls one tool per task.
"""

from __future__ import annotations

import pytest

from agents.scripted import ScriptedChatModel
from graphs.runner import TaskRunner
from store.db import Database
from tests.fixtures.agent_runs import events, load_task, run_one_tool, stored_result
from tests.fixtures.slack_standin import SlackRequest, SlackStandin

pytestmark = pytest.mark.integration

POST_TITLE = "Post the launch note to #general on Slack"


def assert_slack_request(request: SlackRequest, standin: SlackStandin, http_method: str) -> None:
    """Sent by slack-sdk with the bot token as a Bearer header."""
    assert request.http_method == http_method
    assert request.headers["authorization"] == f"Bearer {standin.token}"
    assert "slackclient" in request.headers["user-agent"].lower()


def test_post_slack_message_posts_to_the_named_channel(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    slack_env: SlackStandin,
    db: Database,
    org_id: str,
) -> None:
    task_id, outcome = run_one_tool(
        runner,
        scripted_model,
        POST_TITLE,
        "post_slack_message",
        {"channel": "#general", "text": "We launched!"},
        "Posted the launch note.",
    )

    assert outcome["status"] == "completed"
    (post,) = slack_env.calls("chat.postMessage")
    assert_slack_request(post, slack_env, "POST")
    assert post.content_type == "application/json"
    # The name is resolved to the channel id through conversations.list first.
    assert len(slack_env.calls("conversations.list")) == 1
    assert post.params["channel"] == "C01GENERAL0"
    assert post.params["text"] == "We launched!"
    (message,) = slack_env.messages
    (action,) = stored_result(db, org_id, task_id)["actions"]
    assert action["tool"] == "post_slack_message"
    assert action["result"]["ts"] == message["ts"]
    assert action["result"]["channel"] == "C01GENERAL0"
    (done,) = events(db, org_id, task_id, "side_effect_done")
    assert done["provider_result"]["ts"] == message["ts"]


def test_list_slack_channels_reads_conversations_list(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    slack_env: SlackStandin,
    db: Database,
    org_id: str,
) -> None:
    task_id, outcome = run_one_tool(
        runner,
        scripted_model,
        "List the channels of our Slack workspace",
        "list_slack_channels",
        {"limit": 50},
    )

    assert outcome["status"] == "completed"
    (request,) = slack_env.calls("conversations.list")
    assert_slack_request(request, slack_env, "POST")
    assert request.content_type == "application/x-www-form-urlencoded"
    assert request.params["types"] == "public_channel,private_channel"
    assert request.params["limit"] == "50"
    output = stored_result(db, org_id, task_id)["output"]
    for channel_id in ("C01GENERAL0", "C02RANDOM00", "G03PRIVATE0"):
        assert channel_id in output
    assert [e["tool"] for e in events(db, org_id, task_id, "tool_called")] == [
        "list_slack_channels"
    ]


def test_lookup_slack_user_finds_the_person_by_email(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    slack_env: SlackStandin,
    db: Database,
    org_id: str,
) -> None:
    task_id, outcome = run_one_tool(
        runner,
        scripted_model,
        "Look up john@example.com on Slack",
        "lookup_slack_user",
        {"email": "john@example.com"},
    )

    assert outcome["status"] == "completed"
    (request,) = slack_env.calls("users.lookupByEmail")
    assert_slack_request(request, slack_env, "POST")
    assert request.params["email"] == "john@example.com"
    output = stored_result(db, org_id, task_id)["output"]
    assert "U0JOHN00001" in output and "John Smith" in output


def test_slack_429_is_retried_after_retry_after_and_the_post_completes(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    slack_env: SlackStandin,
    db: Database,
    org_id: str,
) -> None:
    slack_env.fail_next("chat.postMessage", status=429, retry_after=0)

    task_id, outcome = run_one_tool(
        runner,
        scripted_model,
        POST_TITLE,
        "post_slack_message",
        {"channel": "#general", "text": "We launched!"},
        "Posted.",
    )

    assert outcome["status"] == "completed"
    assert len(slack_env.calls("chat.postMessage")) == 2
    assert len(slack_env.messages) == 1
    assert load_task(db, org_id, task_id).execution_status == "completed"
