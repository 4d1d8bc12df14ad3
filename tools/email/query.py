"""A small Gmail-style search query: parse it once, then match messages against it."""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

#: Operators we understand; any other `word:value` token is searched as free text.
#: `after:` / `before:` take Unix seconds, as Gmail does for exact times.
OPERATORS = frozenset({"from", "to", "subject", "in", "rfc822msgid", "after", "before"})

#: Gmail accepts both the singular and the plural for the drafts folder.
FOLDER_ALIASES = {"draft": "drafts", "drafts": "drafts", "sent": "sent", "inbox": "inbox"}


@dataclass(frozen=True)
class MailQuery:
    """A parsed query; every condition must hold (Gmail's implicit AND)."""

    terms: tuple[str, ...] = ()
    """Free-text words, matched against subject, body and sender."""
    conditions: tuple[tuple[str, str], ...] = field(default=())
    """(operator, value) pairs such as ("from", "john@example.com")."""

    def folders(self) -> set[str]:
        """The folders an `in:` operator names (empty: every folder)."""
        return {FOLDER_ALIASES.get(v, v) for op, v in self.conditions if op == "in"}


def parse_query(query: str) -> MailQuery:
    """Split a query into free-text terms and operator conditions (quotes group words)."""
    try:
        tokens = shlex.split(query or "")
    except ValueError:  # an unbalanced quote: fall back to plain words
        tokens = (query or "").split()
    terms: list[str] = []
    conditions: list[tuple[str, str]] = []
    for token in tokens:
        operator, sep, value = token.partition(":")
        if sep and operator.lower() in OPERATORS and value:
            conditions.append((operator.lower(), value.strip().lower()))
        elif token.strip():
            terms.append(token.strip().lower())
    return MailQuery(terms=tuple(terms), conditions=tuple(conditions))


def bare_message_id(message_id: str) -> str:
    """A Message-ID without its angle brackets, lower-cased, for comparisons."""
    return message_id.strip().strip("<>").strip().lower()


def matches(
    query: MailQuery,
    *,
    folder: str,
    sender: str,
    to: Iterable[str],
    cc: Iterable[str],
    subject: str,
    body: str,
    message_id: str,
    date: datetime | None = None,
) -> bool:
    """Whether one message satisfies every term and condition of the query (a message of
    unknown `date` matches no `after:` or `before:`)."""
    sender_l, subject_l, body_l = sender.lower(), subject.lower(), body.lower()
    recipients = " ".join([*to, *cc]).lower()
    for term in query.terms:
        if term not in subject_l and term not in body_l and term not in sender_l:
            return False
    for operator, value in query.conditions:
        if operator == "from" and value not in sender_l:
            return False
        if operator == "to" and value not in recipients:
            return False
        if operator == "subject" and value not in subject_l:
            return False
        if operator == "in" and FOLDER_ALIASES.get(value, value) != folder:
            return False
        if operator == "rfc822msgid" and bare_message_id(value) != bare_message_id(message_id):
            return False
        if operator in ("after", "before") and not _in_time(operator, value, date):
            return False
    return True


def _in_time(operator: str, value: str, date: datetime | None) -> bool:
    try:
        bound = float(value)
    except ValueError:
        return False
    if date is None:
        return False
    seconds = (date if date.tzinfo else date.replace(tzinfo=UTC)).timestamp()
    return seconds > bound if operator == "after" else seconds < bound
