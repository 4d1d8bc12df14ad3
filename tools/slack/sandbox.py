"""The sandbox Slack: a per-organization channel log in the store, behind the `Chat` protocol.

It behaves like a small Slack workspace so the whole loop works offline:

- Channels are the defaults (#general, #random, #announcements) plus every channel that
  has messages; posting to a new, well-formed name creates it. Names are accepted with or
  without '#', case-insensitively; a channel's id ("C" + 10 hex digits) is stable per name.
- `ts` values look like Slack's ("1700000000.000100") and strictly increase within an
  organization, so they order the log and identify a message (and a thread).
- `lookup_user` answers from an invented directory: any well-formed address resolves to a
  user whose id is "U" + a stable hash of the address and whose name is its local part.
  Nothing is looked up anywhere; it exists so lookups behave plausibly offline.
- Errors use Slack's error codes (`channel_not_found`, `no_text`, `msg_too_long`,
  `thread_not_found`, `users_not_found`) in a `ProviderError("slack", ...)`, like the real
  backend, so tools handle both the same way.
"""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.db import Database
from store.errors import NotFound
from store.models import Organization, SandboxChatMessage
from tools.backends import ProviderError
from tools.gate.destinations import AmbiguousDestination, parse_channel

DEFAULT_CHANNELS: tuple[str, ...] = ("general", "random", "announcements")
MAX_TEXT_LENGTH = 40_000
"""Slack truncates/refuses longer messages; the sandbox refuses with `msg_too_long`."""

_CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
_CHANNEL_ID = re.compile(r"^C[0-9A-F]{10}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _unquoted_channel(channel: str) -> str:
    """The channel as parse_channel (the gate's parser) reads it, or as given if it cannot."""
    try:
        return parse_channel(channel)
    except AmbiguousDestination:
        return channel.strip()


def channel_id_for(name: str) -> str:
    """The sandbox id of a channel name: stable, Slack-shaped ("C" + 10 hex digits)."""
    return "C" + hashlib.sha256(f"channel:{name}".encode()).hexdigest()[:10].upper()


def normalize_channel_name(channel: str) -> str:
    """'#General ' -> 'general'; raises ProviderError(`invalid_name`) for a malformed name."""
    try:
        name = parse_channel(channel)
    except AmbiguousDestination:
        name = ""
    if not _CHANNEL_NAME.match(name):
        raise ProviderError("slack", f"invalid_name: {channel!r} is not a channel name")
    return name


def sandbox_user(email: str) -> dict[str, Any]:
    """The invented directory entry for an address (see the module docstring)."""
    address = email.strip().lower()
    if not _EMAIL.match(address):
        raise ProviderError("slack", "users_not_found")
    local = address.split("@", 1)[0]
    words = [w for w in re.split(r"[._+-]+", local) if w]
    return {
        "id": "U" + hashlib.sha256(f"user:{address}".encode()).hexdigest()[:10].upper(),
        "name": local,
        "real_name": " ".join(w.capitalize() for w in words) or local,
        "email": address,
    }


def _ts_to_micros(ts: str) -> int:
    seconds, _, fraction = ts.partition(".")
    return int(seconds) * 1_000_000 + int(fraction.ljust(6, "0")[:6])


def _micros_to_ts(micros: int) -> str:
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def _message_dict(row: SandboxChatMessage) -> dict[str, Any]:
    return {
        "channel": row.channel,
        "channel_id": channel_id_for(row.channel),
        "ts": row.ts,
        "user": row.user,
        "text": row.text,
        "thread_ts": row.thread_ts,
    }


class SandboxChat:
    """The `Chat` protocol over `SandboxChatMessage` rows of one organization."""

    def __init__(self, db: Database, org_id: str, *, user: str = "delegate") -> None:
        self.db = db
        self.org_id = org_id
        self.user = user

    # -- Chat protocol -------------------------------------------------------------------

    def post_message(
        self,
        channel: str,
        text: str,
        thread_ts: str | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Append a message; returns {"channel": id, "channel_name", "ts"}."""
        if not text or not text.strip():
            raise ProviderError("slack", "no_text")
        if len(text) > MAX_TEXT_LENGTH:
            raise ProviderError("slack", "msg_too_long")
        with self.db.session(self.org_id) as session:
            # Locking the organization row serialises posts per org, so `ts` stays unique and
            # increasing on PostgreSQL too (SQLite already serialises writers).
            org = session.get(Organization, self.org_id, with_for_update=True)
            if org is None:
                raise NotFound(f"no organization {self.org_id!r}")
            name = self._resolve(session, channel)
            if thread_ts is not None and not self._exists(session, name, thread_ts):
                raise ProviderError("slack", "thread_not_found")
            ts = self._next_ts(session)
            session.add(
                SandboxChatMessage(
                    org_id=self.org_id,
                    channel=name,
                    user=self.user,
                    text=text,
                    ts=ts,
                    thread_ts=thread_ts,
                    idempotency_key=idempotency_key,
                )
            )
        return {"channel": channel_id_for(name), "channel_name": name, "ts": ts}

    def find_posted(
        self, channel: str, idempotency_key: str, thread_ts: str | None = None
    ) -> dict[str, Any] | None:
        """The message posted under `idempotency_key` in this channel, or None."""
        with self.db.session(self.org_id) as session:
            name = self._resolve(session, channel)
            ts = session.scalars(
                select(SandboxChatMessage.ts)
                .where(SandboxChatMessage.org_id == self.org_id)
                .where(SandboxChatMessage.idempotency_key == idempotency_key)
                .where(SandboxChatMessage.channel == name)
            ).first()
        if ts is None:
            return None
        return {"channel": channel_id_for(name), "channel_name": name, "ts": ts}

    def list_channels(self, limit: int = 200) -> list[dict[str, Any]]:
        """The default channels plus every channel with messages: [{"id", "name"}] by name."""
        with self.db.session(self.org_id) as session:
            names = set(DEFAULT_CHANNELS) | self._used_channels(session)
        return [{"id": channel_id_for(n), "name": n} for n in sorted(names)[: max(limit, 0)]]

    def lookup_user(self, email: str) -> dict[str, Any]:
        """{"id", "name", "real_name", "email"} from the invented sandbox directory."""
        return sandbox_user(email)

    # -- for people looking at the sandbox ------------------------------------------------

    def history(self, channel: str, limit: int = 20) -> list[dict[str, Any]]:
        """The channel's latest `limit` messages, oldest first (threads inline)."""
        with self.db.session(self.org_id) as session:
            name = self._resolve(session, channel)
            rows = session.scalars(
                select(SandboxChatMessage)
                .where(SandboxChatMessage.org_id == self.org_id)
                .where(SandboxChatMessage.channel == name)
                .order_by(SandboxChatMessage.ts.desc())
                .limit(max(limit, 0))
            ).all()
        return [_message_dict(r) for r in reversed(rows)]

    # -- internals ------------------------------------------------------------------------

    def _used_channels(self, session: Session) -> set[str]:
        return set(
            session.scalars(
                select(SandboxChatMessage.channel)
                .where(SandboxChatMessage.org_id == self.org_id)
                .distinct()
            ).all()
        )

    def _resolve(self, session: Session, channel: str) -> str:
        """A channel id or name -> the stored name (an unknown id is `channel_not_found`)."""
        candidate = _unquoted_channel(channel)
        if _CHANNEL_ID.match(candidate):
            for name in set(DEFAULT_CHANNELS) | self._used_channels(session):
                if channel_id_for(name) == candidate:
                    return name
            raise ProviderError("slack", "channel_not_found")
        return normalize_channel_name(candidate)

    def _exists(self, session: Session, channel: str, ts: str) -> bool:
        found = session.scalars(
            select(SandboxChatMessage.id)
            .where(SandboxChatMessage.org_id == self.org_id)
            .where(SandboxChatMessage.channel == channel)
            .where(SandboxChatMessage.ts == ts)
        ).first()
        return found is not None

    def _next_ts(self, session: Session) -> str:
        # Every ts has 10 digits of seconds and 6 of microseconds, so string order is
        # numeric order (until the year 2286).
        last = session.scalars(
            select(SandboxChatMessage.ts)
            .where(SandboxChatMessage.org_id == self.org_id)
            .order_by(SandboxChatMessage.ts.desc())
            .limit(1)
        ).first()
        now = time.time_ns() // 1_000
        if last is not None:
            now = max(now, _ts_to_micros(last) + 1)
        return _micros_to_ts(now)
