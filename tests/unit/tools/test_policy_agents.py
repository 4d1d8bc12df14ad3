"""Agents as data: which agent a task gets, and the agents table mirror."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from agents.registry import AGENTS, select_agent, sync_agents
from store.db import Database
from store.models import Agent


@pytest.mark.parametrize(
    ("title", "agent"),
    [
        ("Reply to john@example.com thanking him for the meeting", "email"),
        ("Search my inbox for the invoice from ACME", "email"),
        ("Schedule a meeting with john@example.com on Friday", "calendar"),
        ("Find free time next week for a 1:1", "calendar"),
        ("Post the release notes to #eng on Slack", "slack"),
        ("Summarize https://example.org/post", "browser"),
        ("Fill in the signup form on the website", "browser"),
        ("Write a blog post about tea", "writer"),
        ("Outline a talk on testing", "writer"),
    ],
)
def test_select_agent_by_what_the_task_asks(title: str, agent: str) -> None:
    assert select_agent(title).id == agent


def test_description_decides_when_the_title_names_no_service() -> None:
    assert select_agent("Let the team know", "Post it in #general").id == "slack"


def test_sync_agents_mirrors_every_agent(db: Database) -> None:
    with db.session() as session:
        sync_agents(session)
    with db.session() as session:
        rows = {row.id: row for row in session.scalars(select(Agent))}

    assert set(rows) == set(AGENTS)
    assert rows["email"].tools == list(AGENTS["email"].tools)


def test_sync_agents_is_idempotent(db: Database) -> None:
    with db.session() as session:
        first = sync_agents(session)
    with db.session() as session:
        second = sync_agents(session)

    assert (first, second) == (len(AGENTS), 0)
