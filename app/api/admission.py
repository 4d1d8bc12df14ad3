"""Admission control: a bounded number of API requests in flight, a fast 503 past it.

Without a bound, a flood queues requests in the thread pool long after their clients gave
up (a test at 500 requests/s created 812 tasks nobody was told about, and health took 9 s).
With it, the server works only on what it can answer promptly and tells the rest to come
back (`503` + `Retry-After`). `/api/health` is answered apart, on the event loop, so a
load balancer sees a live server even while it sheds load.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from store.errors import ConfigurationError

#: Requests in flight per process by default: below the thread pool's 40 workers, so an
#: admitted request never waits for a thread.
DEFAULT_MAX_IN_FLIGHT = 32

#: Seconds a shed client is told to wait before retrying.
RETRY_AFTER_SECONDS = 1


def max_in_flight_from_env() -> int:
    """DELEGATE_MAX_IN_FLIGHT, else the default; a value that is not a positive integer fails."""
    raw = os.environ.get("DELEGATE_MAX_IN_FLIGHT", "").strip()
    if not raw:
        return DEFAULT_MAX_IN_FLIGHT
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigurationError(
            f"DELEGATE_MAX_IN_FLIGHT must be a positive whole number, not {raw!r}"
        )
    return int(raw)


@dataclass
class InFlight:
    """The admission counters of one app (kept on `app.state.admission`)."""

    limit: int
    """Requests served at once, at most."""
    in_flight: int = 0
    """Requests admitted and not yet answered (one event loop: no lock needed)."""
    shed: int = 0
    """Requests answered 503 since start."""


class AdmissionLimit:
    """ASGI middleware: at most `counter.limit` requests under `prefix` at once."""

    def __init__(
        self,
        app: ASGIApp,
        counter: InFlight,
        *,
        prefix: str = "/api",
        exempt: frozenset[str] = frozenset({"/api/health"}),
    ) -> None:
        self.app = app
        self.counter = counter
        self.prefix = prefix
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(self.prefix) or path in self.exempt:
            await self.app(scope, receive, send)
            return
        counter = self.counter
        if counter.in_flight >= counter.limit:
            counter.shed += 1
            busy = f"the server is busy ({counter.limit} requests in flight); retry shortly"
            response = JSONResponse(
                {"detail": busy},
                status_code=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            await response(scope, receive, send)
            return
        counter.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            counter.in_flight -= 1
