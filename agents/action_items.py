"""Who can do a meeting's action item: manual, semi_automated or fully_automated, by its verb.

The meeting_summary workflow types the subtasks it makes from action items with this. It is
a wording rule outside the model (English verbs), kept from before routes became the model's
decision; the model's MeetingSummary answer does not say it yet.
"""

from __future__ import annotations

import re

from store.enums import ExecutionType

_LEAD_IN = re.compile(
    r"^(?:(?:please|pls|kindly|todo|task)\b[:,!\-\s]*"
    r"|(?:can|could|would) you(?: please)?\s+"
    r"|(?:i|we) (?:need|want|would like) (?:you )?to\s+)+",
    re.IGNORECASE,
)


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
    text = _LEAD_IN.sub("", _OWNER_PREFIX.sub("", text)).strip()
    if not text or _PERSON_VERB.search(text) or _PERSON_ANYWHERE.search(text):
        return ExecutionType.MANUAL
    if _AI_SIDE_EFFECT.search(text):
        return ExecutionType.SEMI_AUTOMATED
    if _AI_WRITING.search(text):
        return ExecutionType.FULLY_AUTOMATED
    return ExecutionType.MANUAL
