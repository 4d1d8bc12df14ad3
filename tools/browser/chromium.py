"""A real browser behind the `Browser` protocol: Playwright's sync API driving Chromium.

Settings (environment, read by `BrowserSettings.from_env`):
- DELEGATE_BROWSER_EXECUTABLE: the Chromium binary; default /usr/bin/chromium if it exists,
  else Playwright's own download.
- DELEGATE_BROWSER_OFFLINE=1: Chromium resolves no host except 127.0.0.1 (for machines and
  tests without internet: outside lookups fail at once instead of hanging). Off by default,
  because a deployed browser is meant to reach the web; tests turn it on explicitly.
- DELEGATE_BROWSER_TIMEOUT: seconds for a navigation or an action (default 15). A page that
  does not load in time ends in ProviderError("browser", ...), never a hang.
- DELEGATE_BROWSER_ALLOWED_HOSTS: comma-separated hosts ("example.com" also allows its
  subdomains; "127.0.0.1:8080" pins a port). When set, a URL outside it raises PolicyDenied
  before any navigation, and every request the page makes to another host (a redirect, an
  image, a form post) is blocked. Only http(s) URLs are ever opened, as `parse_url` (the
  gate's parser) reads and normalises them.

Egress: the browser tools pass the task's `Egress` (the data-flow rule), and every request a
page makes (tools.browser.egress) must pass it and the allowlist above. A main-frame
navigation that is refused (a form posting elsewhere, a redirect) raises PolicyDenied; a
refused subresource, fetch or WebSocket only fails inside the page. Both are recorded.

Threading: Playwright's sync API may not run on a thread with a running asyncio loop, and its
objects belong to the thread that made them. So every backend owns one worker thread that
launches Chromium lazily and runs every operation, one at a time; callers on any thread (a
thread pool, a thread with a running event loop) wait for their turn. A coroutine calling it
blocks its loop while it waits: use `asyncio.to_thread` to keep the loop free. Each operation
gets a fresh browser context, so no cookies or storage leak between calls (or organizations).
`close()` or `with` ends it all; `get_browser()` shares one backend per process.
"""

from __future__ import annotations

import atexit
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from playwright.sync_api import Browser as PlaywrightChromium
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Playwright, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from store.errors import ConfigurationError, PolicyDenied
from tools.backends import Egress, ProviderError
from tools.browser.egress import EgressGuard, RefusedRequest
from tools.browser.forms import fill_field, locate_clickable
from tools.browser.settings import (
    ALLOWED_HOSTS_VAR,
    EXECUTABLE_VAR,
    OFFLINE_ARGS,
    BrowserSettings,
)
from tools.browser.text import readable_text
from tools.gate.destinations import AmbiguousDestination, parse_url
from tools.provider_limits import provider_slot

T = TypeVar("T")

MAX_TEXT_CHARS = 20_000
MAX_LINKS = 50


@dataclass
class _Job:
    work: Callable[[], Any]
    future: Future[Any] = field(default_factory=Future)


class PlaywrightBrowser:
    """The `Browser` protocol over one lazily launched Chromium and one worker thread."""

    def __init__(self, settings: BrowserSettings | None = None, **overrides: Any) -> None:
        base = settings or BrowserSettings.from_env()
        if isinstance(overrides.get("allowed_hosts"), (set, list, tuple)):
            overrides["allowed_hosts"] = frozenset(h.lower() for h in overrides["allowed_hosts"])
        self.settings = replace(base, **overrides) if overrides else base
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closed = False
        self._playwright: Playwright | None = None
        self._chromium: PlaywrightChromium | None = None

    def __enter__(self) -> PlaywrightBrowser:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- Browser protocol -------------------------------------------------------------------

    def open(self, url: str, *, egress: Egress | None = None) -> dict[str, Any]:
        """{"url", "title", "text", "links", "status", "truncated"}: the page's readable text."""
        url = self._check(url)
        return self._run(lambda: self._with_page(url, self._read, egress))

    def fill_form(
        self,
        url: str,
        fields: dict[str, str],
        submit_selector: str | None = None,
        *,
        egress: Egress | None = None,
    ) -> dict[str, Any]:
        """Fill fields (by label, name, placeholder or CSS selector); submit by clicking
        `submit_selector` (text or selector). Without it nothing is sent: a dry run."""
        url = self._check(url)

        def work(page: Page) -> dict[str, Any]:
            filled = [fill_field(page, name, value) for name, value in fields.items()]
            if submit_selector:
                locate_clickable(page, submit_selector).click()
                self._settle(page)
            result = self._read(page)
            result.update(filled=filled, submitted=bool(submit_selector))
            return result

        return self._run(lambda: self._with_page(url, work, egress))

    def click(self, url: str, selector: str, *, egress: Egress | None = None) -> dict[str, Any]:
        """Click an element (by visible text or CSS selector); returns the resulting page."""
        url = self._check(url)

        def work(page: Page) -> dict[str, Any]:
            locate_clickable(page, selector).click()
            self._settle(page)
            return self._read(page)

        return self._run(lambda: self._with_page(url, work, egress))

    def screenshot(self, url: str, path: str, *, egress: Egress | None = None) -> dict[str, Any]:
        """Save a full-page PNG at `path` (folders are created); {"url", "title", "path",
        "bytes"}."""
        url = self._check(url)
        target = Path(path).expanduser().resolve()

        def work(page: Page) -> dict[str, Any]:
            target.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(target), full_page=True, type="png")
            return {
                "url": page.url,
                "title": page.title(),
                "path": str(target),
                "bytes": target.stat().st_size,
            }

        return self._run(lambda: self._with_page(url, work, egress))

    def close(self) -> None:
        """Close Chromium and stop the worker thread (idempotent)."""
        with self._start_lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
        if thread is None:
            return
        job = _Job(self._shutdown)
        self._jobs.put(job)
        self._jobs.put(None)
        thread.join(timeout=self.settings.timeout + 10)

    # -- the worker thread ------------------------------------------------------------------

    def _run(self, work: Callable[[], T]) -> T:
        with self._start_lock:
            if self._closed:
                raise ProviderError("browser", "the browser backend is closed")
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve, name="delegate-browser", daemon=True
                )
                self._thread.start()
        if threading.current_thread() is self._thread:
            return work()
        with provider_slot("browser"):
            job = _Job(work)
            self._jobs.put(job)
            # Every step inside has its own Playwright timeout; this only guards a wedged driver.
            try:
                return job.future.result(timeout=self.settings.timeout * 4 + 30)  # type: ignore[no-any-return]
            except FutureTimeout:
                raise ProviderError("browser", "the browser did not answer in time") from None

    def _serve(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            if not job.future.set_running_or_notify_cancel():
                continue
            try:
                job.future.set_result(job.work())
            except BaseException as exc:
                job.future.set_exception(exc)

    def _shutdown(self) -> None:
        try:
            if self._chromium is not None:
                self._chromium.close()
        except PlaywrightError:
            pass
        finally:
            self._chromium = None
            if self._playwright is not None:
                self._playwright.stop()
                self._playwright = None

    def _browser(self) -> PlaywrightChromium:
        if self._chromium is not None and self._chromium.is_connected():
            return self._chromium
        if self._playwright is None:
            self._playwright = sync_playwright().start()
        options: dict[str, Any] = {"headless": self.settings.headless}
        if self.settings.executable:
            options["executable_path"] = self.settings.executable
        if self.settings.offline:
            options["args"] = list(OFFLINE_ARGS)
        try:
            self._chromium = self._playwright.chromium.launch(**options)
        except PlaywrightError as exc:
            first_line = (exc.message or str(exc)).strip().splitlines()[0]
            raise ConfigurationError(
                f"cannot launch Chromium ({first_line}); set {EXECUTABLE_VAR} to a Chromium binary"
            ) from None
        return self._chromium

    # -- one operation ----------------------------------------------------------------------

    def _check(self, url: str) -> str:
        """The URL as the gate's parser normalises it, if it may be opened at all."""
        try:
            address = parse_url(url)
        except AmbiguousDestination as exc:
            raise PolicyDenied("browser_allowed_hosts", str(exc)) from None
        if not self.settings.is_allowed(address.url):
            raise PolicyDenied(
                "browser_allowed_hosts",
                f"{address.host} is not an allowed http(s) host (see {ALLOWED_HOSTS_VAR})",
            )
        return address.url

    def _guard(self, egress: Egress | None) -> EgressGuard | None:
        """The request guard for one operation: the allowlist and the task's egress rule."""
        if self.settings.allowed_hosts is None and egress is None:
            return None

        def allows(url: str) -> bool:
            return self.settings.is_allowed(url) and (egress is None or egress.allows(url))

        def record(refused: RefusedRequest) -> None:
            if egress is not None:
                egress.refused(refused.url, refused.kind, refused.method)

        return EgressGuard(allows, self.settings.timeout * 1000, record)

    def _with_page(
        self, url: str, work: Callable[[Page], dict[str, Any]], egress: Egress | None = None
    ) -> dict[str, Any]:
        # Service workers could make requests the context's routes never see.
        context = self._browser().new_context(accept_downloads=False, service_workers="block")
        timeout_ms = self.settings.timeout * 1000
        context.set_default_timeout(timeout_ms)
        context.set_default_navigation_timeout(timeout_ms)
        guard = self._guard(egress)
        if guard is not None:
            guard.install(context)
        try:
            page = context.new_page()
            with self._errors(url, guard):
                response = page.goto(url, wait_until="domcontentloaded")
                if response is not None and response.status >= 400:
                    raise ProviderError(
                        "browser",
                        f"{url} answered HTTP {response.status}",
                        status=response.status,
                        retryable=response.status >= 500,
                    )
                self._settle(page)
                result = work(page)
            if guard is not None and guard.refused_navigations:
                self._deny(guard.refused_navigations[0].url)
            return result
        finally:
            context.close()

    @contextmanager
    def _errors(self, url: str, guard: EgressGuard | None) -> Iterator[None]:
        seconds = f"{self.settings.timeout:g}"
        try:
            yield
        except PlaywrightTimeout:
            if guard is not None and guard.refused_navigations:
                self._deny(guard.refused_navigations[0].url)
            raise ProviderError(
                "browser", f"timed out after {seconds} s on {url}", retryable=True
            ) from None
        except PlaywrightError as exc:
            if guard is not None and guard.refused_navigations:
                self._deny(guard.refused_navigations[0].url)
            first_line = (exc.message or str(exc)).strip().splitlines()[0]
            raise ProviderError("browser", f"{first_line} ({url})") from None

    def _deny(self, url: str) -> None:
        host = urlsplit(url).hostname or url
        if not self.settings.is_allowed(url):
            raise PolicyDenied(
                "browser_allowed_hosts", f"the page led to {host}, which is not an allowed host"
            )
        raise PolicyDenied(
            "untrusted_destination",
            f"the page tried to send a request to {host}, which the task does not name; it was "
            "refused (add the site to the task or the organization's allowlist to allow it)",
        )

    def _settle(self, page: Page) -> None:
        """Let a navigation started by the last step finish loading (best effort)."""
        # A timeout here means slow images or the like; the document itself is there.
        with suppress(PlaywrightTimeout):
            page.wait_for_load_state("load", timeout=min(self.settings.timeout, 5) * 1000)

    def _read(self, page: Page) -> dict[str, Any]:
        readable = readable_text(page.content(), page.url)
        text = readable.text
        return {
            "url": page.url,
            "title": page.title(),
            "text": text[:MAX_TEXT_CHARS],
            "truncated": len(text) > MAX_TEXT_CHARS,
            "links": readable.links[:MAX_LINKS],
        }


_shared: dict[BrowserSettings, PlaywrightBrowser] = {}
_shared_lock = threading.Lock()


def get_browser() -> PlaywrightBrowser:
    """The process-wide browser for the current settings (one Chromium, launched on first use,
    closed at exit). Tools call this for every step; it costs nothing after the first."""
    settings = BrowserSettings.from_env()
    with _shared_lock:
        browser = _shared.get(settings)
        if browser is None or browser._closed:
            browser = PlaywrightBrowser(settings)
            _shared[settings] = browser
        return browser


@atexit.register
def close_shared_browsers() -> None:
    """Close every browser `get_browser` handed out."""
    with _shared_lock:
        browsers = list(_shared.values())
        _shared.clear()
    for browser in browsers:
        browser.close()
