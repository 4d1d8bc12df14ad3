"""Approvals over HTTP: a semi-automated email pauses; approve (as is or edited) or reject it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from agents.scripted import ScriptedChatModel
from store.db import Database
from tests.fixtures.api import EMAIL, ApiOrg, paused_send, sent_mail

pytestmark = pytest.mark.integration


def test_execute_answers_paused_with_the_approval_request(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel, db: Database
) -> None:
    outcome = paused_send(api_client, api_org, scripted_model)

    assert outcome["success"] is True
    assert outcome["status"] == "paused"
    request = outcome["approval"]
    assert request["action_requests"][0]["name"] == "send_email"
    assert request["task_id"] == outcome["taskId"]
    assert sent_mail(db, api_org) == []


def test_approval_route_shows_the_exact_pending_action(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel
) -> None:
    task_id = paused_send(api_client, api_org, scripted_model)["taskId"]

    response = api_client.get(f"/api/tasks/{task_id}/approval", headers=api_org.headers)

    assert response.status_code == 200
    body = response.json()
    assert body["task_id"] == task_id
    [action] = body["approval"]["action_requests"]
    assert (action["name"], action["args"]) == ("send_email", {**EMAIL, "cc": []})


def test_approval_route_is_404_when_nothing_waits(api_client: TestClient, api_org: ApiOrg) -> None:
    task = api_client.post("/api/tasks", json={"title": "Write"}, headers=api_org.headers).json()

    response = api_client.get(f"/api/tasks/{task['id']}/approval", headers=api_org.headers)

    assert response.status_code == 404
    assert "not waiting for approval" in response.json()["detail"]


def test_approve_sends_the_email_and_completes_the_task(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel, db: Database
) -> None:
    task_id = paused_send(api_client, api_org, scripted_model)["taskId"]

    response = api_client.post(f"/api/tasks/{task_id}/approve", headers=api_org.headers)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "completed"
    assert response.json()["taskId"] == task_id
    [mail] = sent_mail(db, api_org)
    assert (mail.to, mail.subject, mail.body) == (EMAIL["to"], EMAIL["subject"], EMAIL["body"])


def test_approve_with_an_edited_body_sends_the_edit(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel, db: Database
) -> None:
    task_id = paused_send(api_client, api_org, scripted_model)["taskId"]
    edited = "Hi John,\n\nThanks again - see you Thursday.\n\nDelegate"

    response = api_client.post(
        f"/api/tasks/{task_id}/approve",
        json={"editedArgs": {"body": edited}},
        headers=api_org.headers,
    )

    assert response.status_code == 200, response.text
    [mail] = sent_mail(db, api_org)
    assert mail.body == edited
    assert mail.subject == EMAIL["subject"]


def test_reject_sends_nothing_and_blocks_the_task_with_the_reason(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel, db: Database
) -> None:
    task_id = paused_send(api_client, api_org, scripted_model)["taskId"]

    response = api_client.post(
        f"/api/tasks/{task_id}/reject",
        json={"reason": "I will call him instead"},
        headers=api_org.headers,
    )

    assert response.status_code == 200, response.text
    assert "I will call him instead" in response.json()["reason"]
    assert sent_mail(db, api_org) == []
    task = api_client.get(f"/api/tasks/{task_id}", headers=api_org.headers).json()
    assert task["execution_status"] == "blocked"


def test_approve_when_nothing_waits_is_409(api_client: TestClient, api_org: ApiOrg) -> None:
    task = api_client.post("/api/tasks", json={"title": "Write"}, headers=api_org.headers).json()

    response = api_client.post(f"/api/tasks/{task['id']}/approve", headers=api_org.headers)

    assert response.status_code == 409
    assert "not waiting for approval" in response.json()["detail"]


def test_execute_while_waiting_for_approval_is_409(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel
) -> None:
    task_id = paused_send(api_client, api_org, scripted_model)["taskId"]

    response = api_client.post(
        "/api/tasks/execute", json={"taskId": task_id}, headers=api_org.headers
    )

    assert response.status_code == 409
    assert "approval" in response.json()["detail"]


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": 3}])
def test_reject_needs_a_reason(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel, body: Any
) -> None:
    task_id = paused_send(api_client, api_org, scripted_model)["taskId"]

    response = api_client.post(f"/api/tasks/{task_id}/reject", json=body, headers=api_org.headers)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason"
