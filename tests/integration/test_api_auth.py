"""The authorization matrix: every route x {no key, bad key, other org's key, right key}.

No key or an unknown key: 401. Another organization's key: 404 for anything that names a
task (its existence is not revealed), and collections that never include the task. The
right key: the route's success status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agents.classification import Classification
from agents.scripted import ScriptedChatModel
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionType, Strategy
from tests.fixtures.api import ApiOrg, paused_send

pytestmark = pytest.mark.integration

IMMEDIATE = Classification(
    strategy=Strategy.IMMEDIATE,
    execution_type=ExecutionType.FULLY_AUTOMATED,
    confidence=0.9,
    reason="It can be written now.",
    route="writer",
)


Prepare = Callable[[TestClient, Database, ApiOrg, ScriptedChatModel], str]


def pending(client: TestClient, db: Database, org: ApiOrg, model: ScriptedChatModel) -> str:
    """A pending task; the model is ready to run it."""
    model.script = [IMMEDIATE, "An old silent pond"]
    with db.session() as session:
        return repo.create_task(session, org.id, "Write a haiku").id


def finished(client: TestClient, db: Database, org: ApiOrg, model: ScriptedChatModel) -> str:
    """A completed task."""
    task_id = pending(client, db, org, model)
    with db.session() as session:
        repo.start_task_execution(session, org.id, task_id)
        repo.complete_task_execution(session, org.id, task_id, {"output": "done"})
    return task_id


def waiting(client: TestClient, db: Database, org: ApiOrg, model: ScriptedChatModel) -> str:
    """A semi-automated email task paused for approval (its run ends on the next answer)."""
    task_id: str = paused_send(client, org, model)["taskId"]
    return task_id


@dataclass(frozen=True)
class Route:
    """One route of the API, how to prepare a task for it, and what success looks like."""

    method: str
    path: str
    ok: int
    prepare: Prepare = pending
    body: Callable[[str], dict[str, Any] | None] = field(default=lambda _task_id: None)
    names_task: bool = True
    """Whether the request names the task (then another org's key gets 404)."""

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


ROUTES = [
    Route("POST", "/api/tasks", 201, body=lambda _: {"title": "New task"}, names_task=False),
    Route("GET", "/api/tasks", 200, names_task=False),
    Route("GET", "/api/tasks/execute", 200, names_task=False),
    Route("POST", "/api/tasks/execute", 200, body=lambda task_id: {"taskId": task_id}),
    Route("GET", "/api/tasks/{id}", 200),
    Route("PATCH", "/api/tasks/{id}", 200, body=lambda _: {"priority": "high"}),
    Route("DELETE", "/api/tasks/{id}", 204),
    Route("GET", "/api/tasks/{id}/log", 200),
    Route("POST", "/api/tasks/{id}/feedback", 201, finished, lambda _: {"rating": 5}),
    Route("GET", "/api/tasks/{id}/feedback", 200, finished),
    Route("GET", "/api/tasks/{id}/approval", 200, waiting),
    Route("POST", "/api/tasks/{id}/approve", 200, waiting, lambda _: {"edited_args": {}}),
    Route("POST", "/api/tasks/{id}/reject", 200, waiting, lambda _: {"reason": "Not now"}),
]

CALLERS = ["no key", "bad key", "other org's key", "right key"]


def _headers(caller: str, owner: ApiOrg, other: ApiOrg) -> dict[str, str]:
    return {
        "no key": {},
        "bad key": {"Authorization": "Bearer dlg_not-a-real-key"},
        "other org's key": other.headers,
        "right key": owner.headers,
    }[caller]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.label)
def test_authorization_matrix(
    api_client: TestClient,
    db: Database,
    api_org: ApiOrg,
    other_org: ApiOrg,
    scripted_model: ScriptedChatModel,
    route: Route,
    caller: str,
) -> None:
    task_id = route.prepare(api_client, db, api_org, scripted_model)
    before = api_client.get(f"/api/tasks/{task_id}", headers=api_org.headers).json()
    calls_before = len(scripted_model.calls)

    response = api_client.request(
        route.method,
        route.path.replace("{id}", task_id),
        json=route.body(task_id),
        headers=_headers(caller, api_org, other_org),
    )

    if caller in ("no key", "bad key"):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert "key" in response.json()["detail"]
    elif caller == "other org's key" and route.names_task:
        assert response.status_code == 404
        assert task_id in response.json()["detail"]
    elif caller == "other org's key":
        assert response.status_code == route.ok
        assert task_id not in response.text
    else:
        assert response.status_code == route.ok, response.text
    if caller != "right key":
        after = api_client.get(f"/api/tasks/{task_id}", headers=api_org.headers).json()
        assert after == before
        assert len(scripted_model.calls) == calls_before


def test_a_task_created_with_another_key_belongs_to_that_org(
    api_client: TestClient, api_org: ApiOrg, other_org: ApiOrg
) -> None:
    created = api_client.post(
        "/api/tasks", json={"title": "Globex work"}, headers=other_org.headers
    ).json()

    mine = api_client.get("/api/tasks", headers=api_org.headers).json()["tasks"]
    theirs = api_client.get("/api/tasks", headers=other_org.headers).json()["tasks"]

    assert created["org_id"] == other_org.id
    assert mine == []
    assert [t["id"] for t in theirs] == [created["id"]]


@pytest.mark.parametrize(
    "authorization", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "dlg_abc", "Token x"]
)
def test_malformed_authorization_header_is_401(
    api_client: TestClient, api_org: ApiOrg, authorization: str
) -> None:
    response = api_client.get("/api/tasks", headers={"Authorization": authorization})

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_unknown_key_is_not_echoed_back(api_client: TestClient) -> None:
    key = "dlg_secret-looking-value-123"

    response = api_client.get("/api/tasks", headers={"Authorization": f"Bearer {key}"})

    assert response.status_code == 401
    assert key not in response.text
