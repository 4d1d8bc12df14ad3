"""POST /api/chat: a chat product's message becomes tasks; executable ones run; nothing twice."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from agents.classification import Classification
from agents.extraction import ExtractedTask, ExtractedTasks
from agents.scripted import ScriptedChatModel
from store.enums import ExecutionType, Strategy
from tests.fixtures.api import ApiOrg

pytestmark = pytest.mark.integration

MESSAGE = "Could you draft a short welcome note for Priya? Also, Tom will pick up the badges."
FOUND = ExtractedTasks(
    extracted_tasks=[
        ExtractedTask(
            title="Draft a short welcome note for Priya",
            confidence=0.9,
            why="asked for",
            quote="Could you draft a short welcome note for Priya?",
        ),
        ExtractedTask(
            title="Pick up the badges",
            execution_type="manual",
            confidence=0.7,
            why="promised by Tom",
            quote="Tom will pick up the badges.",
        ),
    ]
)
WELCOME = "Welcome to the team, Priya! We are glad you are here."


def test_a_message_becomes_tasks_and_the_executable_one_runs(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [
        FOUND,
        Classification(
            strategy=Strategy.IMMEDIATE,
            execution_type=ExecutionType.SEMI_AUTOMATED,
            confidence=0.9,
            reason="A draft.",
            route="writer",
        ),
        WELCOME,
    ]

    response = api_client.post("/api/chat", json={"message": MESSAGE}, headers=api_org.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    note, badges = body["tasks"]
    assert note["created"] and note["status"] == "completed", note.get("outcome")
    assert WELCOME in note["outcome"]["result"]["output"]
    assert badges["created"] and badges["execution_type"] == "manual" and "outcome" not in badges
    assert "I created 2 tasks" in body["reply"] and "waiting for a person" in body["reply"]


def test_the_same_message_sent_twice_creates_and_runs_nothing_new(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [FOUND, FOUND]
    first = api_client.post(
        "/api/chat", json={"message": MESSAGE, "run": False}, headers=api_org.headers
    ).json()
    calls = len(scripted_model.calls)

    again = api_client.post("/api/chat", json={"message": MESSAGE}, headers=api_org.headers).json()

    assert [t["created"] for t in again["tasks"]] == [False, False]
    assert [t["duplicate_of"] for t in again["tasks"]] == [t["task_id"] for t in first["tasks"]]
    assert len(scripted_model.calls) == calls + 1  # the extraction only: nothing ran
    assert again["reply"].startswith("Already on the list")
    listed = api_client.get("/api/tasks", headers=api_org.headers).json()["tasks"]
    assert len(listed) == 2


@pytest.mark.parametrize("body", [{}, {"message": "   "}, {"message": "x", "source": "fax"}])
def test_a_bad_chat_request_is_422(api_client: TestClient, api_org: ApiOrg, body: dict) -> None:
    assert api_client.post("/api/chat", json=body, headers=api_org.headers).status_code == 422


def test_a_model_that_cannot_answer_is_a_reply_saying_so_and_creates_nothing(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = ["not a list of tasks"] * 3

    response = api_client.post("/api/chat", json={"message": MESSAGE}, headers=api_org.headers)

    assert response.status_code == 200
    assert response.json()["tasks"] == []
    assert response.json()["reply"].startswith("I could not read tasks from that message")
    assert api_client.get("/api/tasks", headers=api_org.headers).json()["tasks"] == []
