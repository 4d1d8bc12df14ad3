"""The LangGraph API under Delegate's custom auth: the caller's API key decides the
organization; a run's input can switch neither tenant nor database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.errors import NotFoundError
from langgraph_sdk.schema import Thread

from store.models import Task
from store.orgs import create_api_key, ensure_organization
from tests.fixtures.langgraph_server import LangGraphServer
from tests.integration.test_langgraph_server import TITLE, _decision, answering

pytestmark = pytest.mark.integration


@pytest.fixture
def server(langgraph_server: LangGraphServer) -> Iterator[LangGraphServer]:
    langgraph_server.model.default = answering(_decision())
    yield langgraph_server
    langgraph_server.model.default = None


@pytest.fixture
def globex_headers(server: LangGraphServer) -> dict[str, str]:
    """A key of a second organization on the same server."""
    db = server.database
    try:
        with db.session() as session:
            org = ensure_organization(session, "globex")
            key = create_api_key(session, org.id, "auth-test")
    finally:
        db.dispose()
    return {"Authorization": f"Bearer {key}"}


def _org_of_task(server: LangGraphServer, task_id: str) -> str:
    db = server.database
    try:
        with db.session() as session:
            task = session.get(Task, task_id)
            assert task is not None, f"no task {task_id}"
            return task.org_id
    finally:
        db.dispose()


def _org_id(server: LangGraphServer, name: str) -> str:
    db = server.database
    try:
        with db.session() as session:
            return ensure_organization(session, name).id
    finally:
        db.dispose()


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer dlg_not_a_key"}])
def test_the_langgraph_api_refuses_a_caller_without_a_valid_key(
    server: LangGraphServer, headers: dict[str, str]
) -> None:
    response = httpx.post(f"{server.url}/threads", json={}, headers=headers)

    assert response.status_code == 401


def test_a_run_context_naming_another_organization_runs_in_the_key_s_own(
    server: LangGraphServer,
) -> None:
    client = get_sync_client(url=server.url, headers=server.api_headers)
    thread = client.threads.create()

    client.runs.wait(
        thread["thread_id"],
        "execute_task",
        input={"title": TITLE},
        context={"organization": "globex", "organization_name": "globex"},
    )

    assert _org_of_task(server, thread["thread_id"]) == _org_id(server, "default")


def test_a_run_config_cannot_switch_organization_or_database(
    server: LangGraphServer, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere.db"
    client = get_sync_client(url=server.url, headers=server.api_headers)
    thread = client.threads.create()

    output: Any = client.runs.wait(
        thread["thread_id"],
        "execute_task",
        input={"title": TITLE},
        config={
            "configurable": {
                "organization": "globex",
                "database_url": f"sqlite:///{elsewhere}",
            }
        },
    )

    assert output["task_id"] == thread["thread_id"]
    assert _org_of_task(server, thread["thread_id"]) == _org_id(server, "default")
    assert not elsewhere.exists()


def test_a_key_runs_in_its_own_organization_and_sees_only_its_threads(
    server: LangGraphServer, globex_headers: dict[str, str]
) -> None:
    acme = get_sync_client(url=server.url, headers=server.api_headers)
    globex = get_sync_client(url=server.url, headers=globex_headers)
    theirs: Thread = globex.threads.create()
    globex.runs.wait(theirs["thread_id"], "execute_task", input={"title": TITLE})
    mine: Thread = acme.threads.create()

    assert _org_of_task(server, theirs["thread_id"]) == _org_id(server, "globex")
    with pytest.raises(NotFoundError):
        acme.threads.get(theirs["thread_id"])
    listed = {t["thread_id"] for t in acme.threads.search(limit=100)}
    assert mine["thread_id"] in listed and theirs["thread_id"] not in listed


def test_a_task_the_api_runs_through_the_server_is_a_thread_of_the_callers_organization(
    server: LangGraphServer, globex_headers: dict[str, str]
) -> None:
    created = httpx.post(f"{server.url}/api/tasks", headers=globex_headers, json={"title": TITLE})
    task_id = created.json()["id"]

    executed = httpx.post(
        f"{server.url}/api/tasks/execute",
        headers=globex_headers,
        json={"taskId": task_id},
        timeout=60,
    )

    assert executed.status_code == 200, executed.text
    globex = get_sync_client(url=server.url, headers=globex_headers)
    assert globex.threads.get(task_id)["status"] == "idle"
    with pytest.raises(NotFoundError):
        get_sync_client(url=server.url, headers=server.api_headers).threads.get(task_id)
    assert _org_of_task(server, task_id) == _org_id(server, "globex")


def test_docs_under_the_server_are_the_local_page_under_a_csp(server: LangGraphServer) -> None:
    page = httpx.get(f"{server.url}/docs")
    bundle = httpx.get(f"{server.url}/docs/assets/swagger-ui-bundle.js")
    spec = httpx.get(f"{server.url}/openapi.json").json()

    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "cdn." not in page.text and "/docs/assets/swagger-ui-bundle.js" in page.text
    assert bundle.status_code == 200
    assert "/threads" in spec["paths"] and "/api/tasks" in spec["paths"]
