"""The real mailbox: Gmail v1 through google-api-python-client."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.auth.credentials import Credentials

from tools.backends import ReplyTarget
from tools.email.message import (
    build_message,
    bulk_headers,
    encode_raw,
    normalize_message_id,
    summarize_gmail_message,
)
from tools.email.query import bare_message_id
from tools.google.client import (
    RetryPolicy,
    build_service,
    credentials_from_env,
    endpoint_from_env,
    execute,
)

SERVICE = "gmail"


class GmailMailbox:
    """A Mailbox over the authenticated user's Gmail (`users/me`).

    Credentials and endpoint default to DELEGATE_GOOGLE_TOKEN / DELEGATE_GOOGLE_CREDENTIALS
    and DELEGATE_GOOGLE_API_ENDPOINT; missing credentials raise ConfigurationError here, before
    any request.
    """

    def __init__(
        self,
        credentials: Credentials | None = None,
        *,
        api_endpoint: str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        creds = credentials or credentials_from_env("DELEGATE_EMAIL_BACKEND=gmail")
        self.retry = retry or RetryPolicy()
        self._service = build_service(
            "gmail",
            "v1",
            creds,
            api_endpoint=api_endpoint or endpoint_from_env(),
            timeout=timeout,
        )
        self._users = self._service.users()

    def _run(self, request: Any, recover: Any = None) -> Any:
        return execute(request, service=SERVICE, policy=self.retry, recover=recover)

    def create_draft(
        self,
        to: list[str],
        subject: str,
        body: str,
        cc: list[str] | None = None,
        *,
        reply_to: ReplyTarget | None = None,
    ) -> dict[str, Any]:
        """Save a draft (in the answered email's thread when `reply_to`); returns {"id" (the
        draft id), "message_id", "gmail_id"}."""
        message_id = normalize_message_id()
        message = _message(to, subject, body, cc, message_id, reply_to)
        draft = self._run(self._users.drafts().create(userId="me", body={"message": message}))
        return {
            "id": draft.get("id", ""),
            "message_id": message_id,
            "gmail_id": (draft.get("message") or {}).get("id", ""),
        }

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
        """Send with this Message-ID (a reply in the answered email's thread, with its
        In-Reply-To and References); a retry after an unclear failure first checks Sent."""
        header_id = normalize_message_id(message_id)
        message = _message(to, subject, body, cc, header_id, reply_to)
        request = self._users.messages().send(userId="me", body=message)
        sent = self._run(request, recover=lambda: self.find_sent(header_id))
        if "message_id" in sent:  # recovered: already our summary shape
            return dict(sent)
        return {
            "id": sent.get("id", ""),
            "thread_id": sent.get("threadId", ""),
            "message_id": header_id,
        }

    def find_sent(self, message_id: str) -> dict[str, Any] | None:
        """The sent message with this Message-ID (Gmail's `rfc822msgid:` search), or None."""
        bare = bare_message_id(normalize_message_id(message_id))
        listed = self._run(
            self._users.messages().list(userId="me", q=f"in:sent rfc822msgid:{bare}", maxResults=1)
        )
        found = listed.get("messages") or []
        if not found:
            return None
        return self._get(found[0]["id"], with_body=False)

    def search(self, query: str, max_results: int = 10) -> list[dict[str, Any]]:
        """Messages matching a Gmail query: [{"id", "from", "to", "subject", "snippet", ...}]."""
        listed = self._run(
            self._users.messages().list(userId="me", q=query, maxResults=max_results)
        )
        return [
            self._get(item["id"], with_body=False)
            for item in (listed.get("messages") or [])[:max_results]
        ]

    def read(self, message_id: str) -> dict[str, Any]:
        """One message by its Gmail id, with the plain-text body."""
        return self._get(message_id, with_body=True)

    def _get(self, gmail_id: str, *, with_body: bool) -> dict[str, Any]:
        message = self._run(self._users.messages().get(userId="me", id=gmail_id, format="full"))
        return summarize_gmail_message(message, with_body=with_body)

    def received(
        self, after: datetime, before: datetime, max_results: int = 20
    ) -> list[dict[str, Any]]:
        """Inbox messages received in [after, before) (Gmail's `after:`/`before:` in Unix
        seconds), newest first, with bodies and their list/automation headers."""
        query = f"in:inbox after:{int(after.timestamp())} before:{int(before.timestamp())}"
        listed = self._run(
            self._users.messages().list(userId="me", q=query, maxResults=max_results)
        )
        found = []
        for item in (listed.get("messages") or [])[:max_results]:
            message = self._run(self._users.messages().get(userId="me", id=item["id"]))
            found.append(
                {
                    **summarize_gmail_message(message, with_body=True),
                    "bulk_headers": bulk_headers(message),
                }
            )
        return found

    def answered(self, message: dict[str, Any]) -> bool:
        """Whether the message's thread (threads.get) holds a SENT message after it."""
        thread_id = message.get("thread_id") or ""
        if not thread_id:
            return False
        thread = self._run(
            self._users.threads().get(
                userId="me", id=thread_id, format="metadata", metadataHeaders=["From"]
            )
        )
        arrived = datetime.fromisoformat(message["date"]).timestamp() * 1000
        return any(
            "SENT" in (m.get("labelIds") or []) and int(m.get("internalDate") or 0) > arrived
            for m in thread.get("messages") or []
        )


def _message(
    to: list[str],
    subject: str,
    body: str,
    cc: list[str] | None,
    message_id: str,
    reply_to: ReplyTarget | None,
) -> dict[str, Any]:
    """Gmail's message resource: the raw MIME, and the threadId of the email it answers."""
    in_reply_to = reply_to.message_id if reply_to else ""
    built = build_message(to, subject, body, cc=cc, message_id=message_id, in_reply_to=in_reply_to)
    message: dict[str, Any] = {"raw": encode_raw(built)}
    if reply_to and reply_to.thread_id:
        message["threadId"] = reply_to.thread_id
    return message
