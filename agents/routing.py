"""Route work by its wording: which workflow graph a task needs, and who can do an action item.

Deterministic on purpose: the same title always goes to the same workflow, so a person can
predict it and a test can pin it. Anything ambiguous goes to the general agent path (None).
"""

from __future__ import annotations

import re
from typing import Literal

from store.enums import ExecutionType

WorkflowName = Literal["email_drafting", "meeting_summary", "report_generation"]

WORKFLOW_NAMES: tuple[WorkflowName, ...] = (
    "email_drafting",
    "meeting_summary",
    "report_generation",
)

_EMAIL_ADDRESS = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[a-z]{2,}", re.IGNORECASE)
_MAIL_NOUN = r"(?:e-?mail|mail)"

#: "Email John ...", "Send an email to ...", "Draft a thank-you email ...", "Write to x@y.z".
_EMAIL_TASK = re.compile(
    rf"^(?:e-?mail|mail)\b"
    rf"|^(?:draft|write|compose|send|prepare)\b[^.]*?\b{_MAIL_NOUN}s?\b"
    rf"|^(?:draft|write|compose|send)\b[^.]*?\bto\s+{_EMAIL_ADDRESS.pattern}",
    re.IGNORECASE,
)
#: Mail work that needs reading the inbox first: the agent path does that.
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


def choose_workflow(title: str, description: str = "") -> WorkflowName | None:
    """The workflow graph that does this task, or None for the general agent path.

    Decided from the title (what the task asks for); the description is the material
    (notes, figures, recipients) and only breaks no ties. A title that asks for two of
    these at once ("summarize the call and email the team") is left to the agent path.
    """
    text = " ".join((title or "").split())
    if not text:
        return None
    text = _strip_lead_in(text)
    matched: list[WorkflowName] = []
    if _EMAIL_TASK.search(text) and not _MAILBOX_WORK.search(text):
        matched.append("email_drafting")
    if _MEETING_TASK.search(text) and not _MEETING_SETUP.search(text):
        matched.append("meeting_summary")
    if _REPORT_TASK.search(text) and not _starts_with_mail_verb(text):
        matched.append("report_generation")
    if len(matched) != 1:
        return None
    return matched[0]


_LEAD_IN = re.compile(
    r"^(?:(?:please|pls|kindly|todo|task)\b[:,!\-\s]*"
    r"|(?:can|could|would) you(?: please)?\s+"
    r"|(?:i|we) (?:need|want|would like) (?:you )?to\s+)+",
    re.IGNORECASE,
)


def _strip_lead_in(text: str) -> str:
    return _LEAD_IN.sub("", text).strip()


#: Words that ask for the email to go out, not just to be written.
_SEND_WORDS = re.compile(r"^(?:e-?mail|mail|send|forward)\b|\bsend\b|\bsent\b", re.IGNORECASE)


def email_wants_sending(title: str) -> bool:
    """Whether an email task asks for the email to be sent ("Email John ...", "Send ...")
    rather than only written ("Draft an email to John ..."): a draft is the deliverable."""
    return bool(_SEND_WORDS.search(_strip_lead_in(" ".join((title or "").split()))))


def _starts_with_mail_verb(text: str) -> bool:
    # "Email the weekly report to the board": the report exists; the work is the email.
    return bool(re.match(r"^(?:e-?mail|mail|send|forward|share)\b", text, re.IGNORECASE))


#: Leading verbs of actions only a person can take.
_PERSON_VERB = re.compile(
    r"^(?:call|phone|ring|sign|pay|purchase|buy|order|visit|meet|attend|interview|hire|fire|"
    r"approve|decide|negotiate|present|deliver|ship|install|repair|fix|print|review|test|"
    r"travel|drive|pick up|hand over|talk to|speak (?:to|with)|check with|confirm with)\b",
    re.IGNORECASE,
)
#: Work no integration can do, wherever it appears in the action.
_PERSON_ANYWHERE = re.compile(
    r"\b(?:pay|payment|purchase|buy|sign|signature|wire|in person|phone|by hand)\b",
    re.IGNORECASE,
)
#: Leading verbs of actions the AI takes through an integration (a person approves them).
_AI_SIDE_EFFECT = re.compile(
    r"^(?:e-?mail|mail|send|reply|respond|forward|follow up|message|post|slack|notify|share|"
    r"schedule|book|invite|set up (?:a |the )?(?:meeting|call|sync))\b",
    re.IGNORECASE,
)
#: Leading verbs of actions the AI can finish alone: writing and looking things up.
_AI_WRITING = re.compile(
    r"^(?:draft|write|summari[sz]e|outline|translate|research|compile|prepare|collect|gather|"
    r"list|look up|find|document|create (?:a |the )?(?:report|summary|outline|agenda|doc|"
    r"document|list|slide|deck))\b",
    re.IGNORECASE,
)
#: "Sam will email the vendor", "Priya to draft the FAQ": the owner before the verb.
_OWNER_PREFIX = re.compile(
    r"^(?:[A-Z][\w'\-]*\s+){1,2}(?:will|to|should|must|needs to|is going to)\s+"
)


def action_execution_type(action: str) -> ExecutionType:
    """Who can do an action item: manual for a person, semi_automated when the AI acts
    outside through an integration (a person approves), fully_automated for pure writing."""
    text = " ".join((action or "").split())
    text = _strip_lead_in(_OWNER_PREFIX.sub("", text))
    if not text or _PERSON_VERB.search(text) or _PERSON_ANYWHERE.search(text):
        return ExecutionType.MANUAL
    if _AI_SIDE_EFFECT.search(text):
        return ExecutionType.SEMI_AUTOMATED
    if _AI_WRITING.search(text):
        return ExecutionType.FULLY_AUTOMATED
    return ExecutionType.MANUAL
