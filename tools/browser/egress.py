"""Browser egress: every request a page makes passes one check before it leaves.

Playwright routes each request of a context (navigations, form posts, subresources,
fetch/XHR, beacons, popups) and each WebSocket; Chromium does not route the hops of a
redirect, so the guard fetches every request itself without following redirects and
follows each allowed `Location` itself (a refused hop is never contacted). A navigation that
was redirected therefore keeps its first URL in `page.url`. Service workers are blocked by
the context, so no request escapes routing through one.

Not covered (no request is made that Playwright can see): DNS prefetching and WebRTC.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from urllib.parse import urljoin

from playwright.sync_api import APIResponse, BrowserContext, Request, Route, WebSocketRoute
from playwright.sync_api import Error as PlaywrightError

from tools.gate.destinations import AmbiguousDestination, parse_url

#: Schemes whose requests never leave the machine.
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})
MAX_REDIRECTS = 10
_WEBSOCKET_SCHEMES = {"ws": "http", "wss": "https"}
_BODY_HEADERS = frozenset({"content-type", "content-length"})


@dataclass(frozen=True)
class RefusedRequest:
    """A request the guard stopped before it was made."""

    url: str
    kind: str
    """The resource type (document, image, fetch, websocket, ...), `+redirect` for a hop."""
    method: str
    navigation: bool
    """True when it would have replaced the page (a link, a form submission, a redirect)."""


@dataclass
class EgressGuard:
    """Routes a browser context's requests through `allows(url)`; what it refuses is
    recorded here and passed to `on_refused`."""

    allows: Callable[[str], bool]
    timeout_ms: float
    on_refused: Callable[[RefusedRequest], None] | None = None
    refused: list[RefusedRequest] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self, context: BrowserContext) -> None:
        """Route every request and WebSocket of `context` through this guard."""
        context.route("**/*", self._route)
        context.route_web_socket(re.compile(r".*"), self._websocket)

    @property
    def refused_navigations(self) -> list[RefusedRequest]:
        with self._lock:
            return [r for r in self.refused if r.navigation]

    def permits(self, url: str) -> bool:
        """Whether a request to `url` may be made (ws:// is checked as http://)."""
        scheme, _, rest = url.partition(":")
        scheme = scheme.lower()
        if scheme in LOCAL_SCHEMES:
            return True
        checked = f"{_WEBSOCKET_SCHEMES[scheme]}:{rest}" if scheme in _WEBSOCKET_SCHEMES else url
        try:
            parse_url(checked)
        except AmbiguousDestination:
            return False
        return self.allows(checked)

    def _refuse(self, refused: RefusedRequest) -> None:
        with self._lock:
            self.refused.append(refused)
        if self.on_refused is not None:
            self.on_refused(refused)

    def _route(self, route: Route, request: Request) -> None:
        navigation = _is_main_navigation(request)
        try:
            if not self.permits(request.url):
                self._refuse(
                    RefusedRequest(request.url, request.resource_type, request.method, navigation)
                )
                route.abort("blockedbyclient")
                return
            response = self._fetch(route, request, navigation)
            if response is None:
                route.abort("blockedbyclient")
                return
            route.fulfill(response=response)
        except PlaywrightError:
            # The page went away (timeout, close) or the fetch failed; end the request.
            with suppress(PlaywrightError):
                route.abort("failed")

    def _fetch(self, route: Route, request: Request, navigation: bool) -> APIResponse | None:
        """The response at the end of the redirect chain, each hop checked first; None when a
        hop is refused."""
        url, method = request.url, request.method
        headers: dict[str, str] | None = None
        body: bytes | None = None
        for _ in range(MAX_REDIRECTS + 1):
            response = route.fetch(
                url=url,
                method=method,
                headers=headers,
                post_data=body,
                max_redirects=0,
                timeout=self.timeout_ms,
            )
            location = response.headers.get("location")
            if not (300 <= response.status < 400 and location):
                return response
            target = urljoin(url, location)
            if not self.permits(target):
                kind = f"{request.resource_type}+redirect"
                self._refuse(RefusedRequest(target, kind, method, navigation))
                return None
            if response.status in (301, 302, 303) and method not in ("GET", "HEAD"):
                # As browsers do: the redirected request is a GET without the form body.
                method, body = "GET", b""
                headers = {
                    k: v for k, v in request.headers.items() if k.lower() not in _BODY_HEADERS
                }
            url = target
        self._refuse(RefusedRequest(url, "too-many-redirects", method, navigation))
        return None

    def _websocket(self, websocket: WebSocketRoute) -> None:
        if self.permits(websocket.url):
            websocket.connect_to_server()
            return
        self._refuse(RefusedRequest(websocket.url, "websocket", "GET", False))
        websocket.close(code=1008, reason="refused by the data-flow rule")


def _is_main_navigation(request: Request) -> bool:
    """A navigation of the page itself (not of an iframe)."""
    if not request.is_navigation_request():
        return False
    try:
        return request.frame.parent_frame is None
    except PlaywrightError:
        return False
