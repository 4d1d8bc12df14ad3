"""The data-flow rule's terms: where a call sends something (its destinations) and which
destinations a person vouched for (the task's text and the organization's allowlist).

The policy gate (tools.gate.policy) denies a call with a destination no trusted source names, so
an address, channel or site that appears only in content an agent read never receives
anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Destination:
    """Where a call sends something: an email address, a chat channel or a web host."""

    kind: str
    """email | channel | host"""
    value: str
    """Normalized: a lower-case address, a channel name without '#', or host[:port]."""


def email_address(value: str) -> str:
    """The bare, lower-case address of "Name <a@b>" or "a@b"."""
    return (parseaddr(value)[1] or value).strip().lower()


def is_email_address(value: str) -> bool:
    """Whether `value` is one bare address as the data-flow rule recognizes addresses."""
    return _EMAIL.fullmatch(value) is not None


def channel_name(value: str) -> str:
    """A channel as compared: no leading '#', lower case (ids keep their case)."""
    bare = value.strip().lstrip("#").strip()
    return bare if _CHANNEL_ID.fullmatch(bare) else bare.lower()


def url_host(url: str) -> str:
    """host[:port] of a URL (the port only when the URL names one)."""
    parts = urlsplit(url.strip() if "://" in url else f"http://{url.strip()}")
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


def _emails(args: dict[str, Any], *names: str) -> list[Destination]:
    found = []
    for name in names:
        for value in args.get(name) or []:
            found.append(Destination("email", email_address(str(value))))
    return found


#: The destinations of every tool that has any. Every side-effecting tool must be listed
#: (a test checks it), so the data-flow rule sees each one.
DESTINATIONS: dict[str, Callable[[dict[str, Any]], list[Destination]]] = {
    "draft_email": lambda a: _emails(a, "to", "cc"),
    "send_email": lambda a: _emails(a, "to", "cc"),
    "create_calendar_event": lambda a: _emails(a, "attendees"),
    "post_slack_message": lambda a: [Destination("channel", channel_name(str(a["channel"])))],
    "fill_form": lambda a: [Destination("host", url_host(str(a["url"])))],
    "click": lambda a: [Destination("host", url_host(str(a["url"])))],
    # Opening a page sends its URL (query string included) to that host: a read can leak too.
    "open_url": lambda a: [Destination("host", url_host(str(a["url"])))],
    "screenshot": lambda a: [Destination("host", url_host(str(a["url"])))],
}


def destinations(tool: str, args: dict[str, Any]) -> list[Destination]:
    """Every destination of one call (empty for tools that send nothing anywhere)."""
    extract = DESTINATIONS.get(tool)
    return extract(args) if extract else []


_EMAIL = re.compile(r"[\w.%+'\-]+@[\w\-]+(?:\.[\w\-]+)+", re.UNICODE)
_CHANNEL_REF = re.compile(r"(?<![\w&])#([A-Za-z0-9][\w.\-]*)")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{8,}")
_URL = re.compile(r"https?://[^\s<>\"'()\[\]]+", re.IGNORECASE)
_DOMAIN = re.compile(r"(?<![\w@.\-])((?:[a-z0-9\-]+\.)+[a-z]{2,})(?::(\d+))?\b", re.IGNORECASE)


@dataclass(frozen=True)
class TrustedSources:
    """What a person vouched for: the task's own text and the organization's allowlist."""

    emails: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    hosts: frozenset[str] = frozenset()
    """Entries `host` (any port, subdomains too) or `host:port`."""
    text_hosts: frozenset[str] = frozenset()
    """Hosts named in the task text: `host:port` from a URL with a port, else `host`."""

    @classmethod
    def build(cls, task_text: str, allowlist: dict[str, Any] | None) -> TrustedSources:
        """Trusted destinations from the task text and an allowlist dict."""
        allow = allowlist or {}
        text = task_text or ""
        emails = {m.group(0).lower().rstrip(".") for m in _EMAIL.finditer(text)}
        without_emails = _EMAIL.sub(" ", text)
        channels = {channel_name(m.group(1).rstrip(".")) for m in _CHANNEL_REF.finditer(text)}
        channels |= set(_CHANNEL_ID.findall(text))
        hosts = {url_host(m.group(0).rstrip(".,;:!?")) for m in _URL.finditer(without_emails)}
        for match in _DOMAIN.finditer(_URL.sub(" ", without_emails)):
            host = match.group(1).lower()
            hosts.add(f"{host}:{match.group(2)}" if match.group(2) else host)
        return cls(
            emails=frozenset(emails | {email_address(e) for e in _strings(allow.get("emails"))}),
            domains=frozenset(d.lower().lstrip("@.") for d in _strings(allow.get("domains"))),
            channels=frozenset(
                channels | {channel_name(c) for c in _strings(allow.get("channels"))}
            ),
            hosts=frozenset(h.lower() for h in _strings(allow.get("hosts"))),
            text_hosts=frozenset(h for h in hosts if h),
        )

    def allows(self, dest: Destination) -> bool:
        """Whether a person vouched for this destination."""
        if dest.kind == "email":
            domain = dest.value.rpartition("@")[2]
            return dest.value in self.emails or any(
                domain == d or domain.endswith("." + d) for d in self.domains
            )
        if dest.kind == "channel":
            return dest.value in self.channels
        if dest.kind == "host":
            host, _, port = dest.value.partition(":")
            # A task naming a bare host trusts any port of it; a URL with a port, that port.
            if dest.value in self.text_hosts or host in self.text_hosts:
                return True
            return any(_host_entry_matches(host, port, entry) for entry in self.hosts)
        return False


def _host_entry_matches(host: str, port: str, entry: str) -> bool:
    entry_host, _, entry_port = entry.partition(":")
    if entry_port and entry_port != port:
        return False
    return host == entry_host or host.endswith("." + entry_host)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value or [] if str(v).strip()]


def how_to_allow(dest: Destination) -> str:
    """What a person can do to let a call reach this destination."""
    where = {"email": "the address", "channel": "the channel", "host": "the site"}[dest.kind]
    shown = f"#{dest.value}" if dest.kind == "channel" else dest.value
    return (
        f"add {shown} to the task or the organization's allowlist ({where} appears only in "
        "content the agent read)"
    )
