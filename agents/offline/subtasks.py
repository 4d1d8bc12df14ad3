"""Subtasks for a `decompose` decision: from the listed items in the details when given, else
from a plan for the kind of undertaking (event, campaign, launch, hiring, migration, ...)."""

from __future__ import annotations

import re
from typing import Any

from agents.offline.plans import PLANS, PlanStep
from agents.offline.text import TaskText, listed_items, words
from store.enums import ExecutionType

MANUAL = ExecutionType.MANUAL.value
SEMI = ExecutionType.SEMI_AUTOMATED.value
AUTO = ExecutionType.FULLY_AUTOMATED.value
MAX_SUBTASKS = 8
_MOVE_VERBS = {"migrate": "migrating", "move": "moving", "transition": "transitioning",
               "relocate": "relocating", "transfer": "transferring"}  # fmt: skip

# (pattern on the item, title format, execution type, what the subtask delivers)
_ITEM_RULES: list[tuple[str, str, str, str]] = [
    (
        r"venue|location|space|room|catering|food|drinks",
        "Book the {item} for {s}",
        MANUAL,
        "Shortlist options within budget; a person confirms, signs and pays.",
    ),
    (
        r"budget|funding|approval",
        "Approve the {item} for {s}",
        MANUAL,
        "A person with budget authority decides and approves.",
    ),
    (
        r"contract|legal|vendor|supplier|sponsor",
        "Agree and sign the {item} for {s}",
        MANUAL,
        "Negotiation and signature need an authorized person.",
    ),
    (
        r"travel|flight|hotel|accommodation|transport",
        "Arrange the {item} for {s}",
        MANUAL,
        "Bookings need a person with the travel budget.",
    ),
    (
        r"swag|merch|printing|equipment|hardware|laptop|signage|gifts?\b(?! exchange)",
        "Order the {item} for {s}",
        MANUAL,
        "Purchases need a person with purchasing authority.",
    ),
    (
        r"interview|hiring decision|offer",
        "Handle the {item} for {s}",
        MANUAL,
        "A person must conduct and decide this.",
    ),
    (
        r"speaker|guest|panelist|host|presenter|judge",
        "Invite the {item} for {s}",
        SEMI,
        "Draft the invitations to speakers; a person approves before they go out.",
    ),
    (
        r"topic|theme|track|format|name",
        "Draft the {item} for {s}",
        AUTO,
        "The AI proposes options for a person to choose from.",
    ),
    (
        r"page|landing|form|signup|sign-up|website|site",
        "Create the {item} for {s}",
        SEMI,
        "The AI writes the copy and fields; a person publishes it.",
    ),
    (
        r"record|video|photo|livestream|stream|a/v|av setup",
        "Arrange the {item} for {s}",
        MANUAL,
        "Equipment and recording need a person on the day.",
    ),
    (
        r"follow[- ]?up",
        "Send the {item} after {s}",
        SEMI,
        "Draft the follow-up message; a person approves before it is sent.",
    ),
    (
        r"invit|outreach|announce|newsletter|email|reminder|rsvp|registration|promotion|social",
        "Send the {item} for {s}",
        SEMI,
        "Draft the message and recipient list; a person approves before it goes out.",
    ),
    (
        r"schedul|calendar|meeting|rehearsal|dry run",
        "Schedule the {item} for {s}",
        SEMI,
        "Propose times and send invites once a person approves.",
    ),
    (
        r"kit|script|deck|copy|brief|agenda|outline|plan|faq|notes|blog|post|content|release|"
        r"guide|documentation|docs|checklist|report|summary|questions|survey|slides|"
        r"description|proposal|timeline|speech|talking points|press",
        "Write the {item} for {s}",
        AUTO,
        "The AI drafts it from the task details.",
    ),
    (
        r"research|analysis|list|comparison|benchmark|audit",
        "Prepare the {item} for {s}",
        AUTO,
        "The AI researches and summarizes it.",
    ),
]

_DETERMINERS = re.compile(
    r"^(?:(?:for|into|to|on|with|in|about)\s+)?(?:the|a|an|our|my|this|that|their|its|your)\s+",
    re.I,
)


def subject_of(verb: str, obj: str) -> str:
    """What the task is about: its object without the leading article ('Q4 marketing
    campaign')."""
    subject = re.sub(r"\s+", " ", obj).strip(" .")
    subject = _DETERMINERS.sub("", subject)
    subject = _DETERMINERS.sub("", subject)
    return subject


def plan_subtasks(task: TaskText, verb: str, obj: str) -> list[dict[str, Any]]:
    """3 to 8 distinct subtasks for the task, each with its execution type."""
    subject = subject_of(verb, obj) or task.title.strip(" .")
    subject, _, listed_in_title = subject.partition(":")  # "the launch: page, FAQ and email"
    subject = subject.strip() or task.title.strip(" .")
    referent = subject if re.match(r"^(?:the|a|an)\b", subject, re.I) else f"the {subject}"
    expansion = re.search(r"\b(?:into|to|in)\s+(?:the\s+)?(?P<place>.+)$", subject)
    if verb in {"expand", "enter"} and expansion:
        # "sales into the EMEA region": the plan is about the place.
        referent = f"the {expansion.group('place')}"
    elif verb in _MOVE_VERBS and re.search(r"\b(?:to|into)\b", subject):
        # "the customer database to the new CRM" reads as the move itself: name the action.
        referent = f"{_MOVE_VERBS[verb]} {referent}"
    chosen: list[dict[str, Any]] = []
    for item in listed_items(task.details) or listed_items(listed_in_title):
        _add(chosen, _from_item(item, referent))
    if len(chosen) < 3:
        for step in _plan_for(subject, verb):
            _add(
                chosen,
                _subtask(step.title.format(s=referent), step.execution_type, step.description),
            )
            if len(chosen) >= 6:
                break
    return chosen[:MAX_SUBTASKS]


#: Verbs that name the undertaking themselves: "migrate X" is a migration whatever X is.
_VERB_PLANS = {
    "migrate": "migration", "hire": "hiring", "recruit": "hiring", "onboard": "onboarding",
    "relocate": "relocation", "launch": "launch", "fundraise": "fundraising",
    "redesign": "redesign", "rebrand": "rebrand", "audit": "audit",
}  # fmt: skip


def _plan_for(subject: str, verb: str) -> tuple[PlanStep, ...]:
    """The plan whose words hold the verb's own undertaking or the subject's head noun
    ("the annual sales *kickoff* for 200 people"), else the general plan: a plan is chosen
    only when the task names what it plans."""
    core = re.split(r"\s+(?:in|for|to|at|with|starting|from|by|on|across|before|after|of)\s+",
                    subject, maxsplit=1)[0]  # fmt: skip
    core_words = words(core)
    wanted = [_VERB_PLANS[verb]] if verb in _VERB_PLANS else []
    wanted += [*core_words[-1:], "-".join(core_words[-2:])] if core_words else []
    for word in wanted:
        for plan in PLANS:
            if word in plan.keys:
                return plan.steps
    return next(plan for plan in PLANS if plan.is_fallback).steps


def _from_item(item: str, referent: str) -> dict[str, Any]:
    clean = re.sub(r"^(?:the|a|an|some|our)\s+", "", item.strip().rstrip("."), flags=re.I)
    lowered = clean.lower()
    for pattern, title, kind, description in _ITEM_RULES:
        if re.search(pattern, lowered):
            return _subtask(title.format(item=lowered, s=referent), kind, description)
    return _subtask(
        f"Prepare the {lowered} for {referent}",
        SEMI,
        "The AI drafts what it can; a person reviews and completes it.",
    )


def _subtask(title: str, kind: str, description: str) -> dict[str, Any]:
    title = re.sub(r"\s+", " ", title).strip()
    title = re.sub(r"\bthe new (?:the |our |a )?(?:new )?", "the new ", title)
    title = re.sub(r"\b(\w+) \1\b", r"\1", title, flags=re.I)  # no doubled words
    return {
        "title": title[:1].upper() + title[1:],
        "description": description,
        "execution_type": kind,
    }


def _add(chosen: list[dict[str, Any]], subtask: dict[str, Any]) -> None:
    key = " ".join(words(subtask["title"]))
    if all(" ".join(words(s["title"])) != key for s in chosen):
        chosen.append(subtask)
