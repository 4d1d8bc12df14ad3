"""Google API plumbing shared by Gmail and Calendar: credentials from the environment,
a timed authorized HTTP client, and request execution with retries and clear errors."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import google_auth_httplib2
import httplib2
from google.auth.credentials import Credentials as BaseCredentials
from google.auth.exceptions import GoogleAuthError, RefreshError, TransportError
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from store.errors import ConfigurationError
from tools.backends import ProviderError
from tools.provider_limits import provider_slot

TOKEN_VAR = "DELEGATE_GOOGLE_TOKEN"
CREDENTIALS_VAR = "DELEGATE_GOOGLE_CREDENTIALS"
ENDPOINT_VAR = "DELEGATE_GOOGLE_API_ENDPOINT"

#: 403 reasons Google uses for rate limits; they clear up, like a 429.
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How a Google call is retried on 429, 5xx, rate-limit 403s and network failures."""

    retries: int = 4
    """Attempts after the first one."""
    delay: float = 1.0
    """Seconds before the first retry; doubled each time (0 retries at once, as tests do)."""
    max_delay: float = 32.0
    """The longest single wait."""

    def wait(self, attempt: int) -> float:
        return min(self.delay * (2**attempt), self.max_delay)


def credentials_from_env(configured_as: str) -> BaseCredentials:
    """Credentials from DELEGATE_GOOGLE_TOKEN or DELEGATE_GOOGLE_CREDENTIALS.

    `configured_as` (e.g. "DELEGATE_EMAIL_BACKEND=gmail") says who needs them, for the error.
    Messages name variables and paths only, never a token or a secret from the file.
    """
    token = (os.environ.get(TOKEN_VAR) or "").strip()
    if token:
        return Credentials(token=token)  # type: ignore[no-untyped-call]
    path_text = (os.environ.get(CREDENTIALS_VAR) or "").strip()
    if not path_text:
        raise ConfigurationError(f"{configured_as} needs {TOKEN_VAR} or {CREDENTIALS_VAR}")
    path = Path(path_text).expanduser()
    if not path.is_file():
        raise ConfigurationError(f"{CREDENTIALS_VAR} points to {path}, which is not a file")
    try:
        return Credentials.from_authorized_user_file(str(path))  # type: ignore[no-untyped-call]
    except OSError as exc:
        raise ConfigurationError(
            f"{CREDENTIALS_VAR} file {path} cannot be read: {exc.strerror}"
        ) from None
    except (ValueError, KeyError, TypeError):
        # The parser's own message may quote the file; ours says only what is wrong.
        raise ConfigurationError(
            f"{CREDENTIALS_VAR} file {path} is not an authorized-user JSON "
            "(needs client_id, client_secret and refresh_token)"
        ) from None


def endpoint_from_env() -> str | None:
    """DELEGATE_GOOGLE_API_ENDPOINT without a trailing slash, or None for Google itself."""
    value = (os.environ.get(ENDPOINT_VAR) or "").strip().rstrip("/")
    return value or None


def build_service(
    name: str,
    version: str,
    credentials: BaseCredentials,
    *,
    api_endpoint: str | None,
    timeout: float,
) -> Any:
    """A discovery-based client from the bundled document, over an authorized timed http."""
    # Without this, google-auth may probe the cloud metadata server for seconds.
    os.environ.setdefault("NO_GCE_CHECK", "true")
    http = google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(timeout=timeout))
    options = {"api_endpoint": api_endpoint} if api_endpoint else None
    return build(
        name,
        version,
        http=http,
        static_discovery=True,
        cache_discovery=False,
        client_options=options,
    )


def _error_body(error: HttpError) -> tuple[str, str]:
    """(message, first reason) from a Google JSON error body, falling back to the status text."""
    message, reason = "", ""
    try:
        data = json.loads(error.content.decode("utf-8"))
    except (ValueError, AttributeError):
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        body = data["error"]
        message = str(body.get("message") or "")
        errors = body.get("errors") or []
        if errors and isinstance(errors[0], dict):
            reason = str(errors[0].get("reason") or "")
    elif isinstance(data, dict) and isinstance(data.get("error"), str):
        message = str(data.get("error_description") or data["error"])
    return message or str(error.resp.reason or "request failed"), reason


def _is_retryable(status: int, reason: str) -> bool:
    return status == 429 or status >= 500 or (status == 403 and reason in RATE_LIMIT_REASONS)


def execute(
    request: Any,
    *,
    service: str,
    policy: RetryPolicy,
    recover: Callable[[], T | None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """Run a googleapiclient request; retry what can clear up, raise ProviderError otherwise.

    `recover` runs before each retry: if the failed attempt took effect after all (a send that
    timed out on the way back), it returns that result and nothing is sent a second time.
    """
    attempt = 0
    while True:
        try:
            with provider_slot(service):
                return request.execute()
        except HttpError as exc:
            status = int(exc.resp.status)
            message, reason = _error_body(exc)
            if not _is_retryable(status, reason):
                raise ProviderError(service, message, status=status, retryable=False) from None
            failure = ProviderError(service, message, status=status, retryable=True)
        except RefreshError:
            raise ProviderError(
                service,
                "Google rejected the credentials and they could not be refreshed",
                status=401,
                retryable=False,
            ) from None
        except (OSError, httplib2.HttpLib2Error, TransportError) as exc:
            failure = ProviderError(
                service, f"network failure: {type(exc).__name__}", retryable=True
            )
        except GoogleAuthError:
            raise ProviderError(
                service, "Google credentials could not be used", status=401, retryable=False
            ) from None
        if attempt >= policy.retries:
            raise failure
        sleep(policy.wait(attempt))
        attempt += 1
        if recover is not None:
            recovered = recover()
            if recovered is not None:
                return recovered
