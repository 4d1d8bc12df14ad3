"""The Idempotency-Key header: a retried POST is answered again, never done twice."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from agents.scripted import ScriptedChatModel
from app.api.main import create_app
from app.api.server import running_server
from store import idempotent_requests as keys
from store import tasks as repo
from store.db import Database
from store.errors import Conflict, DatabaseUnavailable
from store.models import utcnow
from tests.fixtures.api import ApiOrg

pytestmark = pytest.mark.integration

WAIT = 30.0


def _post(client: TestClient, org: ApiOrg, key: str, **body: Any) -> httpx.Response:
    return client.post(
        "/api/tasks",
        json={"title": "Book the team offsite venue", **body},
        headers={**org.headers, "Idempotency-Key": key},
    )


def _count(db: Database, org: ApiOrg) -> int:
    with db.session() as session:
        return len(repo.list_tasks(session, org.id))


def test_a_retried_create_returns_the_same_task_and_creates_one(
    api_client: TestClient, api_org: ApiOrg, db: Database
) -> None:
    first = _post(api_client, api_org, "create-1")
    retry = _post(api_client, api_org, "create-1")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _count(db, api_org) == 1


def test_camel_case_and_snake_case_spellings_are_the_same_request(
    api_client: TestClient, api_org: ApiOrg, db: Database
) -> None:
    first = _post(api_client, api_org, "spelling", executionType="manual")
    retry = _post(api_client, api_org, "spelling", execution_type="manual")

    assert retry.json()["id"] == first.json()["id"]
    assert _count(db, api_org) == 1


def test_the_same_key_with_another_request_is_422_naming_the_header(
    api_client: TestClient, api_org: ApiOrg, db: Database
) -> None:
    _post(api_client, api_org, "reused")
    other = _post(api_client, api_org, "reused", title="Cancel the offsite")

    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert "different request" in other.json()["detail"]
    assert _count(db, api_org) == 1


@pytest.mark.parametrize(
    "key",
    ["", " leading-space", "tab\tinside", "del\x7f", "x" * (keys.MAX_KEY_LENGTH + 1)],
    ids=["empty", "leading-space", "control-character", "delete", "too-long"],
)
def test_a_malformed_key_is_422_naming_the_header_and_creates_nothing(
    api_client: TestClient, api_org: ApiOrg, db: Database, key: str
) -> None:
    answer = _post(api_client, api_org, key)

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "Idempotency-Key"
    assert _count(db, api_org) == 0


def test_keys_belong_to_one_organization(
    api_client: TestClient, api_org: ApiOrg, other_org: ApiOrg, db: Database
) -> None:
    mine = _post(api_client, api_org, "shared-key")
    theirs = _post(api_client, other_org, "shared-key")

    assert mine.json()["id"] != theirs.json()["id"]
    assert _count(db, api_org) == _count(db, other_org) == 1


def test_without_a_key_every_post_creates_a_task(
    api_client: TestClient, api_org: ApiOrg, db: Database
) -> None:
    for _ in range(2):
        api_client.post("/api/tasks", json={"title": "Same title"}, headers=api_org.headers)

    assert _count(db, api_org) == 2


def test_a_failed_request_releases_its_key_for_the_retry(
    api_client: TestClient, api_org: ApiOrg, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = repo.create_task
    failures = iter([DatabaseUnavailable("database went away")])

    def flaky(*args: Any, **kwargs: Any) -> Any:
        for failure in failures:
            raise failure
        return real(*args, **kwargs)

    monkeypatch.setattr(repo, "create_task", flaky)

    failed = _post(api_client, api_org, "flaky")
    retry = _post(api_client, api_org, "flaky")

    assert failed.status_code == 503
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers
    assert _count(db, api_org) == 1


def test_a_retried_execute_returns_the_first_run_and_runs_once(
    api_client: TestClient, api_org: ApiOrg, scripted_model: ScriptedChatModel
) -> None:
    task = _post(api_client, api_org, "make", title="Write a haiku about autumn").json()
    scripted_model.script = []  # the default answers: classify, then write
    headers = {**api_org.headers, "Idempotency-Key": "run-1"}

    first = api_client.post("/api/tasks/execute", json={"taskId": task["id"]}, headers=headers)
    calls = len(scripted_model.calls)
    retry = api_client.post("/api/tasks/execute", json={"taskId": task["id"]}, headers=headers)

    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert len(scripted_model.calls) == calls  # no second run
    plain = api_client.post(
        "/api/tasks/execute", json={"taskId": task["id"]}, headers=api_org.headers
    )
    assert plain.status_code == 409  # without the key, a finished task cannot run again


def test_a_duplicate_while_the_first_is_served_is_409(
    db: Database, api_org: ApiOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, release = threading.Event(), threading.Event()
    real = repo.create_task

    def held(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(WAIT)
        return real(*args, **kwargs)

    monkeypatch.setattr(repo, "create_task", held)
    headers = {**api_org.headers, "Idempotency-Key": "double-click"}
    body = {"title": "Order the catering"}
    with running_server(create_app(db)) as url, ThreadPoolExecutor(1) as pool:
        first = pool.submit(
            httpx.post, f"{url}/api/tasks", json=body, headers=headers, timeout=WAIT
        )
        assert entered.wait(WAIT)
        second = httpx.post(f"{url}/api/tasks", json=body, headers=headers)
        release.set()

        assert second.status_code == 409
        assert "still being served" in second.json()["detail"]
        assert first.result().status_code == 201
    assert _count(db, api_org) == 1


def test_a_reservation_whose_server_died_is_taken_over_after_the_timeout(
    db: Database, api_org: ApiOrg
) -> None:
    then = utcnow()
    assert keys.reserve(db, api_org.id, "POST /api/tasks", "k", "digest", now=then) is None

    with pytest.raises(Conflict):
        keys.reserve(db, api_org.id, "POST /api/tasks", "k", "digest", now=then)
    later = then + keys.RESERVATION_TIMEOUT + timedelta(seconds=1)
    assert keys.reserve(db, api_org.id, "POST /api/tasks", "k", "digest", now=later) is None


def test_a_key_is_forgotten_after_its_lifetime(db: Database, api_org: ApiOrg) -> None:
    then = utcnow()
    keys.reserve(db, api_org.id, "POST /api/tasks", "k", "digest", now=then)
    keys.record(db, api_org.id, "POST /api/tasks", "k", 201, {"id": "first"})

    stored = keys.reserve(db, api_org.id, "POST /api/tasks", "k", "digest", now=then)
    later = then + keys.KEY_LIFETIME + timedelta(seconds=1)

    assert stored == keys.StoredResponse(201, {"id": "first"})
    assert keys.reserve(db, api_org.id, "POST /api/tasks", "k", "other", now=later) is None
