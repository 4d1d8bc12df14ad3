"""What the browser's egress guard costs: opening a page with 20 images, every request checked
and fetched by the guard, beside the same page opened without it (the baseline, same run,
same warmed-up Chromium). The goal: at most twice the baseline. Needs Chromium (Debian's,
or DELEGATE_BROWSER_EXECUTABLE).
Run: `.venv/bin/python benchmarks/browser_egress.py [--runs N]`.
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

from tools.browser.chromium import BrowserSettings, PlaywrightBrowser
from tools.gate.data_flow import TaskEgress, TrustedSources

IMAGES = 20
#: The guarded open may take at most this many times the baseline.
GOAL_RATIO = 2.0
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
PAGE = (
    "<html><head><title>gallery</title></head><body><h1>Gallery</h1>"
    + "".join(f'<img src="/img/{i}.png">' for i in range(IMAGES))
    + "</body></html>"
).encode()


@contextmanager
def local_pages() -> Iterator[str]:
    """A server on a free loopback port serving the page and its images."""

    class Pages(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, kind = (
                (PIXEL, "image/png") if self.path.startswith("/img/") else (PAGE, "text/html")
            )
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def timed_open(browser: PlaywrightBrowser, url: str, egress: TaskEgress | None) -> float:
    started = time.perf_counter()
    browser.open(url, egress=egress)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    settings = BrowserSettings.from_env()
    with local_pages() as base, PlaywrightBrowser(settings) as browser:
        url = f"{base}/gallery"
        trusted = TrustedSources.build(f"Look at {url}", None)
        timed_open(browser, url, None)  # launch Chromium outside the measurement
        plain, guarded = [], []
        for _ in range(runs):
            plain.append(timed_open(browser, url, None))
            egress = TaskEgress(trusted)
            guarded.append(timed_open(browser, url, egress))
            assert not egress.refusals, egress.refusals
    ratio = median(guarded) / median(plain)
    print(f"open() of a page with {IMAGES} images, median of {runs} runs")
    print(f"  baseline, no egress guard: {median(plain) * 1000:7.1f} ms")
    print(f"  every request guarded:     {median(guarded) * 1000:7.1f} ms")
    print(f"  ratio {ratio:.2f} (goal: at most {GOAL_RATIO:g})")
    if ratio > GOAL_RATIO:
        sys.exit(1)


if __name__ == "__main__":
    main()
