"""Which `Chat` backend an organization gets: the sandbox channel log or real Slack."""

from __future__ import annotations

import os

from store.db import Database
from store.errors import ConfigurationError
from tools.backends import Chat

SLACK_BACKEND_VAR = "DELEGATE_SLACK_BACKEND"
CHAT_BACKENDS = ("sandbox", "slack")


def chat_backend_name() -> str:
    """DELEGATE_SLACK_BACKEND (`sandbox` by default); anything else is a ConfigurationError."""
    name = (os.environ.get(SLACK_BACKEND_VAR) or "sandbox").strip().lower()
    if name not in CHAT_BACKENDS:
        raise ConfigurationError(
            f"{SLACK_BACKEND_VAR} must be one of {', '.join(CHAT_BACKENDS)}, not {name!r}"
        )
    return name


def get_chat(db: Database, org_id: str) -> Chat:
    """The configured chat backend for this organization.

    `sandbox` posts to the organization's channel log in the store; `slack` talks to Slack
    with SLACK_BOT_TOKEN (and DELEGATE_SLACK_API_URL, if set) - one workspace per deployment.
    """
    if chat_backend_name() == "slack":
        from tools.slack.client import SlackChat

        return SlackChat()
    from tools.slack.sandbox import SandboxChat

    return SandboxChat(db, org_id)
