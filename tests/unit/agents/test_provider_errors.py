"""A provider's failure is told apart from a bad answer; outages are retried later."""

from __future__ import annotations

import random

import httpx
import openai
import pytest

from agents.classification import Classification
from agents.planner import ModelOutputError, ask_structured, write_deliverable
from agents.provider_errors import ModelProviderError, provider_failure, retry_after_seconds
from agents.scripted import ScriptedChatModel
from store.backoff import MAX_DELAY_SECONDS, retry_delay

REQUEST = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")


def status_error(status: int, headers: dict[str, str] | None = None) -> openai.APIStatusError:
    response = httpx.Response(status, headers=headers or {}, request=REQUEST)
    return openai.APIStatusError(f"Error code: {status}", response=response, body=None)


def test_rate_limit_is_transient_and_keeps_retry_after() -> None:
    failure = provider_failure(status_error(429, {"retry-after": "7"}))

    assert failure is not None
    assert (failure.retryable, failure.status, failure.retry_after) == (True, 429, 7.0)


@pytest.mark.parametrize("status", [500, 502, 503, 529])
def test_server_errors_are_transient(status: int) -> None:
    failure = provider_failure(status_error(status))
    assert failure is not None and failure.retryable


def test_a_refused_request_is_a_provider_error_that_is_not_retried() -> None:
    failure = provider_failure(status_error(401))
    assert failure is not None and failure.retryable is False


@pytest.mark.parametrize(
    "error",
    [
        openai.APITimeoutError(request=REQUEST),
        openai.APIConnectionError(request=REQUEST),
        httpx.ConnectError("connection refused"),
    ],
)
def test_timeouts_and_lost_connections_are_transient(error: Exception) -> None:
    failure = provider_failure(error)
    assert failure is not None and failure.retryable and failure.retry_after is None


def test_anything_else_is_not_a_provider_failure() -> None:
    assert provider_failure(ValueError("not JSON")) is None


def test_retry_after_reads_milliseconds_seconds_and_dates() -> None:
    assert retry_after_seconds({"retry-after-ms": "250"}) == 0.25
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    date = "Tue, 01 Dec 2026 12:00:10 GMT"
    assert retry_after_seconds({"retry-after": date}, now=1796126400.0) == 10.0
    assert retry_after_seconds({}) is None


def test_an_outage_during_a_structured_call_is_not_bad_output() -> None:
    model = ScriptedChatModel(script=[status_error(503)])

    with pytest.raises(ModelProviderError):
        ask_structured(model, Classification, "system", "prompt")


def test_an_outage_while_writing_is_not_bad_output() -> None:
    model = ScriptedChatModel(script=[status_error(429)])

    with pytest.raises(ModelProviderError):
        write_deliverable(model, "Write a note")


def test_garbage_stays_bad_output() -> None:
    model = ScriptedChatModel(script=[ValueError("unparseable")])

    with pytest.raises(ModelOutputError):
        write_deliverable(model, "Write a note")


# -- the retry schedule ----------------------------------------------------------------------


@pytest.mark.parametrize("retry", [1, 2, 3, 4])
def test_each_retry_waits_between_half_and_all_of_a_doubling_delay(retry: int) -> None:
    ceiling = 30 * 2 ** (retry - 1)
    delays = [retry_delay(retry, base=30, rng=random.Random(seed)) for seed in range(50)]

    assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert len(set(delays)) > 1  # jittered, so failed tasks do not return together


def test_retry_delay_is_capped() -> None:
    assert retry_delay(30, base=30, rng=random.Random(1)) <= MAX_DELAY_SECONDS


def test_retry_delay_is_never_shorter_than_retry_after() -> None:
    assert retry_delay(1, base=30, retry_after=600, rng=random.Random(1)) == 600
