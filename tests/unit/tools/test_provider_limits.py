"""Per-provider concurrency limits: calls beyond a provider's limit wait for a slot."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from agents.models import get_chat_model
from agents.scripted import ScriptedChatModel
from store.errors import InvalidInput
from tools.google.client import RetryPolicy, execute
from tools.provider_limits import provider_limit, reset_limits

CALLS = 5
DEADLINE = 60.0


class Crowd:
    """Calls wait inside the provider until `together` are in at once and every caller has
    set off (then all go through); counts the most that were ever inside at once."""

    def __init__(self, together: int) -> None:
        self.together = together
        self.set_off = 0
        self.inside = 0
        self.peak = 0
        self._open = False
        self._cond = threading.Condition()

    def start(self, call: Callable[[], Any]) -> Any:
        with self._cond:
            self.set_off += 1
            self._cond.notify_all()
        return call()

    def enter(self) -> None:
        with self._cond:
            self.inside += 1
            self.peak = max(self.peak, self.inside)
            self._cond.notify_all()
            assert self._cond.wait_for(self._may_leave, timeout=DEADLINE)

    def _may_leave(self) -> bool:
        self._open = self._open or (self.inside >= self.together and self.set_off == CALLS)
        return self._open

    def leave(self) -> None:
        with self._cond:
            self.inside -= 1


@pytest.fixture(autouse=True)
def fresh_limits() -> Iterator[None]:
    reset_limits()
    yield
    reset_limits()


def at_once(crowd: Crowd, call: Callable[[], Any]) -> list[Any]:
    with ThreadPoolExecutor(CALLS) as pool:
        return list(pool.map(lambda _: crowd.start(call), range(CALLS)))


def test_google_requests_beyond_the_email_limit_wait_for_a_slot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DELEGATE_EMAIL_CONCURRENCY", "2")
    crowd = Crowd(together=2)

    class Request:
        def execute(self) -> dict[str, Any]:
            crowd.enter()
            crowd.leave()
            return {"id": "sent"}

    results = at_once(crowd, lambda: execute(Request(), service="gmail", policy=RetryPolicy()))

    assert results == [{"id": "sent"}] * CALLS
    assert crowd.peak == 2


def test_model_calls_beyond_the_model_limit_wait_for_a_slot(
    monkeypatch: pytest.MonkeyPatch, scripted_model: ScriptedChatModel
) -> None:
    monkeypatch.setenv("DELEGATE_MODEL_CONCURRENCY", "2")
    crowd = Crowd(together=2)

    def answer(messages: Any, tools: Any) -> str:
        crowd.enter()
        crowd.leave()
        return "done"

    scripted_model.default = answer
    model = get_chat_model()

    results = at_once(crowd, lambda: model.invoke("Summarize the meeting").content)

    assert results == ["done"] * CALLS
    assert crowd.peak == 2


def test_a_model_call_that_fails_gives_its_slot_back(
    monkeypatch: pytest.MonkeyPatch, scripted_model: ScriptedChatModel
) -> None:
    monkeypatch.setenv("DELEGATE_MODEL_CONCURRENCY", "1")
    scripted_model.script = [RuntimeError("the provider is down")]
    scripted_model.default = lambda messages, tools: "recovered"
    model = get_chat_model()

    with pytest.raises(RuntimeError):
        model.invoke("Summarize the meeting")

    assert model.invoke("Summarize the meeting").content == "recovered"


def test_a_limit_that_is_not_a_whole_number_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DELEGATE_SLACK_CONCURRENCY", "many")

    with pytest.raises(InvalidInput, match="DELEGATE_SLACK_CONCURRENCY must be a whole number"):
        provider_limit("slack")
