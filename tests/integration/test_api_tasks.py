"""The task routes: create, list with filters, read, edit, delete, log, feedback, bad input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus
from tests.fixtures.api import ApiOrg

pytestmark = pytest.mark.integration


def _create(client: TestClient, org: ApiOrg, **body: Any) -> dict[str, Any]:
    response = client.post(
        "/api/tasks", json={"title": "Write a haiku", **body}, headers=org.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def _finish(db: Database, org: ApiOrg, task_id: str) -> None:
    with db.session() as session:
        repo.start_task_execution(session, org.id, task_id)
        repo.complete_task_execution(session, org.id, task_id, {"output": "done"})


def test_health_answers_without_a_key(api_client: TestClient) -> None:
    response = api_client.get("/api/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_create_task_returns_the_stored_task(api_client: TestClient, api_org: ApiOrg) -> None:
    task = _create(
        api_client,
        api_org,
        description="About autumn",
        execution_type="semi_automated",
        priority="high",
        due_date="2030-01-01T10:00:00+02:00",
        max_retries=1,
    )

    assert task["title"] == "Write a haiku"
    assert task["description"] == "About autumn"
    assert task["execution_type"] == "semi_automated"
    assert task["execution_status"] == "pending"
    assert task["priority"] == "high"
    assert task["due_date"] == "2030-01-01T08:00:00Z"
    assert task["max_retries"] == 1
    assert task["org_id"] == api_org.id
    assert [e["event"] for e in task["execution_log"]] == ["created"]
    assert task["subtasks"] == []


def test_a_task_created_without_a_type_leaves_it_to_the_ai(
    api_client: TestClient, api_org: ApiOrg
) -> None:
    task = _create(api_client, api_org)

    assert task["execution_type"] is None


def test_create_task_accepts_the_spec_camel_case_names(
    api_client: TestClient, api_org: ApiOrg
) -> None:
    task = _create(
        api_client,
        api_org,
        executionType="manual",
        dueDate="2031-05-01T00:00:00Z",
        maxRetries=0,
        estimatedDurationMinutes=30,
    )

    assert task["execution_type"] == "manual"
    assert task["due_date"] == "2031-05-01T00:00:00Z"
    assert task["max_retries"] == 0
    assert task["estimated_duration_minutes"] == 30


def test_list_tasks_is_newest_first_and_pages(api_client: TestClient, api_org: ApiOrg) -> None:
    ids = [_create(api_client, api_org, title=f"Task {n}")["id"] for n in range(3)]

    first = api_client.get("/api/tasks?limit=2", headers=api_org.headers).json()
    second = api_client.get("/api/tasks?limit=2&offset=2", headers=api_org.headers).json()

    assert [t["id"] for t in first["tasks"]] == [ids[2], ids[1]]
    assert [t["id"] for t in second["tasks"]] == [ids[0]]
    assert (first["limit"], first["offset"]) == (2, 0)
    assert "execution_log" not in first["tasks"][0]


def test_list_tasks_filters_by_status_and_type(
    api_client: TestClient, api_org: ApiOrg, db: Database
) -> None:
    manual = _create(api_client, api_org, title="Call the bank", execution_type="manual")
    done = _create(api_client, api_org, title="Summarize notes")
    _finish(db, api_org, done["id"])

    by_status = api_client.get("/api/tasks?status=completed", headers=api_org.headers).json()
    by_type = api_client.get("/api/tasks?execution_type=manual", headers=api_org.headers).json()

    assert [t["id"] for t in by_status["tasks"]] == [done["id"]]
    assert [t["id"] for t in by_type["tasks"]] == [manual["id"]]


def test_list_tasks_filters_by_parent(
    api_client: TestClient, api_org: ApiOrg, db: Database
) -> None:
    parent = _create(api_client, api_org, title="Plan the offsite")
    with db.session() as session:
        child = repo.create_subtask(session, api_org.id, parent["id"], "Book the venue").id

    children = api_client.get(f"/api/tasks?parent_id={parent['id']}", headers=api_org.headers)
    top = api_client.get("/api/tasks?top_level=true", headers=api_org.headers)

    assert [t["id"] for t in children.json()["tasks"]] == [child]
    assert [t["id"] for t in top.json()["tasks"]] == [parent["id"]]


def test_get_task_includes_log_and_subtasks(
    api_client: TestClient, api_org: ApiOrg, db: Database
) -> None:
    parent = _create(api_client, api_org, title="Plan the offsite")
    with db.session() as session:
        repo.create_subtask(session, api_org.id, parent["id"], "Book the venue")

    task = api_client.get(f"/api/tasks/{parent['id']}", headers=api_org.headers).json()

    assert [s["title"] for s in task["subtasks"]] == ["Book the venue"]
    assert [e["event"] for e in task["execution_log"]] == ["created", "subtask_created"]


def test_patch_changes_only_the_fields_sent(api_client: TestClient, api_org: ApiOrg) -> None:
    task = _create(api_client, api_org, description="Keep me", due_date="2030-01-01T00:00:00Z")

    response = api_client.patch(
        f"/api/tasks/{task['id']}",
        json={"title": "Write two haiku", "priority": "urgent", "dueDate": None},
        headers=api_org.headers,
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["priority"], body["due_date"]) == (
        "Write two haiku",
        "urgent",
        None,
    )
    assert body["description"] == "Keep me"
    assert body["execution_log"][-1]["event"] == "updated"


def test_patch_refuses_null_for_a_required_field(api_client: TestClient, api_org: ApiOrg) -> None:
    task = _create(api_client, api_org)

    response = api_client.patch(
        f"/api/tasks/{task['id']}", json={"title": None}, headers=api_org.headers
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["title"]


def test_delete_removes_the_task_and_its_subtasks(
    api_client: TestClient, api_org: ApiOrg, db: Database
) -> None:
    parent = _create(api_client, api_org, title="Plan the offsite")
    with db.session() as session:
        child = repo.create_subtask(session, api_org.id, parent["id"], "Book the venue").id

    response = api_client.delete(f"/api/tasks/{parent['id']}", headers=api_org.headers)

    assert response.status_code == 204
    assert response.content == b""
    for task_id in (parent["id"], child):
        assert api_client.get(f"/api/tasks/{task_id}", headers=api_org.headers).status_code == 404


def test_log_lists_entries_oldest_first(
    api_client: TestClient, api_org: ApiOrg, db: Database
) -> None:
    task = _create(api_client, api_org)
    _finish(db, api_org, task["id"])

    log = api_client.get(f"/api/tasks/{task['id']}/log", headers=api_org.headers).json()

    assert log["task_id"] == task["id"]
    assert log["execution_status"] == "completed"
    assert [e["event"] for e in log["execution_log"]] == ["created", "started", "completed"]


def test_feedback_on_a_finished_task_is_stored(
    api_client: TestClient, api_org: ApiOrg, db: Database
) -> None:
    task = _create(api_client, api_org)
    _finish(db, api_org, task["id"])

    created = api_client.post(
        f"/api/tasks/{task['id']}/feedback",
        json={"rating": 4, "comment": " Good start ", "edited_output": "Better haiku"},
        headers=api_org.headers,
    )
    listed = api_client.get(f"/api/tasks/{task['id']}/feedback", headers=api_org.headers)

    assert created.status_code == 201
    body = created.json()
    assert (body["rating"], body["comment"], body["edited_output"]) == (
        4,
        "Good start",
        "Better haiku",
    )
    assert [f["id"] for f in listed.json()["feedback"]] == [body["id"]]


def test_feedback_on_an_open_task_is_a_conflict(api_client: TestClient, api_org: ApiOrg) -> None:
    task = _create(api_client, api_org)

    response = api_client.post(
        f"/api/tasks/{task['id']}/feedback", json={"rating": 5}, headers=api_org.headers
    )

    assert response.status_code == 409
    assert "pending" in response.json()["detail"]


@pytest.mark.parametrize("rating", [0, 6, "5", 4.5, True])
def test_feedback_rating_must_be_a_whole_number_from_1_to_5(
    api_client: TestClient, api_org: ApiOrg, db: Database, rating: Any
) -> None:
    task = _create(api_client, api_org)
    _finish(db, api_org, task["id"])

    response = api_client.post(
        f"/api/tasks/{task['id']}/feedback", json={"rating": rating}, headers=api_org.headers
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "rating"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 501}, "title"),
        ({"title": 42}, "title"),
        ({"title": "ok", "priority": "whenever"}, "priority"),
        ({"title": "ok", "executionType": "robotic"}, "executionType"),
        ({"title": "ok", "due_date": "next tuesday"}, "due_date"),
        ({"title": "ok", "due_date": "0001-01-01T00:00:00+01:00"}, "due_date"),
        ({"title": "ok", "max_retries": 10**30}, "max_retries"),
        ({"title": "ok", "colour": "red"}, "colour"),
        ({"title": "nul \u0000 byte"}, "title"),
    ],
)
def test_invalid_task_body_is_422_naming_the_field(
    api_client: TestClient, api_org: ApiOrg, body: dict[str, Any], field: str
) -> None:
    response = api_client.post("/api/tasks", json=body, headers=api_org.headers)

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert field in [e["field"] for e in errors]
    assert field in response.json()["detail"]


def test_a_title_with_an_escape_sequence_is_422_naming_the_character(
    api_client: TestClient, api_org: ApiOrg
) -> None:
    response = api_client.post(
        "/api/tasks", json={"title": "Pay\x1b]0;owned\x07 now"}, headers=api_org.headers
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "title"
    assert "U+001B" in response.json()["detail"]
    assert api_client.get("/api/tasks", headers=api_org.headers).json()["tasks"] == []


def test_malformed_json_is_422_naming_the_body(api_client: TestClient, api_org: ApiOrg) -> None:
    response = api_client.post(
        "/api/tasks",
        content=b'{"title": ',
        headers={**api_org.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"


@pytest.mark.parametrize(
    "query", ["status=done", "execution_type=robotic", "limit=0", "limit=abc", "offset=-1"]
)
def test_invalid_list_filters_are_422(api_client: TestClient, api_org: ApiOrg, query: str) -> None:
    response = api_client.get(f"/api/tasks?{query}", headers=api_org.headers)

    assert response.status_code == 422
    assert query.split("=")[0] in response.json()["detail"]


@pytest.mark.parametrize(
    "task_id", ["no-such-task", "0" * 64, "00000000-0000-0000-0000-000000000000"]
)
def test_unknown_task_id_is_404(api_client: TestClient, api_org: ApiOrg, task_id: str) -> None:
    response = api_client.get(f"/api/tasks/{task_id}", headers=api_org.headers)

    assert response.status_code == 404
    assert task_id in response.json()["detail"]


@pytest.mark.parametrize("task_id", ["a" * 65, "white space", "semi;colon", "%00"])
def test_malformed_task_id_is_422_not_500(
    api_client: TestClient, api_org: ApiOrg, task_id: str
) -> None:
    response = api_client.get(f"/api/tasks/{task_id}", headers=api_org.headers)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "task_id"


def test_a_declared_huge_body_is_413(api_client: TestClient, api_org: ApiOrg) -> None:
    response = api_client.post(
        "/api/tasks",
        content=b" " * (2 * 1024 * 1024),
        headers={**api_org.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


def test_a_streamed_huge_body_is_413(api_client: TestClient, api_org: ApiOrg) -> None:
    def chunks() -> Any:
        for _ in range(24):
            yield b" " * 100_000

    response = api_client.post(
        "/api/tasks",
        content=chunks(),
        headers={**api_org.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/json"


def test_task_status_cannot_be_set_through_patch(api_client: TestClient, api_org: ApiOrg) -> None:
    task = _create(api_client, api_org)

    response = api_client.patch(
        f"/api/tasks/{task['id']}",
        json={"execution_status": ExecutionStatus.COMPLETED.value},
        headers=api_org.headers,
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "execution_status"


def test_openapi_docs_are_served_without_a_key(api_client: TestClient) -> None:
    docs = api_client.get("/docs")
    document = api_client.get("/openapi.json").json()

    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    assert {"/api/tasks", "/api/tasks/execute", "/api/tasks/{task_id}/approve"} <= set(
        document["paths"]
    )
    assert document["paths"]["/api/tasks/execute"]["post"]["operationId"] == "execute_task"


def test_undecodable_body_is_a_422_naming_the_body(api_client: Any, api_org: Any) -> None:
    response = api_client.post(
        "/api/tasks",
        content=b"x\xc9G\xb3s\x0f",
        headers={**api_org.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("body:")
