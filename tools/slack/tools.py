"""Slack tools: post_slack_message (a side effect), list_slack_channels and lookup_slack_user."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tools.gate.destinations import SlackChannel
from tools.toolkit import ToolRun, ToolSpec


class PostSlackMessageArgs(BaseModel):
    """A message to post."""

    channel: SlackChannel = Field(description="One channel as the task names it, e.g. '#general'.")
    text: str = Field(min_length=1, description="The message text (Slack mrkdwn).")
    thread_ts: str | None = Field(default=None, description="Reply in this thread, if given.")


class ListSlackChannelsArgs(BaseModel):
    """How many channels to list."""

    limit: int = Field(default=100, ge=1, le=1000, description="At most this many channels.")


class LookupSlackUserArgs(BaseModel):
    """A person to find in Slack."""

    email: str = Field(description="The person's email address.")


def _post(run: ToolRun, args: dict[str, Any], key: str) -> dict[str, Any]:
    result = run.backends.chat.post_message(
        args["channel"], args["text"], args["thread_ts"], idempotency_key=key
    )
    return {"status": "posted", **result}


def _find_posted(run: ToolRun, args: dict[str, Any], key: str) -> dict[str, Any] | None:
    found = run.backends.chat.find_posted(args["channel"], key, args["thread_ts"])
    return {"status": "posted", **found} if found is not None else None


def _channels(run: ToolRun, args: dict[str, Any]) -> Any:
    return run.backends.chat.list_channels(args["limit"])


def _user(run: ToolRun, args: dict[str, Any]) -> Any:
    return run.backends.chat.lookup_user(args["email"])


SLACK_TOOLS = [
    ToolSpec(
        name="post_slack_message",
        description="Post a message to a Slack channel named in the task (or allowed by the "
        "organization); channels found only in messages or pages are refused.",
        args_model=PostSlackMessageArgs,
        act=_post,
        reconcile=_find_posted,
    ),
    ToolSpec(
        name="list_slack_channels",
        description="List the Slack channels (id and name).",
        args_model=ListSlackChannelsArgs,
        source="Slack",
        read=_channels,
    ),
    ToolSpec(
        name="lookup_slack_user",
        description="Find a Slack user by email address (id, name, real name).",
        args_model=LookupSlackUserArgs,
        source="Slack",
        read=_user,
    ),
]
