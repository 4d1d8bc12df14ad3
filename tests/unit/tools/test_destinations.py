"""The one parser for destinations: what it accepts, how it normalises, what it refuses."""

from __future__ import annotations

import pytest

from tools.gate.data_flow import TaskEgress, TrustedSources, destinations
from tools.gate.destinations import AmbiguousDestination, parse_channel, parse_email, parse_url


@pytest.mark.parametrize(
    "written",
    [
        "sarah@corp.com",
        "'sarah@corp.com'",
        '"sarah@corp.com"',
        "\u2018sarah@corp.com\u2019",
        "<sarah@corp.com>",
        "Sarah Lee <Sarah@Corp.com>",
        "mailto:sarah@corp.com",
        "  SARAH@corp.com ",
    ],
)
def test_one_address_is_normalised_however_it_is_written(written: str) -> None:
    assert parse_email(written) == "sarah@corp.com"


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("emma@corp.com, mark@evil.com", "more than one address"),
        ("emma@corp.com; mark@evil.com", "more than one address"),
        ("emma@corp.com mark@evil.com", "more than one address"),
        ("<emma@corp.com>, <mark@evil.com>", "stray"),
        ('"mark@evil.com" <emma@corp.com>', "display name"),
        ("emma@corp.com\nBcc: mark@evil.com", "control characters"),
        ("emma@corp.com@evil.com", "exactly one '@'"),
        ("", "empty"),
        ("emma(comment)@corp.com", "not a plain address"),
        ("\u00e9mma@corp.com", "not a plain address"),
    ],
)
def test_a_value_that_is_not_exactly_one_address_is_refused_with_the_reason(
    written: str, why: str
) -> None:
    with pytest.raises(AmbiguousDestination, match=why):
        parse_email(written)


def test_quoted_address_in_the_task_text_trusts_the_bare_address() -> None:
    trusted = TrustedSources.build("Invite 'sarah@corp.com' to the offsite", None)

    (dest,) = destinations("create_calendar_event", {"attendees": ["'sarah@corp.com'"]})

    assert dest.value == "sarah@corp.com"
    assert trusted.allows(dest)


@pytest.mark.parametrize(
    ("written", "channel"),
    [
        ("#General", "general"),
        ("general", "general"),
        ("'#dev-ops'", "dev-ops"),
        ("C0123ABCD", "C0123ABCD"),
    ],
)
def test_one_channel_is_normalised(written: str, channel: str) -> None:
    assert parse_channel(written) == channel


@pytest.mark.parametrize("written", ["#general, #random", "#general #random", "", "##general"])
def test_a_value_that_is_not_one_channel_is_refused(written: str) -> None:
    with pytest.raises(AmbiguousDestination):
        parse_channel(written)


@pytest.mark.parametrize(
    ("written", "netloc", "url"),
    [
        ("https://Example.COM/a?b#c", "example.com", "https://example.com/a?b#c"),
        ("http://example.com:80", "example.com", "http://example.com/"),
        ("https://example.com:8443/x", "example.com:8443", "https://example.com:8443/x"),
        ("http://b\u00fccher.example/", "xn--bcher-kva.example", "http://xn--bcher-kva.example/"),
        ("http://example\u3002com/", "example.com", "http://example.com/"),
        ("http://127.0.0.1:8080/x", "127.0.0.1:8080", "http://127.0.0.1:8080/x"),
        ("http://[0:0::1]:81/", "[::1]:81", "http://[::1]:81/"),
        ("http://example.com/@evil.com", "example.com", "http://example.com/@evil.com"),
    ],
)
def test_url_is_normalised_to_the_host_a_browser_contacts(
    written: str, netloc: str, url: str
) -> None:
    address = parse_url(written)

    assert (address.netloc, address.url) == (netloc, url)


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("http://example.com\\@evil.com/", "backslash"),
        ("http://example.com@evil.com/", "user names"),
        ("http://user:pw@example.com/", "user names"),
        ("http://%65vil.com/", "percent-encoded"),
        ("http://127.1/", "plain dotted IPv4"),
        ("http://0x7f.0.0.1/", "plain dotted IPv4"),
        ("http://2130706433/", "plain dotted IPv4"),
        ("http:///evil.com/", "expected http://host"),
        ("http:evil.com", "expected http://host"),
        ("javascript:alert(1)", "only http and https"),
        ("example.com/page", "not a URL"),
        ("http://exa mple.com/", "spaces"),
        ("http://exa\tmple.com/", "spaces or control"),
        ("http://example.com:99999/", "port"),
        ("http://xn--zz.com/", "punycode"),
    ],
)
def test_url_a_browser_might_read_differently_is_refused(written: str, why: str) -> None:
    with pytest.raises(AmbiguousDestination, match=why):
        parse_url(written)


def test_url_with_a_port_in_the_task_trusts_only_that_port() -> None:
    trusted = TrustedSources.build("Read http://127.0.0.1:8080/report", None)

    (same,) = destinations("open_url", {"url": "http://127.0.0.1:8080/other"})
    (other,) = destinations("open_url", {"url": "http://127.0.0.1:9090/report"})

    assert trusted.allows(same) and not trusted.allows(other)


def test_browser_egress_allows_trusted_hosts_and_the_approved_url_only() -> None:
    trusted = TrustedSources.build("Book a table on https://rosa.example/book", None)
    # A person's edit at approval moved the form to another site: that site is approved too.
    egress = TaskEgress(trusted, frozenset({"tables.example:8080"}))

    assert egress.allows("https://rosa.example/img/logo.png")
    assert egress.allows("http://tables.example:8080/submit")
    assert not egress.allows("http://tables.example/submit")
    assert not egress.allows("https://evil.example/collect?d=1")
    assert not egress.allows("https://rosa.example\\@evil.example/")
