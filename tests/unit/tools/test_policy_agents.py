"""Agents as data: the agents table mirrors the definitions."""

from __future__ import annotations

from sqlalchemy import select

from agents.registry import AGENTS, sync_agents
from store.db import Database
from store.models import Agent


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
