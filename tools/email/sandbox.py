"""The sandbox mailbox: drafts, sent mail and an inbox as rows in the store, per organization."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from store.db import Database
from store.errors import NotFound
from store.models import SandboxEmail
from tools.backends import ReplyTarget
from tools.email.message import normalize_message_id, sender_address, snippet, thread_subject
from tools.email.query import bare_message_id, matches, parse_query
from tools.gate.destinations import parse_emails

#: The address the sandbox mailbox sends from.
SANDBOX_ADDRESS = "delegate@sandbox.local"


def _summary(row: SandboxEmail) -> dict[str, Any]:
    return {
        "id": row.id,
        "message_id": row.message_id,
        "folder": row.folder,
        "from": row.sender,
        "to": list(row.to or []),
        "cc": list(row.cc or []),
        "subject": row.subject,
        "in_reply_to": row.in_reply_to or "",
        "snippet": snippet(row.body),
        "date": row.created_at.isoformat(),
    }


def _full(row: SandboxEmail) -> dict[str, Any]:
    out = _summary(row)
    del out["snippet"]
    out["body"] = row.body
    return out


class SandboxMailbox:
    """A Mailbox over the store: nothing leaves the machine, and each org sees only its own."""

    def __init__(self, db: Database, org_id: str, *, address: str = SANDBOX_ADDRESS) -> None:
        self.db = db
        self.org_id = org_id
        self.address = address

    def _add(
        self,
        folder: str,
        *,
        sender: str,
        to: list[str],
        subject: str,
        body: str,
        cc: list[str] | None = None,
        message_id: str | None = None,
        reply_to: ReplyTarget | None = None,
    ) -> dict[str, Any]:
        row = SandboxEmail(
            org_id=self.org_id,
            folder=folder,
            message_id=normalize_message_id(message_id),
            in_reply_to=reply_to.message_id.strip() if reply_to else "",
            sender=sender,
            to=list(to),
            cc=list(cc or []),
            subject=subject,
            body=body,
        )
        with self.db.session(self.org_id) as session:
            session.add(row)
            session.flush()
            return _full(row)

    def create_draft(
        self,
        to: list[str],
        subject: str,
        body: str,
        cc: list[str] | None = None,
        *,
        reply_to: ReplyTarget | None = None,
    ) -> dict[str, Any]:
        """Save a draft in the drafts folder (each recipient parsed as the gate parsed it;
        a reply names the Message-ID it answers)."""
        return self._add(
            "drafts",
            sender=self.address,
            to=parse_emails(to),
            cc=parse_emails(cc or []),
            subject=subject,
            body=body,
            reply_to=reply_to,
        )

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
        """Put the message in the sent folder (a reply names the Message-ID it answers); a
        Message-ID already sent is not sent twice."""
        if message_id is not None:
            existing = self.find_sent(message_id)
            if existing is not None:
                return existing
        return self._add(
            "sent",
            sender=self.address,
            to=parse_emails(to),
            cc=parse_emails(cc or []),
            subject=subject,
            body=body,
            message_id=message_id,
            reply_to=reply_to,
        )

    def deliver(
        self,
        sender: str,
        to: str | list[str],
        subject: str,
        body: str,
        *,
        cc: list[str] | None = None,
        message_id: str | None = None,
    ) -> dict[str, Any]:
        """Put a message in this org's inbox, as if `sender` had mailed it (seeds demos/tests)."""
        recipients = [to] if isinstance(to, str) else list(to)
        return self._add(
            "inbox",
            sender=sender,
            to=recipients,
            cc=cc,
            subject=subject,
            body=body,
            message_id=message_id,
        )

    def find_sent(self, message_id: str) -> dict[str, Any] | None:
        """The sent message with this Message-ID, or None."""
        wanted = bare_message_id(normalize_message_id(message_id))
        for row in self._rows("sent"):
            if bare_message_id(row.message_id) == wanted:
                return _full(row)
        return None

    def search(self, query: str, max_results: int = 10) -> list[dict[str, Any]]:
        """Messages matching a Gmail-style query, newest first."""
        parsed = parse_query(query)
        folders = parsed.folders()
        found: list[dict[str, Any]] = []
        for row in self._rows(*folders):
            if matches(
                parsed,
                folder=row.folder,
                sender=row.sender,
                to=row.to or [],
                cc=row.cc or [],
                subject=row.subject,
                body=row.body,
                message_id=row.message_id,
                date=_aware(row.created_at),
            ):
                found.append(_summary(row))
                if len(found) >= max_results:
                    break
        return found

    def read(self, message_id: str) -> dict[str, Any]:
        """One message of this org by its id (as `search` returns it)."""
        with self.db.session(self.org_id) as session:
            row = session.get(SandboxEmail, message_id)
            if row is None or row.org_id != self.org_id:
                raise NotFound(f"no message {message_id!r} in the sandbox mailbox")
            return _full(row)

    def received(
        self, after: datetime, before: datetime, max_results: int = 20
    ) -> list[dict[str, Any]]:
        """Inbox messages received in [after, before), newest first (no list headers: the
        sandbox keeps none)."""
        found = []
        for row in self._rows("inbox"):
            if _aware(after) <= _aware(row.created_at) < _aware(before):
                found.append({**_full(row), "thread_id": "", "bulk_headers": {}})
                if len(found) >= max_results:
                    break
        return found

    def answered(self, message: dict[str, Any]) -> bool:
        """Whether we sent a reply to it (In-Reply-To its Message-ID), or sent the sender a
        message of the same conversation (its subject without Re:/Fwd:) after it arrived:
        the sandbox's threads."""
        original = bare_message_id(message.get("message_id") or "")
        sender = sender_address(message.get("from") or "")
        subject = thread_subject(message.get("subject") or "")
        arrived = _aware(datetime.fromisoformat(message["date"]))
        return any(
            (bool(original) and bare_message_id(row.in_reply_to or "") == original)
            or (
                _aware(row.created_at) > arrived
                and thread_subject(row.subject) == subject
                and sender in [a.lower() for a in [*(row.to or []), *(row.cc or [])]]
            )
            for row in self._rows("sent")
        )

    def list_drafts(self, limit: int = 50) -> list[dict[str, Any]]:
        """The newest drafts, with bodies (for people looking at the sandbox)."""
        return [_full(row) for row in self._rows("drafts")[:limit]]

    def list_sent(self, limit: int = 50) -> list[dict[str, Any]]:
        """The newest sent messages, with bodies."""
        return [_full(row) for row in self._rows("sent")[:limit]]

    def list_inbox(self, limit: int = 50) -> list[dict[str, Any]]:
        """The newest inbox messages, with bodies."""
        return [_full(row) for row in self._rows("inbox")[:limit]]

    def _rows(self, *folders: str) -> list[SandboxEmail]:
        statement = select(SandboxEmail).where(SandboxEmail.org_id == self.org_id)
        if folders:
            statement = statement.where(SandboxEmail.folder.in_(folders))
        statement = statement.order_by(SandboxEmail.created_at.desc(), SandboxEmail.id)
        with self.db.session(self.org_id) as session:
            return list(session.scalars(statement).all())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
