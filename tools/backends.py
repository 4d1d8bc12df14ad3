"""The backend protocols every tool is written against, and how a backend is chosen.

Each service has a sandbox implementation (rows in the store, per organization; the default)
and a real one over the provider's official client. A tool never knows which it has.
Plain dicts keep the protocols free of any one provider's types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from store.redaction import redact


@dataclass(frozen=True)
class ReplyTarget:
    """The email a message answers: its RFC 822 Message-ID (for In-Reply-To and References)
    and the mailbox's id of its conversation (Gmail's threadId; '' when there is none)."""

    message_id: str = ""
    thread_id: str = ""
    subject: str = ""
    """The answered email's subject (the reply's is "Re: <subject>")."""

    @classmethod
    def from_context(cls, value: Any) -> ReplyTarget | None:
        """The target a task's ai_context["reply_to"] names, or None when it names none."""
        if not isinstance(value, dict) or not (value.get("message_id") or value.get("thread_id")):
            return None
        return cls(
            message_id=str(value.get("message_id") or ""),
            thread_id=str(value.get("thread_id") or ""),
            subject=str(value.get("subject") or ""),
        )


class Mailbox(Protocol):
    """Gmail or the sandbox mailbox."""

    def create_draft(
        self,
        to: list[str],
        subject: str,
        body: str,
        cc: list[str] | None = None,
        *,
        reply_to: ReplyTarget | None = None,
    ) -> dict[str, Any]:
        """Save a draft (in the answered email's thread when `reply_to`); returns {"id",
        "message_id"}."""
        ...

    def send(
        self,
        to: list[str],
        subject: str,
        body: str,
        cc: list[str] | None = None,
        message_id: str | None = None,
        *,
        reply_to: ReplyTarget | None = None,
    ) -> dict[str, Any]:
        """Send a message with this RFC 822 Message-ID (in the answered email's thread when
        `reply_to`); returns {"id", "message_id"}."""
        ...

    def find_sent(self, message_id: str) -> dict[str, Any] | None:
        """The sent message with this Message-ID, if one went out (idempotency check)."""
        ...

    def search(self, query: str, max_results: int = 10) -> list[dict[str, Any]]:
        """Messages matching a Gmail-style query: [{"id", "from", "to", "subject", "snippet",
        "date"}]."""
        ...

    def read(self, message_id: str) -> dict[str, Any]:
        """One message: {"id", "from", "to", "subject", "body", "date"}."""
        ...


class Inbox(Protocol):
    """What the autopilot reads of a mailbox: mail waiting in the inbox, and whether we
    answered it (Gmail or the sandbox mailbox)."""

    def received(
        self, after: datetime, before: datetime, max_results: int = 20
    ) -> list[dict[str, Any]]:
        """Inbox messages received in [after, before), newest first: {"id", "thread_id",
        "message_id", "from", "to", "subject", "body", "date", "bulk_headers"}."""
        ...

    def answered(self, message: dict[str, Any]) -> bool:
        """Whether a message of ours went out in this message's thread after it arrived."""
        ...


class Calendar(Protocol):
    """Google Calendar or the sandbox calendar (the primary calendar)."""

    def list_events(
        self, time_min: datetime, time_max: datetime, max_results: int = 50
    ) -> list[dict[str, Any]]:
        """Events overlapping the window: [{"id", "summary", "start", "end", "attendees",
        "description", "location", "organizer", "organized_by_me"}] with ISO-8601 times."""
        ...

    def create_event(
        self,
        event_id: str,
        summary: str,
        start: datetime,
        end: datetime,
        attendees: list[str] | None = None,
        description: str = "",
        location: str = "",
    ) -> dict[str, Any]:
        """Create an event with a client-chosen id (creating it twice is a no-op)."""
        ...


class Chat(Protocol):
    """Slack or the sandbox channel log."""

    def post_message(
        self,
        channel: str,
        text: str,
        thread_ts: str | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Post (marked with `idempotency_key` if given); returns {"channel", "ts"}."""
        ...

    def find_posted(
        self, channel: str, idempotency_key: str, thread_ts: str | None = None
    ) -> dict[str, Any] | None:
        """The message posted under `idempotency_key`, or None if none was; raises
        OutcomeUnknown when the channel's record cannot tell."""
        ...

    def list_channels(self, limit: int = 200) -> list[dict[str, Any]]:
        """[{"id", "name"}]"""
        ...

    def lookup_user(self, email: str) -> dict[str, Any]:
        """{"id", "name", "real_name", "email"}"""
        ...


class Egress(Protocol):
    """Where the pages of one task may send requests (the data-flow rule), and the record of
    what was refused."""

    def allows(self, url: str) -> bool:
        """Whether a request to this http(s) URL may be made."""
        ...

    def refused(self, url: str, kind: str, method: str) -> None:
        """Record a request that was stopped (kind: document, image, fetch, websocket, ...)."""
        ...


class Browser(Protocol):
    """A real browser (Playwright) behind a host allowlist and timeouts. With `egress`, every
    request a page makes is checked against it first."""

    def open(self, url: str, *, egress: Egress | None = None) -> dict[str, Any]:
        """{"url", "title", "text"}: the page's readable text."""
        ...

    def fill_form(
        self,
        url: str,
        fields: dict[str, str],
        submit_selector: str | None = None,
        *,
        egress: Egress | None = None,
    ) -> dict[str, Any]:
        """Fill fields (by label, name or CSS selector); optionally submit."""
        ...

    def click(self, url: str, selector: str, *, egress: Egress | None = None) -> dict[str, Any]:
        """Click an element (by text or CSS selector); returns the resulting page."""
        ...

    def screenshot(self, url: str, path: str, *, egress: Egress | None = None) -> dict[str, Any]:
        """Save a PNG of the page at `path`."""
        ...


class ProviderError(Exception):
    """A provider refused a request (4xx) or kept failing (5xx/429 after retries).

    `retryable` is False for 4xx: retrying cannot help, so the task fails with `reason`.
    The reason is redacted here: a provider that echoes a credential in its error would
    otherwise put it into every place the exception is written (a LangGraph server stores
    a failed step's error, by its repr, in the thread's checkpoints).
    """

    def __init__(
        self, service: str, reason: str, *, status: int | None = None, retryable: bool = False
    ) -> None:
        reason = redact(reason)
        self.service = service
        self.reason = reason
        self.status = status
        self.retryable = retryable
        super().__init__(f"{service}: {reason}" + (f" (HTTP {status})" if status else ""))


class OutcomeUnknown(ProviderError):
    """The provider's record was read and still cannot say whether a call happened (so a
    person must check: acting again could repeat it, not acting could drop it)."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(service, reason, retryable=False)
