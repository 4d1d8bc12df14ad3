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
  image, a form post) is blocked. Only http(s) URLs are ever opened.

Threading: Playwright's sync API may not run on a thread with a running asyncio loop, and its
objects belong to the thread that made them. So every backend owns one worker thread that
launches Chromium lazily and runs every operation; callers (any thread, a thread pool, a
coroutine's executor) wait for their turn. Each operation gets a fresh browser context, so no
cookies or storage leak between calls (or organizations). `close()` or `with` ends it all.
"""

from __future__ import annotations

import atexit
import os
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Browser as PlaywrightChromium
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, Playwright, Request, Route, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from store.errors import ConfigurationError, PolicyDenied
from tools.backends import ProviderError
from tools.browser_text import readable_text

T = TypeVar("T")

EXECUTABLE_VAR = "DELEGATE_BROWSER_EXECUTABLE"
OFFLINE_VAR = "DELEGATE_BROWSER_OFFLINE"
TIMEOUT_VAR = "DELEGATE_BROWSER_TIMEOUT"
ALLOWED_HOSTS_VAR = "DELEGATE_BROWSER_ALLOWED_HOSTS"
DEBIAN_CHROMIUM = "/usr/bin/chromium"
OFFLINE_ARGS = ("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",)
MAX_TEXT_CHARS = 20_000
MAX_LINKS = 50

_TRUE = {"1", "true", "yes", "on"}


def _host_matches(host: str, port: int | None, entry: str) -> bool:
    entry_host, _, entry_port = entry.rpartition(":") if ":" in entry else (entry, "", "")
    if entry_port and (not entry_port.isdigit() or port != int(entry_port)):
        return False
    entry_host = entry_host.lstrip("*").lstrip(".")
    return host == entry_host or host.endswith("." + entry_host)


@dataclass(frozen=True)
class BrowserSettings:
    """How the browser is launched and what it may open (see the module docstring)."""

    executable: str | None = None
    offline: bool = False
    timeout: float = 15.0
    allowed_hosts: frozenset[str] | None = None
    headless: bool = True

    @classmethod
    def from_env(cls) -> BrowserSettings:
        executable = os.environ.get(EXECUTABLE_VAR, "").strip() or None
        if executable is not None and not Path(executable).is_file():
            raise ConfigurationError(
                f"{EXECUTABLE_VAR} points to {executable}, which is not a file"
            )
        if executable is None and Path(DEBIAN_CHROMIUM).is_file():
            executable = DEBIAN_CHROMIUM
        raw_timeout = os.environ.get(TIMEOUT_VAR, "").strip()
        try:
            timeout = float(raw_timeout) if raw_timeout else 15.0
        except ValueError:
            raise ConfigurationError(f"{TIMEOUT_VAR} must be a number of seconds") from None
        if timeout <= 0:
            raise ConfigurationError(f"{TIMEOUT_VAR} must be a positive number of seconds")
        hosts = os.environ.get(ALLOWED_HOSTS_VAR, "")
        allowed = frozenset(h.strip().lower() for h in hosts.split(",") if h.strip())
        return cls(
            executable=executable,
            offline=os.environ.get(OFFLINE_VAR, "").strip().lower() in _TRUE,
            timeout=timeout,
            allowed_hosts=allowed or None,
        )

    def is_allowed(self, url: str) -> bool:
        """Whether a URL is http(s) and (if an allowlist is set) on an allowed host."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        if self.allowed_hosts is None:
            return True
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return False
        return any(_host_matches(parts.hostname, port, e) for e in self.allowed_hosts)


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

    def open(self, url: str) -> dict[str, Any]:
        """{"url", "title", "text", "links", "status", "truncated"}: the page's readable text."""
        self._check(url)
        return self._run(lambda: self._with_page(url, self._read))

    def fill_form(
        self, url: str, fields: dict[str, str], submit_selector: str | None = None
    ) -> dict[str, Any]:
        """Fill fields (by label, name, placeholder or CSS selector); submit by clicking
        `submit_selector` (text or selector). Without it nothing is sent: a dry run."""
        self._check(url)

        def work(page: Page) -> dict[str, Any]:
            filled = [self._fill(page, name, value) for name, value in fields.items()]
            if submit_selector:
                self._locate_clickable(page, submit_selector).click()
                self._settle(page)
            result = self._read(page)
            result.update(filled=filled, submitted=bool(submit_selector))
            return result

        return self._run(lambda: self._with_page(url, work))

    def click(self, url: str, selector: str) -> dict[str, Any]:
        """Click an element (by visible text or CSS selector); returns the resulting page."""
        self._check(url)

        def work(page: Page) -> dict[str, Any]:
            self._locate_clickable(page, selector).click()
            self._settle(page)
            return self._read(page)

        return self._run(lambda: self._with_page(url, work))

    def screenshot(self, url: str, path: str) -> dict[str, Any]:
        """Save a full-page PNG at `path` (folders are created); {"url", "title", "path",
        "bytes"}."""
        self._check(url)
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

        return self._run(lambda: self._with_page(url, work))

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

    def _check(self, url: str) -> None:
        if not self.settings.is_allowed(url):
            host = urlsplit(url).hostname or url
            raise PolicyDenied(
                "browser_allowed_hosts",
                f"{host} is not an allowed http(s) host (see {ALLOWED_HOSTS_VAR})",
            )

    def _with_page(self, url: str, work: Callable[[Page], dict[str, Any]]) -> dict[str, Any]:
        context = self._browser().new_context(accept_downloads=False)
        timeout_ms = self.settings.timeout * 1000
        context.set_default_timeout(timeout_ms)
        context.set_default_navigation_timeout(timeout_ms)
        blocked: list[str] = []
        if self.settings.allowed_hosts is not None:
            context.route("**/*", lambda route, request: self._guard(route, request, blocked))
        try:
            page = context.new_page()
            with self._errors(url, blocked):
                response = page.goto(url, wait_until="domcontentloaded")
                if response is not None and response.status >= 400:
                    raise ProviderError(
                        "browser",
                        f"{url} answered HTTP {response.status}",
                        status=response.status,
                        retryable=response.status >= 500,
                    )
                self._settle(page)
                return work(page)
        finally:
            context.close()

    def _guard(self, route: Route, request: Request, blocked: list[str]) -> None:
        """With an allowlist: block requests to other hosts, and fetch navigations without
        following redirects, so a redirect to another host is refused before it is made
        (Playwright routes only the first URL of a redirect chain)."""
        try:
            if not self.settings.is_allowed(request.url):
                if request.is_navigation_request():
                    blocked.append(request.url)
                route.abort("blockedbyclient")
                return
            if not request.is_navigation_request():
                route.continue_()
                return
            response = route.fetch(max_redirects=0, timeout=self.settings.timeout * 1000)
            location = response.headers.get("location")
            if 300 <= response.status < 400 and location:
                target = urljoin(request.url, location)
                if not self.settings.is_allowed(target):
                    blocked.append(target)
                    route.abort("blockedbyclient")
                    return
            route.fulfill(response=response)
        except PlaywrightError:
            # The page went away (timeout, close) or the fetch failed; end the request.
            with suppress(PlaywrightError):
                route.abort("failed")

    @contextmanager
    def _errors(self, url: str, blocked: list[str]) -> Iterator[None]:
        seconds = f"{self.settings.timeout:g}"
        try:
            yield
        except PlaywrightTimeout:
            if blocked:
                self._deny(blocked[0])
            raise ProviderError(
                "browser", f"timed out after {seconds} s on {url}", retryable=True
            ) from None
        except PlaywrightError as exc:
            if blocked:
                self._deny(blocked[0])
            first_line = (exc.message or str(exc)).strip().splitlines()[0]
            raise ProviderError("browser", f"{first_line} ({url})") from None

    def _deny(self, url: str) -> None:
        host = urlsplit(url).hostname or url
        raise PolicyDenied(
            "browser_allowed_hosts", f"the page led to {host}, which is not an allowed host"
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

    def _fill(self, page: Page, name: str, value: str) -> str:
        field = self._locate_field(page, name)
        tag = field.evaluate("e => e.tagName.toLowerCase()")
        kind = (field.get_attribute("type") or "").lower()
        if tag == "select":
            option = field.evaluate(
                "(e, v) => { const o = [...e.options].find("
                "o => o.value === v || o.label.trim() === v.trim()); return o ? o.value : null }",
                value,
            )
            if option is None:
                raise ProviderError("browser", f"{name!r} has no option {value!r}")
            field.select_option(value=option)
        elif kind == "checkbox":
            field.set_checked(value.strip().lower() in _TRUE)
        elif kind == "radio":
            group = _css_string(field.get_attribute("name") or "")
            choice = page.locator(
                f'input[type="radio"][name="{group}"][value="{_css_string(value)}"]'
            )
            if choice.count() == 0:
                choice = page.get_by_label(value, exact=True)
            if choice.count() == 0:
                raise ProviderError("browser", f"{name!r} has no choice {value!r}")
            choice.first.check()
        else:
            field.fill(value)
        return name

    def _locate_field(self, page: Page, name: str) -> Locator:
        candidates: list[Callable[[], Locator]] = [
            lambda: page.get_by_label(name, exact=True),
            lambda: page.locator(f'[name="{_css_string(name)}"]'),
            lambda: page.get_by_placeholder(name, exact=True),
            lambda: page.get_by_label(name),
            lambda: page.get_by_placeholder(name),
            lambda: page.locator(name),
        ]
        found = _first_present(candidates)
        if found is None:
            raise ProviderError("browser", f"no form field matches {name!r} on {page.url}")
        return found

    def _locate_clickable(self, page: Page, target: str) -> Locator:
        candidates: list[Callable[[], Locator]] = [
            lambda: page.get_by_role("button", name=target, exact=True),
            lambda: page.get_by_role("link", name=target, exact=True),
            lambda: page.get_by_text(target, exact=True),
            lambda: page.locator(target),
            lambda: page.get_by_role("button", name=target),
            lambda: page.get_by_role("link", name=target),
            lambda: page.get_by_text(target),
        ]
        found = _first_present(candidates)
        if found is None:
            raise ProviderError("browser", f"nothing to click matches {target!r} on {page.url}")
        return found


def _css_string(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _first_present(candidates: list[Callable[[], Locator]]) -> Locator | None:
    for make in candidates:
        try:
            locator = make()
            if locator.count() > 0:
                return locator.first
        except PlaywrightError:
            continue  # e.g. the text is not a valid CSS selector
    return None


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
