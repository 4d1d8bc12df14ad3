"""Admission control: a bounded number of requests in flight, a fast 503 past it, health apart."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from app.api.admission import InFlight, max_in_flight_from_env
from app.api.main import create_app
from app.api.server import running_server
from store import tasks as repo
from store.db import Database
from store.errors import ConfigurationError
from tests.fixtures.api import ApiOrg

pytestmark = pytest.mark.integration

WAIT = 30.0  # a generous bound on waiting for a condition, never a speed assertion


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        threading.Event().wait(0.005)


@pytest.fixture
def held_list_route(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """GET /api/tasks blocks inside the store until the yielded event is set."""
    release = threading.Event()
    real = repo.list_tasks

    def held(*args: Any, **kwargs: Any) -> Any:
        release.wait(WAIT)
        return real(*args, **kwargs)

    monkeypatch.setattr(repo, "list_tasks", held)
    yield release
    release.set()


def test_past_the_limit_a_request_is_503_with_retry_after_and_health_still_answers(
    db: Database, api_org: ApiOrg, held_list_route: threading.Event
) -> None:
    app = create_app(db, max_in_flight=2)
    counter: InFlight = app.state.admission
    with running_server(app) as url, ThreadPoolExecutor(2) as pool:
        held: list[Future[httpx.Response]] = [
            pool.submit(httpx.get, f"{url}/api/tasks", headers=api_org.headers, timeout=WAIT)
            for _ in range(2)
        ]
        _wait_for(lambda: counter.in_flight == 2, "two requests in flight")

        shed = httpx.post(
            f"{url}/api/tasks", json={"title": "One too many"}, headers=api_org.headers
        )
        health = httpx.get(f"{url}/api/health")

        assert shed.status_code == 503
        assert shed.headers["Retry-After"] == "1"
        assert "busy" in shed.json()["detail"]
        assert health.status_code == 200
        held_list_route.set()
        assert [f.result().status_code for f in held] == [200, 200]
    with db.session() as session:
        assert repo.list_tasks(session, api_org.id) == []  # the shed POST created nothing
    assert counter.shed == 1 and counter.in_flight == 0


def test_requests_under_the_limit_are_all_served(db: Database, api_org: ApiOrg) -> None:
    app = create_app(db, max_in_flight=4)
    with running_server(app) as url:
        codes = [
            httpx.post(
                f"{url}/api/tasks", json={"title": f"Task {i}"}, headers=api_org.headers
            ).status_code
            for i in range(6)
        ]

    assert codes == [201] * 6
    assert app.state.admission.shed == 0


@pytest.mark.parametrize("raw", ["0", "-3", "many"])
def test_a_bad_max_in_flight_setting_is_named(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("DELEGATE_MAX_IN_FLIGHT", raw)

    with pytest.raises(ConfigurationError, match="DELEGATE_MAX_IN_FLIGHT"):
        max_in_flight_from_env()
