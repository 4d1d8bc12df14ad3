"""RFC 822 messages for the mail backends: Message-IDs, raw MIME for Gmail, and reading
Gmail's `format=full` payloads back into plain text."""

from __future__ import annotations

import base64
import binascii
import html
import re
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import getaddresses
from html.parser import HTMLParser
from typing import Any

from tools.gate.destinations import parse_emails

#: The domain used to complete a Message-ID that has no `@` of its own.
MESSAGE_ID_DOMAIN = "delegate.local"


def normalize_message_id(message_id: str | None = None) -> str:
    """`<left@right>`: a new one when None; a bare key gets brackets (and our domain if needed).

    The same key always normalizes to the same id, so a retried send finds its first try.
    """
    if message_id is None or not message_id.strip().strip("<>").strip():
        return f"<{uuid.uuid4().hex}@{MESSAGE_ID_DOMAIN}>"
    bare = message_id.strip().strip("<>").strip()
    if "@" not in bare:
        bare = f"{bare}@{MESSAGE_ID_DOMAIN}"
    return f"<{bare}>"


def snippet(body: str, length: int = 100) -> str:
    """The first `length` characters of a body with whitespace collapsed."""
    text = " ".join(body.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def split_addresses(header: str | None) -> list[str]:
    """`"A <a@x>, b@y"` -> `["a@x", "b@y"]` (names dropped, empty entries skipped)."""
    return [addr for _name, addr in getaddresses([header or ""]) if addr]


def build_message(
    to: list[str],
    subject: str,
    body: str,
    *,
    message_id: str,
    cc: list[str] | None = None,
    sender: str | None = None,
    in_reply_to: str | None = None,
) -> EmailMessage:
    """A plain-text EmailMessage with the given headers (From left to Gmail when None); a
    reply names the Message-ID it answers in In-Reply-To and References (RFC 5322 3.6.4).

    To and Cc hold exactly the addresses `parse_emails` reads (the ones the policy gate
    approved), bare and comma-separated; a value that is not one address raises
    AmbiguousDestination and nothing is built."""
    recipients = parse_emails(to)
    copies = [a for a in parse_emails(cc or []) if a not in recipients]
    message = EmailMessage()
    if sender:
        message["From"] = sender
    message["To"] = ", ".join(recipients)
    if copies:
        message["Cc"] = ", ".join(copies)
    message["Subject"] = subject
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(body)
    return message


def encode_raw(message: EmailMessage) -> str:
    """The message as Gmail's `raw` field: base64url of its RFC 822 bytes."""
    return base64.urlsafe_b64encode(message.as_bytes()).decode("ascii")


def decode_base64url(data: str) -> bytes:
    """Decode base64url whether or not the padding was stripped."""
    try:
        return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return b""


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML document (scripts and styles dropped)."""

    _BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Strip tags from HTML, keeping line breaks between blocks."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    lines = (" ".join(line.split()) for line in "".join(extractor.parts).splitlines())
    return "\n".join(line for line in lines if line)


def _headers(part: dict[str, Any]) -> dict[str, str]:
    return {h.get("name", "").lower(): h.get("value", "") for h in part.get("headers") or []}


def _charset(part: dict[str, Any]) -> str:
    found = re.search(r'charset="?([\w.-]+)"?', _headers(part).get("content-type", ""), re.I)
    return found.group(1) if found else "utf-8"


def _part_text(part: dict[str, Any]) -> str:
    data = (part.get("body") or {}).get("data")
    if not data:
        return ""
    raw = decode_base64url(data)
    try:
        return raw.decode(_charset(part), errors="replace")
    except LookupError:
        return raw.decode("utf-8", errors="replace")


def _walk(part: dict[str, Any]) -> list[dict[str, Any]]:
    found = [part]
    for child in part.get("parts") or []:
        found.extend(_walk(child))
    return found


def payload_text(payload: dict[str, Any]) -> str:
    """The body of a Gmail payload: the first text/plain part, else text/html stripped."""
    parts = [p for p in _walk(payload) if not (p.get("body") or {}).get("attachmentId")]
    for part in parts:
        if part.get("mimeType", "").lower() == "text/plain" and not part.get("filename"):
            text = _part_text(part)
            if text:
                return text.strip()
    for part in parts:
        if part.get("mimeType", "").lower() == "text/html" and not part.get("filename"):
            markup = _part_text(part)
            if markup:
                return html_to_text(markup)
    return ""


#: Headers that mark mail sent by a machine to a list (RFC 2369, RFC 3834, Precedence).
BULK_HEADERS = ("list-unsubscribe", "list-id", "precedence", "auto-submitted")
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|aw|sv|wg)\s*(?:\[\d+\])?\s*:\s*)+", re.I)


def thread_subject(subject: str) -> str:
    """A subject as a conversation's name: reply/forward prefixes, case and spacing folded."""
    return " ".join(_REPLY_PREFIX.sub("", subject or "").split()).casefold()


def reply_subject(subject: str) -> str:
    """ "Re: <subject>" for a reply; a subject that already starts with "Re:" is kept."""
    text = " ".join((subject or "").split())
    return text if re.match(r"re\s*:", text, re.I) else f"Re: {text}".rstrip()


def sender_address(sender: str) -> str:
    """`"Ann <ann@x.com>"` -> `ann@x.com` (lower-cased); '' when there is none."""
    found = split_addresses(sender)
    return found[0].lower() if found else ""


def bulk_headers(message: dict[str, Any]) -> dict[str, str]:
    """The list/automation headers of a Gmail message (BULK_HEADERS) that it carries."""
    headers = _headers(message.get("payload") or {})
    return {name: headers[name] for name in BULK_HEADERS if headers.get(name)}


def summarize_gmail_message(message: dict[str, Any], *, with_body: bool) -> dict[str, Any]:
    """A Gmail `format=full` message as our plain dict (the Mailbox protocol's shape)."""
    payload = message.get("payload") or {}
    headers = _headers(payload)
    millis = message.get("internalDate")
    date = (
        datetime.fromtimestamp(int(millis) / 1000, UTC).isoformat()
        if millis
        else headers.get("date", "")
    )
    summary: dict[str, Any] = {
        "id": message.get("id", ""),
        "thread_id": message.get("threadId", ""),
        "message_id": headers.get("message-id", ""),
        "from": headers.get("from", ""),
        "to": split_addresses(headers.get("to")),
        "cc": split_addresses(headers.get("cc")),
        "subject": headers.get("subject", ""),
        "date": date,
        "labels": list(message.get("labelIds") or []),
    }
    if with_body:
        summary["body"] = payload_text(payload)
    else:
        # Gmail returns snippets HTML-escaped (&#39; for an apostrophe).
        summary["snippet"] = html.unescape(message.get("snippet") or "") or snippet(
            payload_text(payload)
        )
    return summary
