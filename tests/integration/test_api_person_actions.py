"""POST /api/tasks/{id}/complete and /retry: a person finishes a task or retries it with a note."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from agents.classification import Classification
from agents.scripted import ScriptedChatModel
from store.db import Database
from store.models import SandboxEmail
from tests.fixtures.api import ApiOrg, paused_send

pytestmark = pytest.mark.integration

NOTE = "Facilities approved the purchase; draft the order for 6 chairs"
BLOCKED = Classification(
    strategy="blocked",
    execution_type="manual",
    confidence=0.9,
    reason="Needs a person with purchasing authority",
)
IMMEDIATE = Classification(
    strategy="immediate",
    execution_type="fully_automated",
    confidence=0.8,
    reason="a draft",
    route="writer",
)


def _blocked_task(client: TestClient, org: ApiOrg, model: ScriptedChatModel) -> str:
    model.script = [BLOCKED, IMMEDIATE, "Order: 6 ergonomic chairs for the Berlin office."]
    task = client.post(
        "/api/tasks", json={"title": "Order new office chairs"}, headers=org.headers
    ).json()
    outcome = client.post("/api/tasks/execute", json={"taskId": task["id"]}, headers=org.headers)
    assert outcome.json()["strategy"] == "blocked"
    task_id: str = task["id"]
    return task_id


def _task(client: TestClient, org: ApiOrg, task_id: str) -> dict[str, Any]:
    response = client.get(f"/api/tasks/{task_id}", headers=org.headers)
    assert response.status_code == 200
    task: dict[str, Any] = response.json()
    return task


def test_complete_finishes_a_blocked_task_with_what_the_person_did(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel
) -> None:
    task_id = _blocked_task(api_client, api_org, scripted_model)

    response = api_client.post(
        f"/api/tasks/{task_id}/complete",
        json={"result": "Ordered 6 chairs from the usual supplier"},
        headers=api_org.headers,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["success"], body["status"], body["taskId"]) == (True, "completed", task_id)
    task = _task(api_client, api_org, task_id)
    assert task["execution_status"] == "completed"
    assert task["result"]["output"] == "Ordered 6 chairs from the usual supplier"
    entry = task["execution_log"][-1]
    assert (entry["event"], entry["executor_type"], entry["executor_id"]) == (
        "completed",
        "user",
        "api",
    )


def test_complete_of_a_completed_task_is_409_and_changes_nothing(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel
) -> None:
    task_id = _blocked_task(api_client, api_org, scripted_model)
    url = f"/api/tasks/{task_id}/complete"
    api_client.post(url, json={"result": "Ordered"}, headers=api_org.headers)
    before = _task(api_client, api_org, task_id)

    response = api_client.post(url, json={"result": "Ordered twice"}, headers=api_org.headers)

    assert response.status_code == 409
    assert "completed already" in response.json()["detail"]
    assert _task(api_client, api_org, task_id) == before


def test_complete_of_another_organizations_task_is_404(
    api_client: TestClient,
    api_org: ApiOrg,
    other_org: ApiOrg,
    scripted_model: ScriptedChatModel,
) -> None:
    task_id = _blocked_task(api_client, api_org, scripted_model)

    response = api_client.post(
        f"/api/tasks/{task_id}/complete", json={"result": "x"}, headers=other_org.headers
    )

    assert response.status_code == 404
    assert _task(api_client, api_org, task_id)["execution_status"] == "blocked"


def test_a_paused_email_marked_done_is_never_sent(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel, db: Database
) -> None:
    task_id = paused_send(api_client, api_org, scripted_model)["taskId"]
    done = api_client.post(
        f"/api/tasks/{task_id}/complete",
        json={"result": "I called John instead"},
        headers=api_org.headers,
    )
    assert done.status_code == 200

    approve = api_client.post(f"/api/tasks/{task_id}/approve", headers=api_org.headers)

    assert approve.status_code == 409
    with db.session() as session:
        assert (
            session.scalars(select(SandboxEmail).where(SandboxEmail.folder == "sent")).all() == []
        )
    assert api_client.get(
        f"/api/tasks/{task_id}/approval", headers=api_org.headers
    ).status_code == (404)


def test_retry_runs_the_blocked_task_with_the_note_in_the_prompt_and_the_log(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel
) -> None:
    task_id = _blocked_task(api_client, api_org, scripted_model)

    response = api_client.post(
        f"/api/tasks/{task_id}/retry", json={"note": NOTE}, headers=api_org.headers
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "completed"
    assert f"Note from a person: {NOTE}" in scripted_model.calls[-2].text
    log = _task(api_client, api_org, task_id)["execution_log"]
    assert [e.get("note") for e in log if e["event"] == "retry_requested"] == [NOTE]


@pytest.mark.parametrize("body", [{}, {"note": "   "}, {"note": "x", "extra": 1}])
def test_retry_without_a_usable_note_is_422(
    api_client: TestClient,
    api_org: ApiOrg,
    scripted_model: ScriptedChatModel,
    body: dict[str, Any],
) -> None:
    task_id = _blocked_task(api_client, api_org, scripted_model)

    response = api_client.post(f"/api/tasks/{task_id}/retry", json=body, headers=api_org.headers)

    assert response.status_code == 422
    assert _task(api_client, api_org, task_id)["execution_status"] == "blocked"


def test_retry_of_a_pending_task_is_409_and_changes_nothing(
    api_client: TestClient, api_org: ApiOrg
) -> None:
    task = api_client.post("/api/tasks", json={"title": "Write"}, headers=api_org.headers).json()

    response = api_client.post(
        f"/api/tasks/{task['id']}/retry", json={"note": NOTE}, headers=api_org.headers
    )

    assert response.status_code == 409
    assert "only a blocked task can be retried" in response.json()["detail"]
    assert _task(api_client, api_org, task["id"])["execution_log"] == task["execution_log"]
