"""The offline classifier's decision: picks immediate, decompose or blocked from the weighed
signals (agents.offline.signals), with a confidence, a reason and (for decompose) subtasks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from agents.offline.languages import detect_language, gloss
from agents.offline.lexicon import OUTBOUND_VERBS
from agents.offline.signals import KNOWN_VERBS, Reading, read_request, score
from agents.offline.subtasks import plan_subtasks, subject_of
from agents.offline.text import TaskText, capitalize_first, find_channels, find_urls
from store.enums import ExecutionType, Strategy

IMMEDIATE, DECOMPOSE, BLOCKED = Strategy.IMMEDIATE, Strategy.DECOMPOSE, Strategy.BLOCKED

#: What each kind of blocker needs, and the alternative that would unblock it.
_BLOCKERS: dict[str, tuple[str, str]] = {
    "purchase": (
        "a person with purchasing authority to place the order",
        "connecting a procurement integration with approval rules",
    ),
    "payment": (
        "a person with access to the payment account to make the payment",
        "connecting a payments integration with approval rules",
    ),
    "banking": (
        "someone with access to the bank portal to authorize the transfer",
        "connecting a banking integration Delegate could use with approval",
    ),
    "phone": (
        "a person to make the phone call (Delegate has no telephony integration)",
        "asking Delegate to send an email or schedule a call instead",
    ),
    "physical": (
        "someone physically present to do it",
        "assigning it to a person on site",
    ),
    "signature": (
        "an authorized signatory to sign it",
        "sending it through an e-signature integration",
    ),
    "renewal": (
        "the account holder to renew it with the issuer (identity and payment details)",
        "giving Delegate access to the issuer's renewal through an integration",
    ),
    "travel": (
        "a person with the travel budget and the traveller's details to make the booking",
        "connecting a travel-booking integration",
    ),
    "in_person": (
        "a person to be there in person",
        "delegating it to a colleague who can attend",
    ),
    "interview": (
        "an interviewer to conduct the interview in person",
        "letting Delegate schedule it and draft the interview questions for you",
    ),
    "approval": (
        "a person with approval rights in a system Delegate has no integration for",
        "connecting an integration for that system",
    ),
    "system": (
        "access to a system Delegate has no integration for",
        "connecting an integration for that system",
    ),
    "human": ("a person to do it", "assigning it to a team member"),
}
_GERUNDS = {
    "pay": "paying",
    "buy": "buying",
    "sign": "signing",
    "ship": "shipping",
    "meet": "meeting",
    "transfer": "transferring",
    "dial": "dialling",
    "drop off": "dropping off",
    "pick up": "picking up",
    "sign up": "signing up",
    "sign off": "signing off",
    "go to": "going to",
    "hand over": "handing over",
    "check in": "checking in",
}


@dataclass
class Decision:
    """The classifier's answer, in the shape of agents.classification.Classification."""

    strategy: Strategy
    execution_type: ExecutionType
    confidence: float
    reason: str
    subtasks: list[dict[str, Any]] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The Classification fields as plain JSON values."""
        return {
            "strategy": self.strategy.value,
            "execution_type": self.execution_type.value,
            "confidence": self.confidence,
            "reason": self.reason,
            "subtasks": self.subtasks,
        }


def classify(task: TaskText) -> Decision:
    """Decide how to handle the task (German, Spanish and French are read through their
    English gloss)."""
    language = detect_language(task.text)
    if language != "en":
        task = replace(
            task, title=gloss(task.title, language), details=gloss(task.details, language)
        )
    reading = read_request(task.title)
    scores = {IMMEDIATE: 0.0, DECOMPOSE: 0.0, BLOCKED: 0.0}
    blockers = score(task, reading, scores)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], _ORDER[kv[0]]))
    (strategy, top), (_, second) = ranked[0], ranked[1]
    if top <= 0:
        return Decision(
            BLOCKED,
            ExecutionType.MANUAL,
            _confidence(top, 0.0),
            _NO_SIGNAL.format(title=task.title.strip()[:80]),
            scores={k.value: v for k, v in scores.items()},
        )
    confidence = _confidence(top, top - second)
    if strategy is BLOCKED:
        return Decision(
            BLOCKED,
            ExecutionType.MANUAL,
            confidence,
            _blocked_reason(reading, blockers),
            scores={k.value: v for k, v in scores.items()},
        )
    if strategy is DECOMPOSE:
        subtasks = plan_subtasks(task, reading.verb, reading.obj)
        kinds = {s["execution_type"] for s in subtasks}
        execution = (
            ExecutionType.FULLY_AUTOMATED
            if kinds == {ExecutionType.FULLY_AUTOMATED.value}
            else ExecutionType.SEMI_AUTOMATED
        )
        people = sum(1 for s in subtasks if s["execution_type"] == ExecutionType.MANUAL.value)
        subject = subject_of(reading.verb, reading.obj) or task.title
        reason = (
            f"{capitalize_first(subject)} has several distinct deliverables and phases, so it "
            f"is split into {len(subtasks)} subtasks ({len(subtasks) - people} the AI can "
            f"draft or do, {people} for a person)."
        )
        return Decision(
            DECOMPOSE,
            execution,
            confidence,
            reason,
            subtasks,
            scores={k.value: v for k, v in scores.items()},
        )
    execution = _immediate_execution_type(task, reading)
    return Decision(
        IMMEDIATE,
        execution,
        confidence,
        _immediate_reason(task, reading, execution),
        scores={k.value: v for k, v in scores.items()},
    )


_ORDER = {IMMEDIATE: 0, BLOCKED: 1, DECOMPOSE: 2}
#: The reason for a task the offline model finds nothing it knows in: a person decides.
_NO_SIGNAL = (
    'Not sure what "{title}" asks for: the offline model recognised no action or deliverable '
    "in it. Unblock by rewording it as an action (for example 'Draft ...', 'Schedule ...', "
    "'Summarize ...') with the details, or by doing it yourself."
)


def _confidence(top: float, margin: float) -> float:
    if top <= 0:
        return 0.35
    value = 0.45 + 0.5 * (margin / (margin + 2.0)) * min(1.0, top / 3.0)
    return round(max(0.3, min(0.97, value)), 2)


def _gerund(verb: str) -> str:
    if verb in _GERUNDS:
        return _GERUNDS[verb]
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith("ee"):
        return verb[:-1] + "ing"
    if re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", verb):
        return verb + verb[-1] + "ing"
    return verb + "ing"


def _blocked_reason(r: Reading, blockers: list[str]) -> str:
    kind = blockers[0] if blockers else "human"
    if r.verb == "interview" or ("interview" in r.title_words and kind == "in_person"):
        kind = "interview"
    need, alternative = _BLOCKERS[kind]
    obj = re.sub(r"\s+", " ", r.obj).strip(" .")
    obj = re.sub(r"\b(my|our)\b", lambda m: "your" if m.group(1) == "my" else "our", obj)
    action = f"{_gerund(r.verb)} {obj}".strip() if r.verb in KNOWN_VERBS else "doing it"
    return f"Needs {need}; unblock by {action} yourself or {alternative}."


def _immediate_execution_type(task: TaskText, r: Reading) -> ExecutionType:
    given = task.execution_type
    if given in {e.value for e in ExecutionType} and given != ExecutionType.MANUAL.value:
        return ExecutionType(given)
    if r.meeting or r.verb in OUTBOUND_VERBS:
        return ExecutionType.SEMI_AUTOMATED
    return ExecutionType.FULLY_AUTOMATED


def _immediate_reason(task: TaskText, r: Reading, execution: ExecutionType) -> str:
    obj = r.obj.strip(" .?!") or "it"
    if find_urls(task.title):
        return "The AI can open the web page and answer from its text right away."
    if execution is ExecutionType.SEMI_AUTOMATED:
        channel = (
            "calendar"
            if r.meeting or r.verb in {"schedule", "reschedule", "book", "invite", "cancel"}
            else "Slack"
            if find_channels(task.title) or "slack" in r.title_words
            else "email"
        )
        return (
            f"A single action the AI can do now through the {channel} integration "
            f"({r.verb} {obj}); a person approves before anything goes out."
        )
    if not r.verb:
        return "No step here needs a person or several phases, so the AI answers it directly."
    return (
        f"A single deliverable the AI can produce right away ({r.verb} {obj}); nothing in it "
        "needs a person, a payment or a system without an integration."
    )
