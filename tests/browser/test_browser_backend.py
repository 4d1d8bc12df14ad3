"""PlaywrightBrowser with Debian's Chromium against the local web pages stand-in."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from store.errors import PolicyDenied
from tests.fixtures.web_standin import WebPages
from tools.backends import ProviderError
from tools.browser.chromium import BrowserSettings, PlaywrightBrowser

pytestmark = pytest.mark.browser


def _chromium_available(settings: BrowserSettings) -> bool:
    if settings.executable is not None:
        return True
    with sync_playwright() as playwright:  # Playwright's own download, if any
        return Path(playwright.chromium.executable_path).is_file()


_SETTINGS = BrowserSettings.from_env()
if os.environ.get("DELEGATE_REQUIRE_BROWSER") != "1" and not _chromium_available(_SETTINGS):
    pytest.skip(
        "no Chromium executable (install Debian's chromium or set DELEGATE_BROWSER_EXECUTABLE; "
        "DELEGATE_REQUIRE_BROWSER=1 makes this a failure)",
        allow_module_level=True,
    )


#: A generous bound on a page that never answers (1 s timeout); the goal is
#: benchmarks/browser_timeout.py's.
HANG_BOUND_S = 120


@pytest.fixture(scope="module")
def shared_browser() -> Iterator[PlaywrightBrowser]:
    """One Chromium for the module (launch takes ~1.5 s), offline, 10 s timeouts."""
    with PlaywrightBrowser(_SETTINGS, offline=True, timeout=10.0) as browser:
        yield browser


@pytest.fixture
def browser(shared_browser: PlaywrightBrowser) -> PlaywrightBrowser:
    return shared_browser


def test_open_returns_readable_text_of_contact_page(
    browser: PlaywrightBrowser, web_pages: WebPages
) -> None:
    page = browser.open(web_pages.url("/contact"))
    assert page["title"] == "Contact - Rosa's Bakery"
    assert page["url"] == web_pages.url("/contact")
    text = page["text"]
    assert "# Contact us" in text
    assert "## Opening hours" in text
    assert "- Monday to Friday: 7:00 - 18:00" in text
    assert "- Sunday: closed" in text
    for hidden in ("tracking-code", "font-family", "Menu navigation link", "Hidden staff"):
        assert hidden not in text


def test_allowlist_refuses_other_hosts_without_navigating(
    web_pages: WebPages, shared_browser: PlaywrightBrowser
) -> None:
    browser = PlaywrightBrowser(shared_browser.settings, allowed_hosts={"example.org"})
    with browser, pytest.raises(PolicyDenied):
        browser.open(web_pages.url("/contact"))
    assert web_pages.requests == []


def test_allowlist_admits_listed_host(
    web_pages: WebPages, shared_browser: PlaywrightBrowser
) -> None:
    with PlaywrightBrowser(shared_browser.settings, allowed_hosts={web_pages.host}) as browser:
        assert "Opening hours" in browser.open(web_pages.url("/contact"))["text"]


def test_allowlist_blocks_redirect_to_other_host(
    web_pages: WebPages, shared_browser: PlaywrightBrowser
) -> None:
    browser = PlaywrightBrowser(shared_browser.settings, allowed_hosts={web_pages.host})
    with browser, pytest.raises(PolicyDenied, match=r"elsewhere\.invalid"):
        browser.open(web_pages.url("/leave"))


@pytest.mark.timeout(HANG_BOUND_S)
def test_allowlisted_hanging_page_still_times_out(
    web_pages: WebPages, shared_browser: PlaywrightBrowser
) -> None:
    settings = shared_browser.settings
    browser = PlaywrightBrowser(settings, allowed_hosts={web_pages.host}, timeout=1.0)
    with browser, pytest.raises(ProviderError, match="timed out"):
        browser.open(web_pages.url("/hang"))


def test_non_http_urls_are_refused(browser: PlaywrightBrowser) -> None:
    with pytest.raises(PolicyDenied):
        browser.open("file:///etc/passwd")


def test_fill_form_submits_and_standin_records_fields(
    browser: PlaywrightBrowser, web_pages: WebPages
) -> None:
    result = browser.fill_form(
        web_pages.url("/form"),
        {
            "Your name": "Ada Lovelace",  # by label (for=)
            "Email": "ada@example.com",  # by wrapping label
            "How many people?": "4",  # by placeholder
            "time": "8 pm",  # by name; a select option by its label
            "newsletter": "yes",  # a checkbox
            "textarea[name=notes]": "Window seat",  # by CSS selector
        },
        submit_selector="Book now",
    )
    assert web_pages.submissions == [
        {
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "party_size": "4",
            "time": "20",
            "newsletter": "yes",
            "notes": "Window seat",
        }
    ]
    assert result["title"] == "Booked"
    assert "Thank you, Ada Lovelace!" in result["text"]


def test_fill_form_without_submit_sends_nothing(
    browser: PlaywrightBrowser, web_pages: WebPages
) -> None:
    result = browser.fill_form(web_pages.url("/form"), {"name": "Ada"})
    assert result["submitted"] is False
    assert web_pages.submissions == []


def test_fill_form_unknown_field_is_provider_error(
    browser: PlaywrightBrowser, web_pages: WebPages
) -> None:
    with pytest.raises(ProviderError, match="Favourite colour"):
        browser.fill_form(web_pages.url("/form"), {"Favourite colour": "blue"}, "Book now")
    assert web_pages.submissions == []


def test_click_by_visible_text_returns_changed_page(
    browser: PlaywrightBrowser, web_pages: WebPages
) -> None:
    before = browser.open(web_pages.url("/button"))
    assert "Open until 18:00" not in before["text"]
    after = browser.click(web_pages.url("/button"), "Show today's hours")
    assert "Open until 18:00" in after["text"]


def test_click_link_by_selector_follows_navigation(
    browser: PlaywrightBrowser, web_pages: WebPages
) -> None:
    result = browser.click(web_pages.url("/button"), "a[href='/contact']")
    assert result["url"] == web_pages.url("/contact")
    assert "Opening hours" in result["text"]


def test_screenshot_writes_png(
    browser: PlaywrightBrowser, web_pages: WebPages, tmp_path: Path
) -> None:
    target = tmp_path / "shots" / "contact.png"
    result = browser.screenshot(web_pages.url("/contact"), str(target))
    data = target.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert result["bytes"] == len(data) > 1000
    assert result["path"] == str(target)


@pytest.mark.timeout(HANG_BOUND_S)
def test_hanging_page_ends_in_a_retryable_provider_error(
    web_pages: WebPages, shared_browser: PlaywrightBrowser
) -> None:
    with (
        PlaywrightBrowser(shared_browser.settings, timeout=1.0) as browser,
        pytest.raises(ProviderError, match="timed out") as err,
    ):
        browser.open(web_pages.url("/hang"))
    assert err.value.retryable is True
    assert web_pages.hanging_started.is_set()


def test_missing_page_is_provider_error_with_status(
    browser: PlaywrightBrowser, web_pages: WebPages
) -> None:
    with pytest.raises(ProviderError) as err:
        browser.open(web_pages.url("/nope"))
    assert err.value.status == 404


def test_unresolvable_host_fails_fast_offline(browser: PlaywrightBrowser) -> None:
    with pytest.raises(ProviderError, match="ERR_NAME_NOT_RESOLVED"):
        browser.open("http://delegate-test.invalid/")


def test_browser_is_safe_from_a_thread_pool(
    browser: PlaywrightBrowser, web_pages: WebPages
) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        titles = list(
            pool.map(lambda _: browser.open(web_pages.url("/contact"))["title"], range(6))
        )
    assert titles == ["Contact - Rosa's Bakery"] * 6


def test_browser_works_when_called_inside_a_running_event_loop(
    browser: PlaywrightBrowser, web_pages: WebPages
) -> None:
    async def call_from_coroutine() -> str:
        return str(browser.open(web_pages.url("/contact"))["title"])

    assert asyncio.run(call_from_coroutine()) == "Contact - Rosa's Bakery"


def test_closed_browser_refuses_work(
    web_pages: WebPages, shared_browser: PlaywrightBrowser
) -> None:
    browser = PlaywrightBrowser(shared_browser.settings)
    assert browser.open(web_pages.url("/contact"))["title"]
    browser.close()
    with pytest.raises(ProviderError, match="closed"):
        browser.open(web_pages.url("/contact"))
