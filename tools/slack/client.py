"""Real Slack behind the `Chat` protocol, over slack_sdk's WebClient.

Configuration: SLACK_BOT_TOKEN (required) and DELEGATE_SLACK_API_URL (optional base URL,
e.g. "http://127.0.0.1:8080/api/" for a stand-in; slack_sdk's default otherwise).

Channels: an id ("C0123ABCD") is used as given. A name ("#general" or "general") is resolved
to its id through conversations.list (cached, refreshed on a miss). If the name is not in the
listing, or the token lacks the scope to list, the name is passed through as "#name" and
Slack decides - chat.postMessage accepts names - so a narrow token can still post.

Failures: 429 is retried after Retry-After (capped by `max_retry_wait`), 5xx and connection
errors with exponential backoff from `retry_delay`; both at most `max_retries` times. What
still fails, and every `ok: false` answer, becomes `ProviderError("slack", <Slack's error
code>, status=..., retryable=...)`. Retrying a post after a 5xx can repeat it if Slack had
already accepted it; the policy gate's idempotency ledger guards whole steps, not this.
The token never appears in an error message.

Reconciliation: a post made under an idempotency key carries it in Slack's message metadata
(event_type IDEMPOTENCY_EVENT); `find_posted` looks for it in the channel's history (or the
thread's replies), so a run that died mid-post can tell whether the message went out.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterator
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

from store.errors import ConfigurationError
from tools.backends import OutcomeUnknown, ProviderError
from tools.gate.destinations import SLACK_ID, parse_channel
from tools.provider_limits import provider_slot

TOKEN_VAR = "SLACK_BOT_TOKEN"
API_URL_VAR = "DELEGATE_SLACK_API_URL"

_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{8,}$")
_ERROR_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# `ok: false` codes that mean "try again later" rather than "this request is wrong".
_RETRYABLE_CODES = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
_SERVER_ERRORS = frozenset({500, 502, 503, 504})

IDEMPOTENCY_EVENT = "delegate_side_effect"
"""The metadata event_type of a post made under an idempotency key."""
HISTORY_PAGE = 200
HISTORY_PAGES = 10
"""How far `find_posted` reads back: 2,000 messages, then it says it cannot know."""


class _Backoff(RetryIntervalCalculator):
    """delay * 2**attempt, capped; no jitter, so a delay of 0 means no waiting at all."""

    def __init__(self, delay: float, cap: float) -> None:
        self.delay = delay
        self.cap = cap

    def calculate_sleep_duration(self, current_attempt: int) -> float:
        return float(min(self.delay * (2**current_attempt), self.cap))


class _ServerErrorRetry(RetryHandler):
    """Retry on 500/502/503/504."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code in _SERVER_ERRORS


class _RateLimitRetry(RetryHandler):
    """Retry on 429 after the Retry-After seconds Slack asks for, capped by `max_wait`."""

    def __init__(self, max_retry_count: int, backoff: _Backoff, max_wait: float) -> None:
        super().__init__(max_retry_count, backoff)
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code == 429

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = self.interval_calculator.calculate_sleep_duration(state.current_attempt)
        headers = {k.lower(): v for k, v in (response.headers if response else {}).items()}
        values = headers.get("retry-after") or []
        if values:
            with contextlib.suppress(ValueError):
                wait = float(values[0])
        state.next_attempt_requested = True
        time.sleep(max(0.0, min(wait, self.max_wait)))
        state.increment_current_attempt()


class SlackChat:
    """The `Chat` protocol over Slack's Web API (one workspace, one bot token)."""

    def __init__(
        self,
        token: str | None = None,
        *,
        base_url: str | None = None,
        max_retries: int = 3,
        retry_delay: float = 1.0,
        max_retry_wait: float = 30.0,
        timeout: float = 30.0,
    ) -> None:
        token = (token if token is not None else os.environ.get(TOKEN_VAR, "")).strip()
        if not token:
            raise ConfigurationError(
                f"{TOKEN_VAR} is not set; the slack chat backend needs a bot token "
                "(or set DELEGATE_SLACK_BACKEND=sandbox)"
            )
        self._token = token
        base_url = base_url or os.environ.get(API_URL_VAR) or WebClient.BASE_URL
        backoff = _Backoff(retry_delay, max_retry_wait)
        self.client = WebClient(
            token=token,
            base_url=base_url,
            timeout=timeout,  # type: ignore[arg-type]  # urllib takes float seconds
            retry_handlers=[
                ConnectionErrorRetryHandler(
                    max_retry_count=max_retries, interval_calculator=backoff
                ),
                _RateLimitRetry(max_retries, backoff, max_retry_wait),
                _ServerErrorRetry(max_retry_count=max_retries, interval_calculator=backoff),
            ],
        )
        self._channel_ids: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"SlackChat(base_url={self.client.base_url!r})"

    # -- Chat protocol -------------------------------------------------------------------

    def post_message(
        self,
        channel: str,
        text: str,
        thread_ts: str | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """chat.postMessage; returns {"channel": id, "channel_name", "ts"}."""
        ref, name = self._channel_ref(channel)
        args: dict[str, Any] = {"channel": ref, "text": text}
        if thread_ts:
            args["thread_ts"] = thread_ts
        if idempotency_key:
            args["metadata"] = {
                "event_type": IDEMPOTENCY_EVENT,
                "event_payload": {"idempotency_key": idempotency_key},
            }
        data = self._call("chat_postMessage", **args)
        channel_id = str(data.get("channel") or ref)
        if name and _CHANNEL_ID.match(channel_id):
            self._channel_ids[name] = channel_id
        return {"channel": channel_id, "channel_name": name, "ts": str(data.get("ts", ""))}

    def find_posted(
        self, channel: str, idempotency_key: str, thread_ts: str | None = None
    ) -> dict[str, Any] | None:
        """The message posted under `idempotency_key` ({"channel", "channel_name", "ts"}), None
        if the channel's history (the thread's replies) shows it was not; OutcomeUnknown if
        the history is longer than we read back."""
        ref, name = self._channel_ref(channel)
        method, args = "conversations_history", {"channel": ref}
        if thread_ts:
            method, args = "conversations_replies", {"channel": ref, "ts": thread_ts}
        pages = self._pages(method, include_all_metadata=True, limit=HISTORY_PAGE, **args)
        for number, data in enumerate(pages, start=1):
            for message in data.get("messages") or []:
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if (
                    metadata.get("event_type") == IDEMPOTENCY_EVENT
                    and payload.get("idempotency_key") == idempotency_key
                ):
                    return {"channel": ref, "channel_name": name, "ts": str(message.get("ts"))}
            if number == HISTORY_PAGES and _next_cursor(data):
                raise OutcomeUnknown(
                    "slack",
                    f"history_too_long: the post was not among the last "
                    f"{HISTORY_PAGE * HISTORY_PAGES} messages",
                )
        return None

    def list_channels(self, limit: int = 200) -> list[dict[str, Any]]:
        """conversations.list (public and private channels the token sees, not archived)."""
        channels: list[dict[str, Any]] = []
        pages = self._pages(
            "conversations_list",
            types="public_channel,private_channel",
            exclude_archived=True,
            limit=min(200, max(limit, 1)),
        )
        for data in pages:
            for item in data.get("channels") or []:
                entry = {
                    "id": item.get("id"),
                    "name": item.get("name"),
                    "is_private": bool(item.get("is_private", False)),
                    "is_member": bool(item.get("is_member", False)),
                }
                if entry["id"] and entry["name"]:
                    self._channel_ids[str(entry["name"]).lower()] = str(entry["id"])
                channels.append(entry)
            if len(channels) >= limit:
                break
        return channels[:limit]

    def lookup_user(self, email: str) -> dict[str, Any]:
        """users.lookupByEmail -> {"id", "name", "real_name", "email"}."""
        data = self._call("users_lookupByEmail", email=email.strip())
        user = data.get("user") or {}
        profile = user.get("profile") or {}
        return {
            "id": user.get("id"),
            "name": user.get("name"),
            "real_name": user.get("real_name") or profile.get("real_name") or user.get("name"),
            "email": profile.get("email") or email.strip(),
        }

    def auth_test(self) -> dict[str, Any]:
        """auth.test: which workspace and bot the token belongs to (a configuration check)."""
        data = self._call("auth_test")
        return {k: data.get(k) for k in ("team", "team_id", "user", "user_id", "bot_id", "url")}

    # -- internals ------------------------------------------------------------------------

    def _channel_ref(self, channel: str) -> tuple[str, str | None]:
        """(what to send as `channel`, the channel's name if known)."""
        given = parse_channel(channel)  # the gate's parser: one channel, or refused
        if SLACK_ID.fullmatch(given):
            return given, None
        name = given
        if name not in self._channel_ids:
            try:
                self.list_channels(limit=1000)
            except ProviderError as exc:
                if exc.reason != "missing_scope":
                    raise
        return self._channel_ids.get(name, f"#{name}"), name

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        with self._errors(), provider_slot("slack"):
            response = getattr(self.client, method)(**kwargs)
        return _data(response)

    def _pages(self, method: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Each page of a cursor-paginated method: slack_sdk's response iteration asks for
        the next page (`next_cursor`) only when the caller reads on."""
        with self._errors():
            with provider_slot("slack"):
                pages = iter(getattr(self.client, method)(**kwargs))
            while True:
                with provider_slot("slack"):  # reading on asks Slack for the next page
                    page = next(pages, None)
                if page is None:
                    return
                yield _data(page)

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """slack_sdk's failures as ProviderError, the token redacted."""
        try:
            yield
        except SlackApiError as exc:
            raise self._provider_error(exc) from None
        except (SlackClientError, OSError) as exc:
            reason = self._redact(f"connection failed: {type(exc).__name__}: {exc}")
            raise ProviderError("slack", reason, retryable=True) from None

    def _provider_error(self, exc: SlackApiError) -> ProviderError:
        status = int(getattr(exc.response, "status_code", 0) or 0) or None
        data = getattr(exc.response, "data", None)
        code = data.get("error") if isinstance(data, dict) else None
        if not isinstance(code, str) or not _ERROR_CODE.match(code):
            code = "ratelimited" if status == 429 else f"http_{status}" if status else "error"
        retryable = code in _RETRYABLE_CODES or status == 429 or (status or 0) >= 500
        return ProviderError("slack", self._redact(code), status=status, retryable=retryable)

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text


def _data(response: SlackResponse) -> dict[str, Any]:
    return response.data if isinstance(response.data, dict) else {}


def _next_cursor(data: dict[str, Any]) -> str | None:
    return (data.get("response_metadata") or {}).get("next_cursor") or None
