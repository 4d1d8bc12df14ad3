"""Property: Chromium reads every URL the gate accepts as the same host and port, whether it is
given the URL as written or as the gate normalised it (what the browser opens). Chromium's own
parser answers, through `new URL(...)` evaluated in a page."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from playwright.sync_api import Page, sync_playwright

from tests.fixtures.destination_strings import URL
from tools.browser.settings import DEBIAN_CHROMIUM, OFFLINE_ARGS
from tools.gate.destinations import AmbiguousDestination, WebAddress, parse_url

pytestmark = [pytest.mark.integration, pytest.mark.browser]

if not Path(DEBIAN_CHROMIUM).is_file():
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

READ_URL = """written => {
  try {
    const u = new URL(written);
    return {protocol: u.protocol, hostname: u.hostname, port: u.port,
            username: u.username, password: u.password};
  } catch (e) { return null; }
}"""


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=DEBIAN_CHROMIUM, args=OFFLINE_ARGS)
        yield browser.new_page()
        browser.close()


def _same_host(chromium_host: str, address: WebAddress) -> bool:
    if address.host.startswith("["):
        return ipaddress.ip_address(chromium_host.strip("[]")) == ipaddress.ip_address(
            address.host.strip("[]")
        )
    return chromium_host == address.host


def _assert_reads_as(read: dict[str, Any] | None, address: WebAddress) -> None:
    assert read is not None, "Chromium refuses a URL the gate accepted"
    assert read["protocol"] == f"{address.scheme}:"
    assert (read["username"], read["password"]) == ("", "")
    assert _same_host(read["hostname"], address)
    assert read["port"] == (str(address.port) if address.port is not None else "")


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(URL)
def test_chromium_reads_an_accepted_url_as_the_host_the_gate_approved(
    page: Page, written: str
) -> None:
    try:
        address = parse_url(written)
    except AmbiguousDestination:
        return

    _assert_reads_as(page.evaluate(READ_URL, written), address)
    _assert_reads_as(page.evaluate(READ_URL, address.url), address)
