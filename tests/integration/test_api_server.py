"""The API under a real uvicorn server: HTTP end to end, and runs that do not block others."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from agents.classification import Classification
from agents.scripted import ScriptedChatModel
from store.enums import ExecutionType, Strategy
from tests.fixtures.api import ApiOrg

pytestmark = pytest.mark.integration

IMMEDIATE = Classification(
    strategy=Strategy.IMMEDIATE,
    execution_type=ExecutionType.FULLY_AUTOMATED,
    confidence=0.9,
    reason="It can be written now.",
    route="writer",
)


def test_real_server_creates_executes_and_lists_tasks(
    api_server: str, api_org: ApiOrg, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [IMMEDIATE, "An old silent pond"]
    with httpx.Client(base_url=api_server, headers=api_org.headers, timeout=30) as client:
        task = client.post("/api/tasks", json={"title": "Write a haiku"}).json()
        outcome = client.post("/api/tasks/execute", json={"taskId": task["id"]}).json()
        listed = client.get("/api/tasks", params={"status": "completed"}).json()

    assert outcome["success"] is True
    assert outcome["result"] == "An old silent pond"
    assert [t["id"] for t in listed["tasks"]] == [task["id"]]


def test_a_running_task_does_not_block_other_requests(
    api_server: str, api_org: ApiOrg, scripted_model: ScriptedChatModel
) -> None:
    model_called = threading.Event()
    release = threading.Event()

    def slow_deliverable(messages: Any, tools: list[str]) -> str:
        model_called.set()
        release.wait(timeout=30)  # held until the other requests were answered
        return "Finally done."

    scripted_model.script = [IMMEDIATE, slow_deliverable]
    outcome: dict[str, Any] = {}
    with httpx.Client(base_url=api_server, headers=api_org.headers, timeout=30) as client:
        task = client.post("/api/tasks", json={"title": "Write a long essay"}).json()

        def execute() -> None:
            with httpx.Client(base_url=api_server, headers=api_org.headers, timeout=30) as c:
                outcome.update(c.post("/api/tasks/execute", json={"taskId": task["id"]}).json())

        worker = threading.Thread(target=execute)
        worker.start()
        assert model_called.wait(timeout=30)
        health = client.get("/api/health")
        listed = client.get("/api/tasks")
        release.set()
        worker.join(timeout=30)

    assert health.status_code == 200
    assert [t["execution_status"] for t in listed.json()["tasks"]] == ["in_progress"]
    assert outcome["result"] == "Finally done."
