"""Browser settings: which Chromium, offline or not, timeouts, and the host allowlist.

See tools/browser/chromium.py for what each DELEGATE_BROWSER_* variable means.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from store.errors import ConfigurationError
from tools.gate.destinations import AmbiguousDestination, parse_url

EXECUTABLE_VAR = "DELEGATE_BROWSER_EXECUTABLE"
OFFLINE_VAR = "DELEGATE_BROWSER_OFFLINE"
TIMEOUT_VAR = "DELEGATE_BROWSER_TIMEOUT"
ALLOWED_HOSTS_VAR = "DELEGATE_BROWSER_ALLOWED_HOSTS"
DEBIAN_CHROMIUM = "/usr/bin/chromium"
OFFLINE_ARGS = (
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    # Offline, every site is on loopback; a page the egress guard fulfilled counts as public
    # to Chromium, whose local-network checks would then refuse its WebSockets to 127.0.0.1.
    "--disable-features=LocalNetworkAccessChecks",
)

TRUE_WORDS = {"1", "true", "yes", "on"}


def _host_matches(host: str, port: int | None, entry: str) -> bool:
    entry_host, _, entry_port = entry.rpartition(":") if ":" in entry else (entry, "", "")
    if entry_port and (not entry_port.isdigit() or port != int(entry_port)):
        return False
    entry_host = entry_host.lstrip("*").lstrip(".")
    return host == entry_host or host.endswith("." + entry_host)


@dataclass(frozen=True)
class BrowserSettings:
    """How the browser is launched and what it may open (see the module docstring)."""

    executable: str | None = None
    offline: bool = False
    timeout: float = 15.0
    allowed_hosts: frozenset[str] | None = None
    headless: bool = True

    @classmethod
    def from_env(cls) -> BrowserSettings:
        executable = os.environ.get(EXECUTABLE_VAR, "").strip() or None
        if executable is not None and not Path(executable).is_file():
            raise ConfigurationError(
                f"{EXECUTABLE_VAR} points to {executable}, which is not a file"
            )
        if executable is None and Path(DEBIAN_CHROMIUM).is_file():
            executable = DEBIAN_CHROMIUM
        raw_timeout = os.environ.get(TIMEOUT_VAR, "").strip()
        try:
            timeout = float(raw_timeout) if raw_timeout else 15.0
        except ValueError:
            raise ConfigurationError(f"{TIMEOUT_VAR} must be a number of seconds") from None
        if timeout <= 0:
            raise ConfigurationError(f"{TIMEOUT_VAR} must be a positive number of seconds")
        hosts = os.environ.get(ALLOWED_HOSTS_VAR, "")
        allowed = frozenset(h.strip().lower() for h in hosts.split(",") if h.strip())
        return cls(
            executable=executable,
            offline=os.environ.get(OFFLINE_VAR, "").strip().lower() in TRUE_WORDS,
            timeout=timeout,
            allowed_hosts=allowed or None,
        )

    def is_allowed(self, url: str) -> bool:
        """Whether a URL is one http(s) URL (as `parse_url` reads it) and, if an allowlist is
        set, on an allowed host."""
        try:
            address = parse_url(url)
        except AmbiguousDestination:
            return False
        if self.allowed_hosts is None:
            return True
        port = address.port or (443 if address.scheme == "https" else 80)
        return any(_host_matches(address.host, port, e) for e in self.allowed_hosts)
