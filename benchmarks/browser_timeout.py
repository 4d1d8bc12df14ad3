"""How long a page that never answers holds up the browser tool, beside a page that answers.

A local HTTP server serves `/ok` (a small page, at once) and `/hang` (accepts the request,
never answers). Each run opens a fresh PlaywrightBrowser (the Chromium launch is part of
both sides, as in a task's run) with a 1 s page timeout and opens one of them. The baseline
is `/ok` in the same run; the goal is that `/hang` ends in a ProviderError within the
timeout plus 2 s over that baseline. Needs Chromium (Debian's, or DELEGATE_BROWSER_EXECUTABLE).
Run: `.venv/bin/python benchmarks/browser_timeout.py [--runs N]`.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from statistics import median

from tools.backends import ProviderError
from tools.browser.chromium import BrowserSettings, PlaywrightBrowser

PAGE_TIMEOUT_S = 1.0
#: Allowed on top of the page timeout, over the time a page that answers takes.
MARGIN_S = 2.0
OK_PAGE = b"<html><head><title>ok</title></head><body><h1>It works</h1></body></html>"


@contextmanager
def local_pages() -> Iterator[str]:
    """A server on a free loopback port; yields its base URL. /hang waits until shutdown."""
    release = threading.Event()

    class Pages(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/hang":
                release.wait(timeout=120)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(OK_PAGE)))
            self.end_headers()
            self.wfile.write(OK_PAGE)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def seconds_to_open(settings: BrowserSettings, url: str, host: str) -> tuple[float, str]:
    """Seconds from a fresh browser's `open(url)` to its answer or its error; which it was."""
    started = time.perf_counter()
    with PlaywrightBrowser(settings, allowed_hosts={host}, timeout=PAGE_TIMEOUT_S) as browser:
        try:
            browser.open(url)
            what = "page"
        except ProviderError as exc:
            what = "timed out" if "timed out" in str(exc) else f"error: {exc}"
        return time.perf_counter() - started, what


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="opens of each page")
    args = parser.parse_args(argv)
    settings = BrowserSettings.from_env()

    hang: list[float] = []
    ok: list[float] = []
    with local_pages() as base_url:
        host = base_url.removeprefix("http://")
        for _ in range(args.runs):
            seconds, what = seconds_to_open(settings, f"{base_url}/ok", host)
            if what != "page":
                raise RuntimeError(f"/ok did not load: {what}")
            ok.append(seconds)
            seconds, what = seconds_to_open(settings, f"{base_url}/hang", host)
            if what != "timed out":
                raise RuntimeError(f"/hang did not time out: {what}")
            hang.append(seconds)

    figure, baseline = median(hang), median(ok)
    goal = baseline + PAGE_TIMEOUT_S + MARGIN_S
    print(f"fresh browser, open() to its answer, page timeout {PAGE_TIMEOUT_S:.0f} s, median of")
    print(f"{args.runs} runs each")
    print(f"  page that never answers (ProviderError)   {figure:6.2f} s")
    print(f"  baseline: page that answers               {baseline:6.2f} s")
    met = figure <= goal
    print(
        f"goal: <= baseline + timeout + {MARGIN_S:.0f} s = {goal:.2f} s: "
        f"{'met' if met else 'NOT met'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
