"""Which runtime runs tasks: the LangGraph server the API is mounted in (detected, or said by
DELEGATE_RUNTIME), a server the CLI is pointed at, or Delegate's own checkpointer."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from app.cli import app
from app.langgraph_runtime import under_langgraph_server
from store.db import Database
from store.errors import ConfigurationError
from store.orgs import create_api_key, ensure_organization
from tests.fixtures.langgraph_server import free_port

SERVER_GRAPHS = json.dumps({"execute_task": "./graphs/execute_task.py:graph"})


@pytest.fixture(autouse=True)
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DELEGATE_RUNTIME", "LANGSERVE_GRAPHS", "DELEGATE_LANGGRAPH_URL"):
        monkeypatch.delenv(name, raising=False)


def test_standalone_without_a_langgraph_server() -> None:
    assert under_langgraph_server() is False


def test_the_servers_graph_setting_means_the_api_runs_inside_the_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANGSERVE_GRAPHS", SERVER_GRAPHS)

    assert under_langgraph_server() is True


def test_a_server_without_execute_task_is_not_delegates_runtime(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANGSERVE_GRAPHS", json.dumps({"agent": "./agent.py:graph"}))

    assert under_langgraph_server() is False


@pytest.mark.parametrize(("runtime", "expected"), [("langgraph", True), ("standalone", False)])
def test_delegate_runtime_says_it_explicitly(
    monkeypatch: pytest.MonkeyPatch, runtime: str, expected: bool
) -> None:
    monkeypatch.setenv("LANGSERVE_GRAPHS", SERVER_GRAPHS if not expected else "{}")
    monkeypatch.setenv("DELEGATE_RUNTIME", runtime)

    assert under_langgraph_server() is expected


def test_an_unknown_runtime_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELEGATE_RUNTIME", "docker")

    with pytest.raises(ConfigurationError, match="DELEGATE_RUNTIME must be langgraph or"):
        under_langgraph_server()


def test_cli_pointed_at_a_server_without_a_key_says_what_is_missing(db: Database) -> None:
    result = CliRunner().invoke(
        app, ["approvals"], env={"DELEGATE_LANGGRAPH_URL": "http://127.0.0.1:9"}
    )

    assert result.exit_code != 0
    (line,) = result.stderr.strip().splitlines()
    assert "DELEGATE_LANGGRAPH_URL needs DELEGATE_API_KEY" in line


def test_cli_refuses_a_server_key_of_another_organization(db: Database) -> None:
    with db.session() as session:
        key = create_api_key(session, ensure_organization(session, "globex").id, "cli")

    result = CliRunner().invoke(
        app,
        ["--org", "acme", "approvals"],
        env={"DELEGATE_LANGGRAPH_URL": "http://127.0.0.1:9", "DELEGATE_API_KEY": key},
    )

    assert result.exit_code != 0
    assert "belongs to organization 'globex', not 'acme'" in result.stderr


def test_cli_pointed_at_a_server_that_does_not_answer_names_it_in_one_line(db: Database) -> None:
    with db.session() as session:
        key = create_api_key(session, ensure_organization(session, "default").id, "cli")
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    result = CliRunner().invoke(
        app, ["approvals"], env={"DELEGATE_LANGGRAPH_URL": url, "DELEGATE_API_KEY": key}
    )

    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert f"cannot reach the LangGraph server at {url} (DELEGATE_LANGGRAPH_URL)" in line


def test_recover_without_an_id_asks_no_server_when_no_task_waits(db: Database) -> None:
    with db.session() as session:
        key = create_api_key(session, ensure_organization(session, "default").id, "cli")
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    result = CliRunner().invoke(
        app, ["recover"], env={"DELEGATE_LANGGRAPH_URL": url, "DELEGATE_API_KEY": key}
    )

    assert result.exit_code == 0, result.stderr
    assert "nothing to recover" in result.stdout
