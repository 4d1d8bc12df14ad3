"""POST /api/tasks/{id}/approval takes every answer shape; every route shows one approval shape."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from agents.scripted import ScriptedChatModel, tool_call_message
from store import tasks as repo
from store.db import Database
from tests.fixtures.api import EMAIL, ApiOrg, paused_send, sent_mail

pytestmark = pytest.mark.integration


def answer(client: TestClient, org: ApiOrg, task_id: str, body: Any) -> dict[str, Any]:
    response = client.post(f"/api/tasks/{task_id}/approval", json=body, headers=org.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.parametrize(
    "body",
    [{"type": "approve"}, {"decisions": [{"type": "approve"}]}, {"type": "accept"}],
    ids=["hitl-decision", "hitl-response", "agent-inbox-accept"],
)
def test_approve_answers_send_the_email(
    api_client: TestClient,
    api_org: ApiOrg,
    scripted_model: ScriptedChatModel,
    db: Database,
    body: dict[str, Any],
) -> None:
    task_id = paused_send(api_client, api_org, scripted_model)["taskId"]

    outcome = answer(api_client, api_org, task_id, body)

    assert outcome["status"] == "completed"
    [mail] = sent_mail(db, api_org)
    assert mail.to == EMAIL["to"]


def test_edit_with_recipients_as_text_sends_to_each(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel, db: Database
) -> None:
    task_id = paused_send(api_client, api_org, scripted_model)["taskId"]
    edited = {"name": "send_email", "args": {**EMAIL, "cc": "ann@example.com; bo@example.com"}}

    answer(api_client, api_org, task_id, {"type": "edit", "edited_action": edited})

    [mail] = sent_mail(db, api_org)
    assert mail.cc == ["ann@example.com", "bo@example.com"]


def test_reject_message_blocks_the_task(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel, db: Database
) -> None:
    task_id = paused_send(api_client, api_org, scripted_model)["taskId"]

    outcome = answer(api_client, api_org, task_id, {"type": "reject", "message": "not now"})

    assert outcome["status"] == "blocked"
    assert sent_mail(db, api_org) == []


@pytest.mark.parametrize(
    "body",
    [{"type": "respond", "message": "say Friday"}, {"type": "response", "args": "say Friday"}],
    ids=["hitl-respond", "agent-inbox-response"],
)
def test_respond_asks_again_with_a_revised_action(
    api_client: TestClient,
    api_org: ApiOrg,
    scripted_model: ScriptedChatModel,
    db: Database,
    body: dict[str, Any],
) -> None:
    task_id = paused_send(api_client, api_org, scripted_model)["taskId"]
    scripted_model.script = [  # what the model answers next: the revised email
        *scripted_model.script[:2],
        tool_call_message("send_email", {**EMAIL, "body": "See you Friday."}),
        "Sent.",
    ]

    outcome = answer(api_client, api_org, task_id, body)

    assert outcome["status"] == "paused"
    assert outcome["approval"]["action_requests"][0]["args"]["body"] == "See you Friday."
    assert sent_mail(db, api_org) == []


def test_ignore_skips_the_send_and_completes(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel, db: Database
) -> None:
    task_id = paused_send(api_client, api_org, scripted_model)["taskId"]

    outcome = answer(api_client, api_org, task_id, {"type": "ignore"})

    assert outcome["status"] == "completed"
    assert sent_mail(db, api_org) == []


def test_resolved_completes_with_the_note(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel, db: Database
) -> None:
    task_id = paused_send(api_client, api_org, scripted_model)["taskId"]

    outcome = answer(api_client, api_org, task_id, {"type": "resolved", "args": "I called"})

    assert outcome["status"] == "completed"
    assert outcome["result"] == "I called"
    assert sent_mail(db, api_org) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"type": "maybe"}, "unknown approval answer type"),
        ({"type": "respond"}, "message"),
        ({"type": "edit", "edited_action": {"name": "send_email", "args": {"to": "x"}}}, "to"),
    ],
)
def test_a_bad_answer_is_a_4xx_naming_the_problem(
    api_client: TestClient,
    api_org: ApiOrg,
    scripted_model: ScriptedChatModel,
    body: dict[str, Any],
    message: str,
) -> None:
    task_id = paused_send(api_client, api_org, scripted_model)["taskId"]

    response = api_client.post(f"/api/tasks/{task_id}/approval", json=body, headers=api_org.headers)

    assert 400 <= response.status_code < 500
    assert message in response.json()["detail"]
    assert api_client.get(f"/api/tasks/{task_id}/approval", headers=api_org.headers).is_success


def test_every_route_shows_the_same_approval(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel
) -> None:
    executed = paused_send(api_client, api_org, scripted_model)
    task_id = executed["taskId"]

    one = api_client.get(f"/api/tasks/{task_id}/approval", headers=api_org.headers).json()
    [listed] = api_client.get("/api/approvals", headers=api_org.headers).json()["approvals"]

    assert executed["approval"] == one["approval"] == listed["approval"]


def test_the_inbox_names_the_parent_of_a_subtask(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel, db: Database
) -> None:
    task_id = paused_send(api_client, api_org, scripted_model)["taskId"]
    with db.session() as session:
        parent = repo.create_task(session, api_org.id, "Plan the partner meeting")
        repo.get_task(session, api_org.id, task_id).parent_task_id = parent.id
        parent_id = parent.id

    [item] = api_client.get("/api/approvals", headers=api_org.headers).json()["approvals"]

    assert (item["parent_id"], item["parent_title"]) == (parent_id, "Plan the partner meeting")
    assert item["title"] == item["approval"]["task_title"]
