"""Readable text extraction, browser settings from the environment, and get_browser."""

from __future__ import annotations

import pytest

from store.errors import ConfigurationError
from tools.browser.chromium import BrowserSettings, close_shared_browsers, get_browser
from tools.browser.text import readable_text

PAGE = """<html><head><title>T</title><style>p { color: red }</style></head><body>
<nav><a href="/home">Home</a></nav>
<script>var secret = 1;</script>
<h2>Hours</h2>
<p>We are   open
   daily.</p>
<ul><li>Mon: 9-5</li><li>Tue: <b>9-6</b></li></ul>
<table><tr><th>Day</th><th>Open</th></tr><tr><td>Sat</td><td>10-2</td></tr></table>
<div aria-hidden="true">decorative</div>
<p>See <a href="/map">our map</a> or <a href="mailto:x@example.com">mail</a>.</p>
</body></html>"""


def test_readable_text_keeps_headings_paragraphs_lists_and_tables() -> None:
    assert readable_text(PAGE, "http://shop.test/contact").text.splitlines() == [
        "## Hours",
        "We are open daily.",
        "- Mon: 9-5",
        "- Tue: 9-6",
        "Day | Open",
        "Sat | 10-2",
        "See our map or mail.",
    ]


def test_readable_text_drops_scripts_styles_nav_and_hidden() -> None:
    text = readable_text(PAGE).text
    for gone in ("secret", "color", "Home", "decorative", "T\n"):
        assert gone not in text


def test_readable_text_lists_absolute_http_links() -> None:
    links = readable_text(PAGE, "http://shop.test/contact").links
    assert links == [{"text": "our map", "url": "http://shop.test/map"}]


def test_allowlist_matches_host_subdomains_and_pinned_ports() -> None:
    settings = BrowserSettings(allowed_hosts=frozenset({"example.com", "127.0.0.1:8080"}))
    assert settings.is_allowed("https://example.com/a")
    assert settings.is_allowed("https://www.example.com/a")
    assert settings.is_allowed("http://127.0.0.1:8080/")
    assert not settings.is_allowed("http://127.0.0.1:9090/")
    assert not settings.is_allowed("https://notexample.com/")
    assert not settings.is_allowed("https://example.com.evil.test/")


def test_only_http_urls_are_allowed_even_without_allowlist() -> None:
    settings = BrowserSettings()
    assert settings.is_allowed("https://anything.test/")
    assert not settings.is_allowed("file:///etc/passwd")
    assert not settings.is_allowed("javascript:alert(1)")


def test_settings_read_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELEGATE_BROWSER_OFFLINE", "1")
    monkeypatch.setenv("DELEGATE_BROWSER_TIMEOUT", "2.5")
    monkeypatch.setenv("DELEGATE_BROWSER_ALLOWED_HOSTS", " Example.com , intranet.test ")
    settings = BrowserSettings.from_env()
    assert settings.offline is True
    assert settings.timeout == 2.5
    assert settings.allowed_hosts == frozenset({"example.com", "intranet.test"})


def test_offline_is_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DELEGATE_BROWSER_OFFLINE", raising=False)
    monkeypatch.delenv("DELEGATE_BROWSER_ALLOWED_HOSTS", raising=False)
    settings = BrowserSettings.from_env()
    assert (settings.offline, settings.allowed_hosts) == (False, None)


def test_missing_executable_is_configuration_error_naming_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DELEGATE_BROWSER_EXECUTABLE", "/nonexistent/chromium")
    with pytest.raises(ConfigurationError, match="DELEGATE_BROWSER_EXECUTABLE"):
        BrowserSettings.from_env()


def test_bad_timeout_is_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELEGATE_BROWSER_TIMEOUT", "soon")
    with pytest.raises(ConfigurationError, match="DELEGATE_BROWSER_TIMEOUT"):
        BrowserSettings.from_env()


def test_get_browser_reuses_one_instance_per_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELEGATE_BROWSER_TIMEOUT", "3")
    try:
        first = get_browser()
        assert get_browser() is first
        monkeypatch.setenv("DELEGATE_BROWSER_TIMEOUT", "4")
        assert get_browser() is not first
    finally:
        close_shared_browsers()
