"""Providers that echo the credential in their errors, through their real clients: the secret
appears nowhere — not in the task row (reason, log, result), the side-effect ledger, the raw
checkpoint tables, the API's answers, the CLI's output or the captured logs."""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any

import pytest
from fastapi.testclient import TestClient
from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import empty_checkpoint
from sqlalchemy import select
from typer.testing import CliRunner

from agents.scripted import ScriptedChatModel, tool_call_message
from app.api.main import create_app
from app.cli import app as cli_app
from store.checkpoints import checkpoint_location, open_checkpointer
from store.db import ALL_ORGANIZATIONS, Database
from store.models import Base
from tests.fixtures.agent_runs import GOOGLE_TOKEN, routed_to
from tests.fixtures.api import make_api_org
from tests.fixtures.google_standin import GoogleStandIn
from tests.fixtures.openai_standin import HttpError, OpenAIStandin
from tests.fixtures.slack_standin import SlackStandin

pytestmark = pytest.mark.integration

OPENAI_KEY = "sk-proj-Qm3vT8xLw2Zr5Kp9Hs4Jd7Fa"
TITLE = "Write a thank-you note for John after the meeting"


def stored_text(db: Database) -> str:
    """Every row of every store table, as text."""
    rows = []
    with db.read_transaction(ALL_ORGANIZATIONS) as conn:  # every tenant's rows, on purpose
        for table in Base.metadata.sorted_tables:
            rows += [repr(tuple(row)) for row in conn.execute(select(table))]
    return "\n".join(rows)


def checkpoint_cells(db: Database) -> list[Any]:
    """Every cell of the raw checkpoint tables (serialized bytes as they are on disk)."""
    if not db.is_sqlite:  # PostgresSaver's tables live in the store's own database
        found: list[Any] = []
        with db.engine.connect() as pg:
            for table in ("checkpoints", "checkpoint_blobs", "checkpoint_writes"):
                for row in pg.exec_driver_sql(f"SELECT * FROM {table}"):
                    found += [bytes(c) if isinstance(c, memoryview) else c for c in row]
        return found
    conn = sqlite3.connect(checkpoint_location(db))
    try:
        cells: list[Any] = []
        for table in ("checkpoints", "writes"):
            for row in conn.execute(f"SELECT * FROM {table}"):
                cells += list(row)
        return cells
    finally:
        conn.close()


def assert_nowhere(secret: str, db: Database, *shown: str) -> None:
    assert secret not in stored_text(db)
    cells = checkpoint_cells(db)
    assert cells, "the run wrote checkpoints"
    for cell in cells:
        if isinstance(cell, bytes):
            assert secret.encode() not in cell
        else:
            assert secret not in str(cell)
    for text in shown:
        assert secret not in text


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli_app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def echoing_openai(openai_standin: OpenAIStandin, monkeypatch: pytest.MonkeyPatch) -> str:
    """The OpenAI stand-in answering every request as OpenAI does a wrong key: quoting it."""
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    openai_standin.expected_api_key = None
    openai_standin.default = lambda request: HttpError(
        401,
        f"Incorrect API key provided: {OPENAI_KEY}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        type="invalid_request_error",
        code="invalid_api_key",
    )
    return OPENAI_KEY


def test_openai_key_echoed_in_an_error_is_never_stored_or_shown_by_the_cli(
    db: Database, echoing_openai: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    code, stdout, stderr = cli("-v", "run", TITLE, "--json")

    assert code == 1
    outcome = json.loads(stdout)
    assert outcome["status"] == "failed"
    assert "Incorrect API key provided: ***" in outcome["reason"]  # the echo came through
    assert_nowhere(echoing_openai, db, stdout, stderr, caplog.text)
    assert all(echoing_openai not in r.getMessage() for r in caplog.records)


def test_openai_key_echoed_in_an_error_is_never_in_an_api_answer(
    db: Database, echoing_openai: str
) -> None:
    org = make_api_org(db, "acme")
    with TestClient(create_app(db, model="openai:gpt-4o-mini")) as client:
        task = client.post("/api/tasks", json={"title": TITLE}, headers=org.headers).json()
        answers = [
            client.post("/api/tasks/execute", json={"taskId": task["id"]}, headers=org.headers),
            client.get(f"/api/tasks/{task['id']}", headers=org.headers),
            client.get(f"/api/tasks/{task['id']}/log", headers=org.headers),
            client.post(f"/api/tasks/{task['id']}/retry", json={"note": "x"}, headers=org.headers),
        ]

    assert "Incorrect API key provided: ***" in answers[0].text
    assert_nowhere(echoing_openai, db, *(a.text for a in answers))


def test_google_token_echoed_by_gmail_is_never_stored_or_shown(
    db: Database,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    gmail_env.fail_next(
        "/gmail/v1/users/me/messages/send",
        403,
        message=f"Invalid Credentials for Bearer {GOOGLE_TOKEN}",
        reason="forbidden",
    )
    email = {"to": ["john@example.com"], "subject": "Thanks", "body": "Thank you, John."}
    scripted_model.script = [routed_to("send_email"), tool_call_message("send_email", email)]

    code, stdout, stderr = cli(
        "-v",
        "run",
        "Reply to john@example.com thanking him for the meeting",
        "--type",
        "fully_automated",  # acts without approval: the provider's answer is what is tested
        "--json",
    )

    outcome = json.loads(stdout)
    assert code == 1
    assert "Invalid Credentials for Bearer ***" in outcome["reason"]
    assert_nowhere(GOOGLE_TOKEN, db, stdout, stderr, caplog.text)


def test_slack_token_echoed_by_slack_is_never_stored_or_shown(
    db: Database,
    scripted_model: ScriptedChatModel,
    slack_env: SlackStandin,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    slack_env.fail_next("chat.postMessage", error_code=f"invalid_auth for {slack_env.token}")
    post = {"channel": "#general", "text": "We launched!"}
    scripted_model.script = [
        routed_to("post_slack_message"),
        tool_call_message("post_slack_message", post),
    ]

    code, stdout, stderr = cli(
        "-v",
        "run",
        "Post the launch note to #general on Slack",
        "--type",
        "fully_automated",
        "--json",
    )

    assert code == 1
    assert json.loads(stdout)["status"] == "failed"
    assert_nowhere(slack_env.token, db, stdout, stderr, caplog.text)


def test_postgres_checkpoint_rows_hold_no_secret(pg_db: Database, echoing_openai: str) -> None:
    # PostgreSQL keeps a checkpoint's plain strings inline in its JSONB row, past the serializer.
    echo = f"Incorrect API key provided: {echoing_openai}"
    checkpoint = empty_checkpoint()
    checkpoint["channel_values"] = {"reason": echo, "messages": [AIMessage(content=echo)]}
    config: RunnableConfig = {"configurable": {"thread_id": "t1", "checkpoint_ns": ""}}
    with open_checkpointer(pg_db) as saver:
        saved = saver.put(config, checkpoint, {}, {"reason": "1", "messages": "1"})
        saver.put_writes(saved, [("reason", echo)], "task-1")

    with pg_db.engine.connect() as conn:
        rows = [
            repr(tuple(row))
            for table in ("checkpoints", "checkpoint_blobs", "checkpoint_writes")
            for row in conn.exec_driver_sql(f"SELECT * FROM {table}")
        ]
    assert len(rows) >= 3
    assert not any(echoing_openai in row for row in rows)
    assert any("Incorrect API key provided: ***" in row for row in rows)
