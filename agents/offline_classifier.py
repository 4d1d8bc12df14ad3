"""The offline classifier: weighs the task's lead verb, its object and telling words to pick
immediate, decompose or blocked, with a confidence, a reason and (for decompose) subtasks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agents.offline_lexicon import (
    BIG_NOUNS,
    BIG_PHRASES,
    BLOCKED_VERBS,
    BLOCKER_NOUNS,
    BLOCKER_PHRASES,
    DECOMPOSE_VERBS,
    DOC_NOUNS,
    IMMEDIATE_VERBS,
    MEETING_NOUNS,
    OUTBOUND_VERBS,
    PHRASAL,
    TEXT_FIX_NOUNS,
)
from agents.offline_subtasks import plan_subtasks, subject_of
from agents.offline_text import (
    TaskText,
    capitalize_first,
    find_channels,
    find_emails,
    find_urls,
    listed_items,
    strip_lead_in,
    wordlist,
    words,
)
from store.enums import ExecutionType, Strategy

IMMEDIATE, DECOMPOSE, BLOCKED = Strategy.IMMEDIATE, Strategy.DECOMPOSE, Strategy.BLOCKED

#: Verbs that make a text deliverable when their object is one ("prepare a summary").
_DOC_VERBS = set(
    wordlist(
        "create prepare make produce compile generate get write draft compose plan organize "
        "organise do give design build develop outline"
    )
) | {"put together", "set up"}
#: Verbs whose meaning does not change with a document object ("launch the newsletter").
_STRONG_DECOMPOSE = {"launch", "hire", "recruit", "migrate", "onboard", "redesign", "rebrand"}
_PEOPLE = re.compile(
    r"\b(?:two|three|four|five|six|several|\d+|all|the|our)\s+(?:new\s+)?"
    r"(?:engineers|hires|employees|interns|designers|people|starters|members|reps|managers|"
    r"developers|contractors|staff|team members|salespeople|analysts)\b"
)
_PLAN_NOUNS = {"plan", "roadmap", "timeline", "schedule"}
#: Verbs that make a plan a document ("write a launch plan"), unlike "build the GTM plan".
_PLAN_WRITING_VERBS = {"write", "draft", "compose", "outline", "create", "prepare", "make"} | {
    "put together"
}
#: "Get the NDA signed": a participle that names the blocked action itself.
_PARTICIPLES = {
    **dict.fromkeys(wordlist("signed countersigned notarized notarised"), "signature"),
    **dict.fromkeys(wordlist("paid reimbursed refunded"), "payment"),
    **dict.fromkeys(wordlist("purchased ordered bought"), "purchase"),
    **dict.fromkeys(wordlist("delivered shipped repaired installed collected printed"), "physical"),
    **dict.fromkeys(wordlist("renewed"), "renewal"),
}

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
_VERB_BLOCKER = {
    **dict.fromkeys(wordlist("pay reimburse refund deposit withdraw cash"), "payment"),
    **dict.fromkeys(wordlist("buy purchase order procure"), "purchase"),
    **dict.fromkeys(wordlist("call phone ring dial fax"), "phone"),
    **dict.fromkeys(wordlist("sign countersign notarize notarise"), "signature"),
    **dict.fromkeys(wordlist("transfer wire"), "banking"),
    **dict.fromkeys(wordlist("book reserve fly travel"), "travel"),
    **dict.fromkeys(wordlist("meet attend visit"), "in_person"),
    **dict.fromkeys(wordlist("approve authorize authorise submit file register"), "approval"),
    "renew": "renewal",
    "interview": "interview",
    "sign off": "approval",
    "sign up": "purchase",
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


@dataclass
class _Reading:
    """What the classifier read from the title: the lead verb and its object."""

    verb: str
    obj: str
    obj_words: list[str]
    title_words: list[str]


def read_request(title: str) -> _Reading:
    """The lead verb (one or two words) and the rest of the request."""
    lead = strip_lead_in(title)
    tokens = words(lead)
    verb = ""
    if len(tokens) >= 2 and f"{tokens[0]} {tokens[1]}" in PHRASAL:
        verb = f"{tokens[0]} {tokens[1]}"
    elif tokens:
        verb = tokens[0]
    rest = lead
    for part in verb.split():
        rest = re.sub(rf"^\W*{re.escape(part)}\b", "", rest, count=1, flags=re.I)
    rest = rest.strip(" :,-")
    if verb == "get" and re.match(r"ready\b", rest, re.I):
        verb, rest = "prepare", re.sub(r"^ready\s*", "", rest, flags=re.I)
    return _Reading(verb, rest, words(rest), words(title))


def classify(task: TaskText) -> Decision:
    """Decide how to handle the task."""
    reading = read_request(task.title)
    scores = {IMMEDIATE: 0.0, DECOMPOSE: 0.0, BLOCKED: 0.0}
    blockers = _score(task, reading, scores)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], _ORDER[kv[0]]))
    (strategy, top), (_, second) = ranked[0], ranked[1]
    if top <= 0:
        strategy = IMMEDIATE
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


def _score(task: TaskText, r: _Reading, scores: dict[Strategy, float]) -> list[str]:
    """Add each signal's weight to `scores`; return the blocker categories seen, strongest
    first."""
    verb = r.verb
    scores[IMMEDIATE] += IMMEDIATE_VERBS.get(verb, 0.0)
    scores[DECOMPOSE] += DECOMPOSE_VERBS.get(verb, 0.0)
    scores[BLOCKED] += BLOCKED_VERBS.get(verb, 0.0)
    strong_immediate = IMMEDIATE_VERBS.get(verb, 0.0) >= 3.0
    blockers: list[str] = []
    if verb in _VERB_BLOCKER and BLOCKED_VERBS.get(verb, 0.0):
        blockers.append(_VERB_BLOCKER[verb])

    head = r.obj_words[:4]
    if head and head[0] == "for" and verb in {"prepare", "get", "plan", "organize"}:
        scores[DECOMPOSE] += 2.0
        head = []
    doc_head = next((w for w in head if w in DOC_NOUNS), None)
    if doc_head is None and verb in _PLAN_WRITING_VERBS:
        doc_head = next((w for w in head if w in _PLAN_NOUNS), None)
    if doc_head and "for" in head and head.index("for") < head.index(doc_head):
        doc_head = None
    if doc_head:
        if verb in _DOC_VERBS and verb not in _STRONG_DECOMPOSE:
            scores[IMMEDIATE] += 3.5
        else:
            scores[IMMEDIATE] += 1.5

    lower_title = " ".join(r.title_words)
    big = sum(1 for w in r.title_words if w in BIG_NOUNS)
    big += sum(1 for p in BIG_PHRASES if p in lower_title)
    if big:
        scores[DECOMPOSE] += 0.5 if doc_head or strong_immediate else min(2.5, 1.0 + 0.5 * big)
    if _PEOPLE.search(lower_title) and verb in {"onboard", "train", "welcome", "set up"}:
        scores[DECOMPOSE] += 1.5
    items = listed_items(task.details)
    if len(items) >= 3 and not strong_immediate and not doc_head:
        scores[DECOMPOSE] += 1.5

    blocker_weight = 0.5 if strong_immediate else 1.0
    for phrase, kind in BLOCKER_PHRASES.items():
        if phrase in lower_title or phrase in task.title.lower():
            scores[BLOCKED] += 2.5 * blocker_weight
            blockers.append(kind)
    nouns = [BLOCKER_NOUNS[w] for w in r.title_words if w in BLOCKER_NOUNS]
    if nouns:
        scores[BLOCKED] += (1.5 + 0.5 * (len(nouns) - 1)) * blocker_weight
        blockers.extend(nouns)
    if verb in {"get", "have"}:
        done = [_PARTICIPLES[w] for w in r.obj_words if w in _PARTICIPLES]
        if done:
            scores[BLOCKED] += 3.0
            blockers.insert(0, done[0])
    if verb == "book" or verb == "reserve":
        if any(w in MEETING_NOUNS for w in r.obj_words[:5]):
            scores[IMMEDIATE] += 3.5
        else:
            scores[BLOCKED] += 1.5
            blockers.insert(0, "travel")
    if verb in {"fix", "edit", "update", "clean", "remove"} and any(
        w in TEXT_FIX_NOUNS for w in r.obj_words
    ):
        scores[IMMEDIATE] += 3.0
    if verb == "cancel":
        target = MEETING_NOUNS | {"event", "invite", "invitation"}
        if any(w in target for w in r.obj_words):
            scores[IMMEDIATE] += 2.0
        else:
            scores[BLOCKED] += 2.5
            blockers.append("system")
    if verb in {"send", "ship", "mail", "post", "deliver"} and nouns and "physical" in nouns:
        scores[BLOCKED] += 3.0
    if verb in {"send", "transfer"} and re.search(r"[$€£]\s?\d|\b(?:money|funds)\b", task.title):
        scores[BLOCKED] += 4.0
        blockers.insert(0, "banking")
    if verb in {"collect", "gather"} and any(
        w in {"feedback", "responses", "data", "ideas", "requirements"} for w in r.obj_words
    ):
        scores[IMMEDIATE] += 2.5

    if find_urls(task.title) and not blockers:
        scores[IMMEDIATE] += 1.5
    if find_emails(task.title):
        scores[IMMEDIATE] += 1.0
    if find_channels(task.title) or "slack" in r.title_words:
        scores[IMMEDIATE] += 1.0
    if task.execution_type == ExecutionType.MANUAL.value:
        scores[BLOCKED] += 1.0
    if task.part_of:
        # Already a piece of a larger task: split again only on strong evidence.
        scores[DECOMPOSE] -= 2.0
    return blockers


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


def _blocked_reason(r: _Reading, blockers: list[str]) -> str:
    kind = blockers[0] if blockers else "human"
    if r.verb == "interview" or ("interview" in r.title_words and kind == "in_person"):
        kind = "interview"
    need, alternative = _BLOCKERS[kind]
    obj = re.sub(r"\s+", " ", r.obj).strip(" .")
    obj = re.sub(r"\b(my|our)\b", lambda m: "your" if m.group(1) == "my" else "our", obj)
    action = f"{_gerund(r.verb)} {obj}".strip() if r.verb else "doing it"
    return f"Needs {need}; unblock by {action} yourself or {alternative}."


def _immediate_execution_type(task: TaskText, r: _Reading) -> ExecutionType:
    given = task.execution_type
    if given in {e.value for e in ExecutionType} and given != ExecutionType.MANUAL.value:
        return ExecutionType(given)
    if r.verb in OUTBOUND_VERBS or r.verb in {"follow up", "reach out", "send out"}:
        return ExecutionType.SEMI_AUTOMATED
    return ExecutionType.FULLY_AUTOMATED


def _immediate_reason(task: TaskText, r: _Reading, execution: ExecutionType) -> str:
    obj = r.obj.strip(" .") or "it"
    if find_urls(task.title):
        return "The AI can open the web page and answer from its text right away."
    if execution is ExecutionType.SEMI_AUTOMATED:
        channel = (
            "calendar"
            if r.verb in {"schedule", "reschedule", "book", "invite", "cancel"}
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
