"""The offline model's answer to "who does this task, and does the message go out?".

A real model reads the registered routes and decides from the meaning; this stand-in decides
from the wording, with the rules below (read in English: other languages through the
gloss): the workflow a title asks for (an
email to an address, a meeting summary, a report), else the first service the wording names
(Slack, calendar, mailbox, web page), else the writer. It answers the same structured fields
as any model (`route`, `deliver`) and is as deterministic as the rest of the offline model.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from agents.offline.languages import correct_typo, gloss
from agents.offline.signals import KNOWN_VERBS
from agents.offline.text import TaskText

WRITER = "writer"

_EMAIL_ADDRESS = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[a-z]{2,}", re.IGNORECASE)
_MAIL_NOUN = r"(?:e-?mail|mail)"

#: "Email John ...", "Send an email to ...", "Draft a thank-you email ...", "Write to x@y.z".
_EMAIL_TASK = re.compile(
    rf"^(?:e-?mail|mail)\b"
    rf"|^(?:draft|write|compose|send|prepare)\b[^.]*?\b{_MAIL_NOUN}s?\b"
    rf"|^(?:draft|write|compose|send)\b[^.]*?\bto\s+{_EMAIL_ADDRESS.pattern}",
    re.IGNORECASE,
)
#: Mail work that needs reading the inbox first: the email agent does that.
_MAILBOX_WORK = re.compile(
    r"\b(?:reply|respond|answer|forward|triage|inbox|unread|search|find|read)\b", re.IGNORECASE
)

_MEETING_NOUN = (
    r"(?:meeting|call|standup|stand-up|sync|1:1|one-on-one|retro|retrospective|"
    r"workshop|interview|kickoff|kick-off|transcript|huddle)"
)
_MEETING_TASK = re.compile(
    rf"\b(?:summari[sz]e|recap|sum up|write up|take|extract|pull out|list|capture)\b"
    rf"[^.]*?\b{_MEETING_NOUN}s?\b"
    rf"|\b(?:minutes|action items|takeaways)\b[^.]*?\b{_MEETING_NOUN}s?\b"
    rf"|\b{_MEETING_NOUN}s?\b[^.]*?\b(?:summary|recap|minutes|notes|action items)\b",
    re.IGNORECASE,
)
#: Meetings to set up rather than summarize ("schedule a call", "book a sync").
_MEETING_SETUP = re.compile(
    r"^(?:schedule|book|set up|arrange|organi[sz]e|plan|invite|reschedule|cancel|move)\b",
    re.IGNORECASE,
)

_REPORT_TASK = re.compile(
    r"\b(?:write|generate|create|prepare|draft|compile|produce|put together|build|make)\b"
    r"[^.]*?\breport\b"
    r"|^(?:(?:the|a|our)\s+)?(?:\w+\s+){0,3}report\b(?!\s+(?:to|on|a|an|the|that|this)\b)",
    re.IGNORECASE,
)

_LEAD_IN = re.compile(
    r"^(?:(?:please|pls|kindly|todo|task)\b[:,!\-\s]*"
    r"|(?:can|could|would) you(?: please)?\s+"
    r"|(?:i|we) (?:need|want|would like) (?:you )?to\s+)+",
    re.IGNORECASE,
)

#: What clearly asks for an agent (matched case-insensitively): its service or its objects.
_STRONG: dict[str, re.Pattern[str]] = {
    "slack": re.compile(r"\bslack\b|(?<![\w&])#[a-z0-9][\w\-]*|\bchannel\b", re.I),
    "calendar": re.compile(
        r"\b(?:schedule|reschedule|calendar|invite|free time|free slot|availability|"
        r"book (?:a |the )?(?:meeting|call|room))\b",
        re.I,
    ),
    "email": re.compile(r"\b(?:e-?mail|inbox|mailbox|mail)s?\b", re.I),
    "browser": re.compile(r"https?://\S+|\b(?:web ?page|web ?site|website|web form)\b", re.I),
}
#: What asks for an agent only when nothing stronger does.
_WEAK: dict[str, re.Pattern[str]] = {
    "email": re.compile(
        r"\b(?:send|draft|reply|respond|forward|write)\b.*[\w.+\-]+@[\w\-]+\.[\w.\-]+"
        r"|\b(?:reply|respond|forward)\b",
        re.I,
    ),
    "calendar": re.compile(
        r"\b(?:set up|arrange|organi[sz]e) (?:a |the )?(?:meeting|call)\b", re.I
    ),
    "slack": re.compile(r"\bpost (?:a |an |the )?(?:message|update|note)\b", re.I),
}

#: Words that ask for an email to go out, not just to be written.
_SEND_WORDS = re.compile(
    r"^(?:e-?mail|mail|send|forward|reply|respond|answer)\b|\bsend\b|\bsent\b", re.IGNORECASE
)
#: Leading verbs that ask for a draft to review rather than a message delivered.
_DRAFT_ONLY = re.compile(r"^(?:draft|write|compose|prepare|outline)\b", re.IGNORECASE)


def route_fields(task: TaskText, registered: Collection[str] | None = None) -> dict[str, Any]:
    """The classification's `route` and `deliver` for a task; a route the caller did not
    register (`registered`, when given) falls back to the writer.

    German, Spanish and French are read through the English gloss, and a one-letter typo in
    the leading verb is forgiven, as the classifier does."""
    title, details = _readable(task.title), gloss(task.details) if task.details else ""
    route = choose_route(title, details)
    if registered is not None and route not in registered:
        route = WRITER
    return {"route": route, "deliver": wants_delivery(title, route)}


def _readable(title: str) -> str:
    """The title in English words with its leading verb's typo corrected."""
    english = gloss(title)
    first, space, rest = _strip_lead_in(" ".join(english.split())).partition(" ")
    fixed = correct_typo(first.lower(), KNOWN_VERBS)
    return f"{fixed}{space}{rest}" if fixed else english


def registered_routes(tool: dict[str, Any]) -> list[str] | None:
    """The route names a Classification tool's schema allows (its `route` enum), if it says."""
    function = tool.get("function", tool)
    schema = (function.get("parameters") or {}).get("properties", {}).get("route") or {}
    for option in [schema, *schema.get("anyOf", [])]:
        if isinstance(option.get("enum"), list):
            return [str(name) for name in option["enum"] if name is not None]
    return None


def choose_route(title: str, description: str = "") -> str:
    """A workflow when the title asks for exactly one, else the agent the wording names."""
    return choose_workflow(title, description) or choose_agent(title, description)


def choose_workflow(title: str, description: str = "") -> str | None:
    """The workflow this task asks for, or None for the agents.

    Decided from the title (what the task asks for); the description is the material
    (notes, figures, recipients). A title that asks for two of these at once ("summarize
    the call and email the team") is left to the agents."""
    text = _strip_lead_in(" ".join((title or "").split()))
    if not text:
        return None
    matched: list[str] = []
    if _EMAIL_TASK.search(text) and not _MAILBOX_WORK.search(text):
        matched.append("email_drafting")
    if _MEETING_TASK.search(text) and not _MEETING_SETUP.search(text):
        matched.append("meeting_summary")
    if _REPORT_TASK.search(text) and not _starts_with_mail_verb(text):
        matched.append("report_generation")
    return matched[0] if len(matched) == 1 else None


def choose_agent(title: str, description: str = "") -> str:
    """The agent a task needs: the title decides, the description breaks a tie-less title;
    the first service the wording names wins; otherwise the writer."""
    for patterns in (_STRONG, _WEAK):
        for text in (title or "", description or ""):
            hits = [(m.start(), agent) for agent, p in patterns.items() if (m := p.search(text))]
            if hits:
                return min(hits)[1]
    return WRITER


def wants_delivery(title: str, route: str) -> bool:
    """Whether the message is to reach people ("Email John ...", "Post ... in #general")
    rather than only be written ("Draft an email to John ..."). The writer delivers nothing."""
    text = _strip_lead_in(" ".join((title or "").split()))
    if route == WRITER:
        return False
    if route in {"email_drafting", "email"}:
        return bool(_SEND_WORDS.search(text))
    return not _DRAFT_ONLY.search(text)


def _strip_lead_in(text: str) -> str:
    return _LEAD_IN.sub("", text).strip()


def _starts_with_mail_verb(text: str) -> bool:
    # "Email the weekly report to the board": the report exists; the work is the email.
    return bool(re.match(r"^(?:e-?mail|mail|send|forward|share)\b", text, re.IGNORECASE))
