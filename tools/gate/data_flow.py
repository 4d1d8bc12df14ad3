"""The data-flow rule's terms: where a call sends something (its destinations) and which
destinations a person vouched for (the task's text and the organization's allowlist).

The policy gate (tools.gate.policy) denies a call with a destination no trusted source names, so
an address, channel or site that appears only in content an agent read never receives
anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tools.gate.destinations import (
    SLACK_ID,
    AmbiguousDestination,
    emails_in_text,
    parse_channel,
    parse_email,
    parse_url,
)


@dataclass(frozen=True)
class Destination:
    """Where a call sends something: an email address, a chat channel or a web host."""

    kind: str
    """email | channel | host"""
    value: str
    """Normalized: a lower-case address, a channel name without '#', or host[:port]."""


def _emails(args: dict[str, Any], *names: str) -> list[Destination]:
    found = []
    for name in names:
        for value in args.get(name) or []:
            found.append(Destination("email", parse_email(str(value))))
    return found


def _host(args: dict[str, Any]) -> list[Destination]:
    return [Destination("host", parse_url(str(args["url"])).netloc)]


#: The destinations of every tool that has any. Every side-effecting tool must be listed
#: (a test checks it), so the data-flow rule sees each one.
DESTINATIONS: dict[str, Callable[[dict[str, Any]], list[Destination]]] = {
    "draft_email": lambda a: _emails(a, "to", "cc"),
    "send_email": lambda a: _emails(a, "to", "cc"),
    "create_calendar_event": lambda a: _emails(a, "attendees"),
    "post_slack_message": lambda a: [Destination("channel", parse_channel(str(a["channel"])))],
    "fill_form": _host,
    "click": _host,
    # Opening a page sends its URL (query string included) to that host: a read can leak too.
    "open_url": _host,
    "screenshot": _host,
}


def destinations(tool: str, args: dict[str, Any]) -> list[Destination]:
    """Every destination of one call (empty for tools that send nothing anywhere).

    Raises AmbiguousDestination when a value does not name exactly one destination."""
    extract = DESTINATIONS.get(tool)
    return extract(args) if extract else []


_EMAIL = re.compile(r"[^\s<>,;:()\[\]{}\"]+@[^\s<>,;:()\[\]{}\"]+")
_CHANNEL_REF = re.compile(r"(?<![\w&])#([A-Za-z0-9][\w.\-]*)")
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
        emails = emails_in_text(text)
        without_emails = _EMAIL.sub(" ", text)
        channels = {
            c for m in _CHANNEL_REF.finditer(text) if (c := _maybe(parse_channel, m.group(1)))
        }
        channels |= set(SLACK_ID.findall(text))
        hosts = {
            h.netloc
            for m in _URL.finditer(without_emails)
            if (h := _maybe(parse_url, m.group(0).rstrip(".,;:!?")))
        }
        for match in _DOMAIN.finditer(_URL.sub(" ", without_emails)):
            host = match.group(1).lower()
            hosts.add(f"{host}:{match.group(2)}" if match.group(2) else host)
        return cls(
            emails=frozenset(
                emails | {e for v in _strings(allow.get("emails")) if (e := _maybe(parse_email, v))}
            ),
            domains=frozenset(d.lower().lstrip("@.") for d in _strings(allow.get("domains"))),
            channels=frozenset(
                channels
                | {c for v in _strings(allow.get("channels")) if (c := _maybe(parse_channel, v))}
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


def _maybe(parse: Callable[[str], Any], value: str) -> Any:
    """parse(value), or None when it is not one destination (trusted text is free prose)."""
    try:
        return parse(value)
    except AmbiguousDestination:
        return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value or [] if str(v).strip()]


@dataclass
class TaskEgress:
    """The data-flow rule as a browser's egress check for one task (the `Egress` protocol):
    a page may send requests only to hosts a trusted source names. Refusals are kept for the
    task's execution log (method, kind, host and the URL without its query)."""

    trusted: TrustedSources
    approved_hosts: frozenset[str] = frozenset()
    """host[:port] of the call's own URL, which the gate (or a person's edit) approved."""
    refusals: list[dict[str, str]] = field(default_factory=list)

    def allows(self, url: str) -> bool:
        try:
            host = parse_url(url).netloc
        except AmbiguousDestination:
            return False
        return host in self.approved_hosts or self.trusted.allows(Destination("host", host))

    def refused(self, url: str, kind: str, method: str) -> None:
        scheme, _, rest = url.partition("://")
        host = rest.split("/", 1)[0].split("?", 1)[0]
        shown = url.split("?", 1)[0].split("#", 1)[0]
        self.refusals.append(
            {"method": method, "kind": kind, "host": host or scheme, "url": shown[:200]}
        )


def how_to_allow(dest: Destination) -> str:
    """What a person can do to let a call reach this destination."""
    where = {"email": "the address", "channel": "the channel", "host": "the site"}[dest.kind]
    shown = f"#{dest.value}" if dest.kind == "channel" else dest.value
    return (
        f"add {shown} to the task or the organization's allowlist ({where} appears only in "
        "content the agent read)"
    )
