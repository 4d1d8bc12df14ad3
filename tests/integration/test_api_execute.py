"""POST /api/tasks/execute and GET /api/tasks/execute: the spec's execution contract."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agents.classification import Classification, SubtaskPlan
from agents.scripted import ScriptedChatModel
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionType, Strategy
from tests.fixtures.api import ApiOrg

pytestmark = pytest.mark.integration

IMMEDIATE = Classification(
    strategy=Strategy.IMMEDIATE,
    execution_type=ExecutionType.FULLY_AUTOMATED,
    confidence=0.9,
    reason="A short poem can be written now.",
    route="writer",
)
BLOCKED = Classification(
    strategy=Strategy.BLOCKED,
    execution_type=ExecutionType.MANUAL,
    confidence=0.8,
    reason="Paying the invoice needs access to the bank account.",
)
DECOMPOSE = Classification(
    strategy=Strategy.DECOMPOSE,
    execution_type=ExecutionType.FULLY_AUTOMATED,
    confidence=0.75,
    reason="An offsite has separate phases.",
    subtasks=[
        SubtaskPlan(title="Draft the agenda", execution_type=ExecutionType.FULLY_AUTOMATED),
        SubtaskPlan(title="Sign the venue contract", execution_type=ExecutionType.MANUAL),
    ],
)


def _task(db: Database, org: ApiOrg, title: str = "Write a haiku", **fields: Any) -> str:
    with db.session() as session:
        return repo.create_task(session, org.id, title, **fields).id


def _execute(client: TestClient, org: ApiOrg, task_id: str) -> Any:
    return client.post("/api/tasks/execute", json={"taskId": task_id}, headers=org.headers)


def test_execute_immediate_answers_with_the_result(
    api_client: TestClient, api_org: ApiOrg, db: Database, scripted_model: ScriptedChatModel
) -> None:
    task_id = _task(db, api_org)
    scripted_model.script = [IMMEDIATE, "An old silent pond"]

    response = _execute(api_client, api_org, task_id)

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["strategy"] == "immediate"
    assert body["result"] == "An old silent pond"
    assert body["message"] == "Task executed successfully"
    assert body["taskId"] == task_id
    assert body["details"]["output"] == "An old silent pond"
    assert body["details"]["confidence"] == IMMEDIATE.confidence
    assert "subtasks" not in body and "reason" not in body
    stored = api_client.get(f"/api/tasks/{task_id}", headers=api_org.headers).json()
    assert stored["execution_status"] == "completed"
    assert stored["result"]["output"] == "An old silent pond"


def test_execute_accepts_snake_case_task_id(
    api_client: TestClient, api_org: ApiOrg, db: Database, scripted_model: ScriptedChatModel
) -> None:
    task_id = _task(db, api_org)
    scripted_model.script = [IMMEDIATE, "A frog jumps in"]

    response = api_client.post(
        "/api/tasks/execute", json={"task_id": task_id}, headers=api_org.headers
    )

    assert response.status_code == 200
    assert response.json()["taskId"] == task_id


def test_execute_blocked_answers_success_false_with_the_reason(
    api_client: TestClient, api_org: ApiOrg, db: Database, scripted_model: ScriptedChatModel
) -> None:
    task_id = _task(db, api_org, "Pay the March invoice")
    scripted_model.script = [BLOCKED]

    body = _execute(api_client, api_org, task_id).json()

    assert body["success"] is False
    assert body["strategy"] == "blocked"
    assert body["reason"] == BLOCKED.reason
    assert body["message"] == "Task blocked - requires human action"
    assert "result" not in body
    log = api_client.get(f"/api/tasks/{task_id}/log", headers=api_org.headers).json()
    assert log["execution_status"] == "blocked"


def test_execute_a_draft_with_gaps_answers_blocked_with_the_draft_in_details(
    api_client: TestClient, api_org: ApiOrg, db: Database, scripted_model: ScriptedChatModel
) -> None:
    task_id = _task(db, api_org, "Send Maria the Q3 deck")
    draft = "To: [missing: the recipient's address]\nSubject: Q3 deck\n\nHi Maria"
    scripted_model.script = [IMMEDIATE, draft]

    body = _execute(api_client, api_org, task_id).json()

    assert body["success"] is False
    assert body["strategy"] == "blocked"
    assert body["message"] == "Task blocked - requires human action"
    assert body["reason"].startswith("needs a person: the draft is missing the recipient's")
    assert body["details"]["output"] == draft


def test_execute_decompose_answers_with_subtasks_and_runs_the_automated_ones(
    api_client: TestClient, api_org: ApiOrg, db: Database, scripted_model: ScriptedChatModel
) -> None:
    task_id = _task(db, api_org, "Plan the team offsite")
    scripted_model.script = [DECOMPOSE, IMMEDIATE, "1. Welcome 2. Roadmap 3. Dinner"]

    body = _execute(api_client, api_org, task_id).json()

    assert body["success"] is True
    assert body["strategy"] == "decompose"
    assert body["message"] == "Task decomposed into 2 subtasks"
    assert [(s["title"], s["execution_type"]) for s in body["subtasks"]] == [
        ("Draft the agenda", "fully_automated"),
        ("Sign the venue contract", "manual"),
    ]
    statuses = {s["title"]: s["status"] for s in body["subtasks"]}
    assert statuses == {"Draft the agenda": "completed", "Sign the venue contract": "pending"}
    parent = api_client.get(f"/api/tasks/{task_id}", headers=api_org.headers).json()
    assert parent["execution_status"] == "paused"
    assert {s["title"] for s in parent["subtasks"]} == set(statuses)


def test_execute_a_completed_task_is_409_with_the_reason(
    api_client: TestClient, api_org: ApiOrg, db: Database, scripted_model: ScriptedChatModel
) -> None:
    task_id = _task(db, api_org)
    scripted_model.script = [IMMEDIATE, "An old silent pond"]
    assert _execute(api_client, api_org, task_id).status_code == 200
    calls_before = len(scripted_model.calls)

    response = _execute(api_client, api_org, task_id)

    assert response.status_code == 409
    assert "completed" in response.json()["detail"]
    assert len(scripted_model.calls) == calls_before


def test_execute_a_model_failure_answers_success_false(
    api_client: TestClient, api_org: ApiOrg, db: Database, scripted_model: ScriptedChatModel
) -> None:
    task_id = _task(db, api_org, max_retries=0)
    scripted_model.script = [RuntimeError("model down")] * 3

    response = _execute(api_client, api_org, task_id)

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is False
    assert "model down" in body["reason"]
    assert body["taskId"] == task_id


def test_execute_an_unknown_task_is_404(api_client: TestClient, api_org: ApiOrg) -> None:
    response = _execute(api_client, api_org, "00000000-0000-0000-0000-000000000000")

    assert response.status_code == 404


def test_execute_without_task_id_is_422_naming_it(api_client: TestClient, api_org: ApiOrg) -> None:
    response = api_client.post("/api/tasks/execute", json={}, headers=api_org.headers)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "taskId"


def test_execute_a_task_id_prefix_is_not_accepted(
    api_client: TestClient, api_org: ApiOrg, db: Database
) -> None:
    task_id = _task(db, api_org)

    response = _execute(api_client, api_org, task_id[:8])

    assert response.status_code == 404


def test_executable_tasks_are_most_urgent_first(
    api_client: TestClient, api_org: ApiOrg, db: Database
) -> None:
    soon = datetime.now(UTC) + timedelta(days=1)
    later = datetime.now(UTC) + timedelta(days=9)
    low = _task(db, api_org, "Low", priority="low")
    high_later = _task(db, api_org, "High later", priority="high", due_date=later)
    high_soon = _task(db, api_org, "High soon", priority="high", due_date=soon)
    urgent = _task(db, api_org, "Urgent", priority="urgent", execution_type="semi_automated")
    _task(db, api_org, "Manual", priority="urgent", execution_type="manual")
    done = _task(db, api_org, "Done", priority="urgent")
    with db.session() as session:
        repo.start_task_execution(session, api_org.id, done)
        repo.complete_task_execution(session, api_org.id, done, {"output": "ok"})

    response = api_client.get("/api/tasks/execute", headers=api_org.headers)

    assert response.status_code == 200
    assert [t["id"] for t in response.json()["tasks"]] == [urgent, high_soon, high_later, low]


def test_executable_tasks_filter_by_type_and_limit(
    api_client: TestClient, api_org: ApiOrg, db: Database
) -> None:
    _task(db, api_org, "Full", priority="urgent")
    semi = _task(db, api_org, "Semi one", execution_type="semi_automated", priority="high")
    _task(db, api_org, "Semi two", execution_type="semi_automated")

    response = api_client.get(
        "/api/tasks/execute?execution_type=semi_automated&limit=1", headers=api_org.headers
    )

    assert [t["id"] for t in response.json()["tasks"]] == [semi]
