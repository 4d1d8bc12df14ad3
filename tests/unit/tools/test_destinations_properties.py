"""Property: whatever destination strings an agent proposes, the destinations the client
would contact are a subset of what the gate approved.

For mail, "would contact" is read as Gmail reads it: the MIME message the builder makes,
parsed back with the standard library's email parser. For URLs, as urllib reads the URL the
browser opens (tests/browser/test_url_properties_chromium.py asks Chromium itself).
"""

from __future__ import annotations

import email
import email.policy
from email.utils import getaddresses
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fixtures.destination_strings import RECIPIENT, URL
from tools.email.message import build_message
from tools.gate.data_flow import destinations
from tools.gate.destinations import AmbiguousDestination, parse_url

QUICK = settings(max_examples=150, deadline=None)


def _header_addresses(to: list[str], cc: list[str]) -> set[str]:
    message = build_message(to, "Subject", "Body", message_id="<m@x>", cc=cc)
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    headers = [str(v) for name in ("To", "Cc", "Bcc") for v in parsed.get_all(name) or []]
    return {address.lower() for _name, address in getaddresses(headers) if address}


@QUICK
@given(st.lists(RECIPIENT, min_size=1, max_size=3), st.lists(RECIPIENT, max_size=2))
def test_mail_goes_only_to_addresses_the_gate_approved(to: list[str], cc: list[str]) -> None:
    try:
        approved = {d.value for d in destinations("send_email", {"to": to, "cc": cc})}
    except AmbiguousDestination:
        approved = set()
    try:
        contacted = _header_addresses(to, cc)
    except AmbiguousDestination:
        contacted = set()  # nothing is built, so nothing is sent

    assert contacted <= approved
    assert bool(contacted) == bool(approved)


@QUICK
@given(URL)
def test_url_opened_is_on_the_host_the_gate_approved(url: str) -> None:
    try:
        (approved,) = destinations("open_url", {"url": url})
    except AmbiguousDestination:
        return  # refused: the browser is never asked to open it
    opened = urlsplit(parse_url(url).url)  # what the browser is given

    assert opened.username is None and opened.password is None
    host = opened.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if opened.port is not None:
        netloc += f":{opened.port}"
    assert netloc == approved.value


@QUICK
@given(RECIPIENT)
def test_parsing_a_parsed_destination_changes_nothing(value: str) -> None:
    try:
        (first,) = destinations("send_email", {"to": [value]})
    except AmbiguousDestination:
        return
    (again,) = destinations("send_email", {"to": [first.value]})
    assert again == first
