"""The one parser for destinations: email addresses, Slack channels and web URLs.

The policy gate checks what these functions return, and the code that builds each provider
request (the MIME headers, the Calendar attendees, the Slack `channel`, the URL the browser
opens) sends exactly what they return, so the gate approves the very list the client sends.

Each parser takes one value that must name one destination. Quotes, angle brackets, display
names, a `mailto:` prefix and case are normalised; anything that could be read as a second
destination or read differently by the provider (a comma, a semicolon, userinfo in a URL, a
backslash, a percent-encoded or non-canonical host) raises `AmbiguousDestination` with the
reason. Refusing a rare legitimate spelling is the price of never sending somewhere the gate
did not see.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import idna
from pydantic import AfterValidator

from store.errors import InvalidInput


class AmbiguousDestination(InvalidInput):
    """A value that does not parse to exactly one destination; the message says why."""


#: Quote marks a person or a model may wrap an address or channel in.
_QUOTES = "\"'`\u2018\u2019\u201c\u201d\u00ab\u00bb\u2039\u203a"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0080-\u009f\u2028\u2029]")

# --- email ---------------------------------------------------------------------------------

#: A local part of letters, digits and `.`, `_`, `+`, `'`, `-`: nothing a mail header or an
#: MTA reads as a separator, a comment, an encoded word or a route.
_LOCAL = r"[a-z0-9_+'\-]+(?:\.[a-z0-9_+'\-]+)*"
_LABEL = r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?"
_ADDRESS = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})*")
_DISPLAY_FORM = re.compile(r"(?P<name>[^<>]*)<(?P<address>[^<>]*)>")


def _unquote(value: str) -> str:
    """Strip whitespace and any quote marks wrapped around a value."""
    previous = None
    while previous != value:
        previous = value
        value = value.strip().strip(_QUOTES)
    return value


def parse_email(value: str) -> str:
    """The one lower-case address `value` names: `a@b`, `'a@b'`, `<a@b>`, `Name <a@b>`,
    `mailto:a@b`. Raises AmbiguousDestination for anything else."""
    shown = value.strip()[:120]
    if _CONTROL.search(value):
        raise AmbiguousDestination(f"{shown!r} contains control characters")
    text = _unquote(value)
    display = _DISPLAY_FORM.fullmatch(text)
    if display is not None:
        name = display.group("name")
        if any(mark in name for mark in "@,;:"):
            raise AmbiguousDestination(
                f"{shown!r}: a display name may not hold '@', ',', ';' or ':'"
            )
        text = _unquote(display.group("address"))
    elif "<" in text or ">" in text:
        raise AmbiguousDestination(f"{shown!r} is not one address (stray '<' or '>')")
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    address = text.lower()
    if _ADDRESS.fullmatch(address) and len(address) <= 254:
        return address
    if not address:
        raise AmbiguousDestination("an empty email address")
    if any(mark in address for mark in ",;") or len(address.split()) > 1:
        raise AmbiguousDestination(
            f"{shown!r} holds more than one address; give each address separately"
        )
    if address.count("@") != 1:
        raise AmbiguousDestination(f"{shown!r} is not one address (it needs exactly one '@')")
    raise AmbiguousDestination(
        f"{shown!r} is not a plain address (name@domain, ASCII letters, digits and . _ + ' -)"
    )


def parse_emails(values: list[str]) -> list[str]:
    """Each value as one address (see parse_email), duplicates dropped, order kept."""
    found: list[str] = []
    for value in values:
        address = parse_email(value)
        if address not in found:
            found.append(address)
    return found


_EMAIL_CANDIDATE = re.compile(r"[^\s<>,;:()\[\]{}\"]+@[^\s<>,;:()\[\]{}\"]+")


def emails_in_text(text: str) -> set[str]:
    """Every address a person wrote in free text, normalised as parse_email does."""
    found = set()
    for match in _EMAIL_CANDIDATE.finditer(text or ""):
        candidate = _unquote(match.group(0)).rstrip(".!?" + _QUOTES)
        try:
            found.add(parse_email(candidate))
        except AmbiguousDestination:
            continue
    return found


# --- Slack ---------------------------------------------------------------------------------

#: Channel (C), private group (G), DM (D) or user (U, W: a direct message) ids.
SLACK_ID = re.compile(r"[CGDUW][A-Z0-9]{8,}")
_CHANNEL_NAME = re.compile(r"[a-z0-9][a-z0-9_\-.]{0,79}")


def parse_channel(value: str) -> str:
    """One Slack conversation: an id as given ("C0123ABCD"), else a lower-case name without
    its '#'. Raises AmbiguousDestination for anything else ("#a, #b", "#a #b", "")."""
    shown = value.strip()[:120]
    if _CONTROL.search(value):
        raise AmbiguousDestination(f"{shown!r} contains control characters")
    text = _unquote(value)
    text = text[1:] if text.startswith("#") else text
    if SLACK_ID.fullmatch(text):
        return text
    name = text.lower()
    if _CHANNEL_NAME.fullmatch(name):
        return name
    if not name:
        raise AmbiguousDestination("an empty Slack channel")
    if any(mark in name for mark in ",;#") or len(name.split()) > 1:
        raise AmbiguousDestination(f"{shown!r} names more than one channel; post to each alone")
    raise AmbiguousDestination(
        f"{shown!r} is not a Slack channel name (lower-case letters, digits, - _ .) or id"
    )


# --- URLs ----------------------------------------------------------------------------------

_DEFAULT_PORTS = {"http": 80, "https": 443}
_SCHEME = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*):(?P<rest>.*)", re.DOTALL)
_HOST_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_\-]*[a-z0-9_])?")
_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)")
_IPV4_OCTET = re.compile(r"0|[1-9][0-9]{0,2}")


@dataclass(frozen=True)
class WebAddress:
    """A parsed http(s) URL: the host as a browser will contact it, and the URL to open."""

    scheme: str
    host: str
    """ASCII, lower case; IDNA-encoded; an IPv6 address in brackets."""
    port: int | None
    """None for the scheme's default port."""
    rest: str
    """Path, query and fragment as given (at least '/')."""

    @property
    def netloc(self) -> str:
        """host[:port], the port only when it is not the scheme's default."""
        return f"{self.host}:{self.port}" if self.port is not None else self.host

    @property
    def url(self) -> str:
        """The normalised URL: what the browser opens."""
        return f"{self.scheme}://{self.netloc}{self.rest}"


def parse_url(value: str) -> WebAddress:
    """One http(s) URL read the way a browser (WHATWG URL) reads it, or AmbiguousDestination
    where a browser might read another host: userinfo, backslashes, whitespace or control
    characters anywhere, `%` in the host, a host ending in a number that is not a plain
    dotted IPv4 address, a missing or odd `//`."""
    shown = value.strip()[:200]
    text = value.strip()
    if not text:
        raise AmbiguousDestination("an empty URL")
    if _CONTROL.search(text) or any(ch.isspace() for ch in text):
        raise AmbiguousDestination(f"{shown!r}: a URL may not contain spaces or control characters")
    if "\\" in text:
        raise AmbiguousDestination(f"{shown!r}: a URL may not contain a backslash")
    parts = _SCHEME.fullmatch(text)
    if parts is None:
        raise AmbiguousDestination(f"{shown!r} is not a URL; give it with http:// or https://")
    scheme = parts.group("scheme").lower()
    if scheme not in _DEFAULT_PORTS:
        raise AmbiguousDestination(f"{shown!r}: only http and https URLs are opened")
    after = parts.group("rest")
    if not after.startswith("//") or after[2:3] in ("/", ""):
        raise AmbiguousDestination(f"{shown!r}: expected {scheme}://host/...")
    after = after[2:]
    end = min((i for i in (after.find(c) for c in "/?#") if i >= 0), default=len(after))
    authority, rest = after[:end], after[end:]
    if "@" in authority:
        raise AmbiguousDestination(f"{shown!r}: user names or passwords in URLs are refused")
    if "%" in authority:
        raise AmbiguousDestination(f"{shown!r}: a percent-encoded host is refused")
    host, port = _split_authority(authority, shown)
    if port == _DEFAULT_PORTS[scheme]:
        port = None
    return WebAddress(scheme, _normalise_host(host, shown), port, rest if rest else "/")


def _split_authority(authority: str, shown: str) -> tuple[str, int | None]:
    if authority.startswith("["):
        host, bracket, tail = authority.partition("]")
        host += bracket
        if not bracket or (tail and not tail.startswith(":")):
            raise AmbiguousDestination(f"{shown!r}: a malformed IPv6 host")
        raw_port = tail[1:] if tail else None
    elif authority.count(":") > 1:
        raise AmbiguousDestination(f"{shown!r}: a malformed host")
    else:
        host, colon, raw_port_text = authority.partition(":")
        raw_port = raw_port_text if colon else None
    if raw_port is None:
        return host, None
    if not raw_port.isascii() or not raw_port.isdigit() or not 0 < int(raw_port) <= 65535:
        raise AmbiguousDestination(f"{shown!r}: the port must be a number from 1 to 65535")
    return host, int(raw_port)


def _normalise_host(host: str, shown: str) -> str:
    if not host:
        raise AmbiguousDestination(f"{shown!r} has no host")
    if host.startswith("["):
        try:
            address = ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise AmbiguousDestination(f"{shown!r}: a malformed IPv6 host") from None
        return f"[{address.compressed}]"
    ascii_host = host.lower()
    if not ascii_host.isascii():
        try:
            ascii_host = idna.encode(host, uts46=True, transitional=False).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError):
            raise AmbiguousDestination(
                f"{shown!r}: the host is not a valid internationalised name"
            ) from None
    labels = ascii_host.split(".")
    if not all(_HOST_LABEL.fullmatch(label) for label in labels) or len(ascii_host) > 253:
        raise AmbiguousDestination(f"{shown!r}: {host!r} is not a valid host name")
    for label in labels:
        if label.startswith("xn--"):
            try:
                idna.decode(label)
            except (idna.IDNAError, UnicodeError, ValueError):
                raise AmbiguousDestination(f"{shown!r}: {label!r} is not valid punycode") from None
    # A browser reads a host ending in a number as IPv4 (127.1, 0x7f.1, 2130706433): only
    # the plain dotted form reads the same everywhere.
    if _NUMERIC_LABEL.fullmatch(labels[-1]) and not (
        len(labels) == 4
        and all(_IPV4_OCTET.fullmatch(label) and int(label) <= 255 for label in labels)
    ):
        raise AmbiguousDestination(f"{shown!r}: a numeric host must be a plain dotted IPv4 address")
    return ascii_host


# --- tool argument types -------------------------------------------------------------------


def _as_value_error(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """pydantic reports ValueError as a validation error naming the field."""

    def check(value: str) -> Any:
        try:
            return parse(value)
        except AmbiguousDestination as exc:
            raise ValueError(str(exc)) from None

    return check


EmailAddress = Annotated[str, AfterValidator(_as_value_error(parse_email))]
"""A tool argument holding one email address, normalised by parse_email."""


def _channel_argument(value: str) -> str:
    channel = parse_channel(value)
    return channel if SLACK_ID.fullmatch(channel) else f"#{channel}"


SlackChannel = Annotated[str, AfterValidator(_as_value_error(_channel_argument))]
"""A tool argument holding one Slack channel, normalised by parse_channel ('#name' or an id)."""
WebUrl = Annotated[str, AfterValidator(_as_value_error(lambda v: parse_url(v).url))]
"""A tool argument holding one http(s) URL, normalised by parse_url."""
