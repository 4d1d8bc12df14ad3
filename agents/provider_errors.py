"""Tell a provider's failure from a bad answer: outages are retried later, not as bad output.

A model call can fail because the provider is down or busy (HTTP 429, 5xx, a timeout, a lost
connection: retrying later helps), because it refused the request (another 4xx, such as a
wrong key: retrying cannot help), or because the model answered with something unusable
(agents.planner.ModelOutputError: asking again in the same run may help). The first two
become a `ModelProviderError` (a tools.backends.ProviderError, like a Gmail or Slack
failure), which fails or re-queues the task with backoff instead of burning the run's retries.
Works on the openai and anthropic clients' errors and on httpx's, by their shape (a status
code and a response with headers; or a timeout/connection error class).
"""

from __future__ import annotations

import email.utils
import time
from typing import Any

from tools.backends import ProviderError

#: HTTP statuses worth retrying later: timeout, conflict/lock, too early, rate limit, 5xx.
_TRANSIENT_STATUS = frozenset({408, 409, 425, 429})
#: Error classes for a timeout or a lost connection: the openai and anthropic clients', and
#: httpx's (matched by name: clients may bundle their own copy of httpx).
_TRANSIENT_NAMES = frozenset({"APITimeoutError", "APIConnectionError", "TransportError"})


class ModelProviderError(ProviderError):
    """The model provider failed the call (not the model's answer). `retry_after` is the
    provider's Retry-After in seconds, when it said one."""

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        retryable: bool,
        retry_after: float | None = None,
    ) -> None:
        super().__init__("the model provider", reason, status=status, retryable=retryable)
        self.retry_after = retry_after


def provider_failure(exc: BaseException) -> ModelProviderError | None:
    """`exc` as a ModelProviderError when the provider failed the call, else None."""
    for error in _chain(exc):
        status = getattr(error, "status_code", None)
        response = getattr(error, "response", None)
        if isinstance(status, int) and hasattr(response, "headers"):
            return ModelProviderError(
                _first_line(error),
                status=status,
                retryable=status in _TRANSIENT_STATUS or status >= 500,
                retry_after=retry_after_seconds(getattr(response, "headers", {})),
            )
        names = {cls.__name__ for cls in type(error).__mro__}
        if names & _TRANSIENT_NAMES or isinstance(error, TimeoutError | ConnectionError):
            return ModelProviderError(_first_line(error), retryable=True)
    return None


def retry_after_seconds(headers: Any, *, now: float | None = None) -> float | None:
    """Seconds from `retry-after-ms`, or `Retry-After` (seconds or an HTTP date)."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(float(millis) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 8:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:300]
