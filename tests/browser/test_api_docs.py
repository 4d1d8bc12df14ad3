"""/docs in Chromium: Swagger UI from this server's own files, under a CSP, nothing fetched
from anywhere else."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from app.api.main import create_app
from app.api.server import running_server
from store.db import Database

pytestmark = pytest.mark.browser

CHROMIUM = (
    os.environ.get("DELEGATE_BROWSER_EXECUTABLE") or shutil.which("chromium") or "/usr/bin/chromium"
)
OFFLINE_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]

if not Path(CHROMIUM).is_file():
    if os.environ.get("DELEGATE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"DELEGATE_REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}", pytrace=False)
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)


@pytest.fixture
def docs_url(db: Database) -> Iterator[str]:
    with running_server(create_app(db)) as url:
        yield url


def test_docs_render_every_route_from_local_files_under_a_csp(docs_url: str) -> None:
    requested: list[str] = []
    console: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=OFFLINE_ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.on("console", lambda message: console.append(message.text))
            response = page.goto(f"{docs_url}/docs")

            expect(page.locator(".opblock-summary-path").first).to_be_visible()
            expect(page.get_by_text("/api/tasks/execute").first).to_be_visible()
            assert response is not None
            assert "script-src 'self'" in response.headers["content-security-policy"]
        finally:
            browser.close()

    origin = urlsplit(docs_url).netloc
    assert requested and all(urlsplit(url).netloc == origin for url in requested), requested
    assert not [line for line in console if "Content Security Policy" in line], console


def test_an_inline_script_on_docs_would_be_refused(docs_url: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=OFFLINE_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{docs_url}/docs")
            expect(page.locator(".opblock-summary-path").first).to_be_visible()

            ran = page.evaluate(
                """() => { const s = document.createElement('script');
                           s.textContent = 'window.__injected = true';
                           document.body.appendChild(s); return window.__injected === true; }"""
            )
        finally:
            browser.close()

    assert ran is False
