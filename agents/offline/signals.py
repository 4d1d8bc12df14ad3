"""What the offline classifier reads in a task: the lead verb and its object, whether it asks
for a meeting to be scheduled, and the weighted signals for each strategy."""

from __future__ import annotations

import re
from dataclasses import dataclass

from agents.offline.languages import correct_typo
from agents.offline.lexicon import (
    BIG_NOUNS,
    BIG_PHRASES,
    BLOCKED_VERBS,
    BLOCKER_NOUNS,
    BLOCKER_PHRASES,
    DECOMPOSE_VERBS,
    DOC_NOUNS,
    IMMEDIATE_VERBS,
    MEETING_NOUNS,
    PHRASAL,
    TEXT_FIX_NOUNS,
)
from agents.offline.text import (
    TaskText,
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
#: The blocker category a blocked lead verb stands for.
VERB_BLOCKER = {
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

# --- Scheduling a meeting -------------------------------------------------------------------
#: Verbs that, with a meeting as their object, mean "put it in the calendar".
_SCHEDULING_VERBS = set(wordlist("arrange book reserve organise organize schedule plan")) | {
    "set up"
}
#: Head nouns that name a meeting whatever else the phrase says ("a quarterly planning meeting").
_MEETING_HEADS = set(
    wordlist(
        "meeting call sync 1:1 1-on-1 one-on-one catch-up catchup check-in standup stand-up "
        "huddle retro retrospective appointment demo walkthrough interview"
    )
)
#: Head nouns that are a meeting or a whole event ("a project kickoff" / "the sales kickoff"):
#: a meeting only when the request carries a scheduling detail.
_MEETING_OR_EVENT_HEADS = set(wordlist("kickoff kick-off review session"))
#: Words that end the meeting's noun phrase and start its participants, time or topic.
_PHRASE_ENDS = set(
    wordlist(
        "with for about of on to at in next this tomorrow today tonight between regarding re "
        "so that from by before after during where and covering around over among via"
    )
)
#: Who, when or how long: the details of a calendar invitation.
_SCHEDULING_DETAIL = re.compile(
    r"\b(?:\d+(?:\.\d+)?\s*-?\s*(?:min(?:ute)?s?|h(?:ou)?rs?|hour)\b|half[- ]hour|hour[- ]long"
    r"|with\s+\S|between\s+\S|(?:mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow|today"
    r"|next\s+(?:week|month)|this\s+(?:week|afternoon|morning)|morning|afternoon"
    r"|\d{1,2}(?::\d{2})?\s*(?:am|pm)|noon|weekly|daily|fortnightly|biweekly|recurring)",
    re.IGNORECASE,
)
#: What makes the named gathering an event with phases rather than one calendar entry.
_EVENT_MARKERS = re.compile(
    r"\b(?:annual|yearly|company-wide|companywide|conference|offsite|off-site|"
    r"for\s+\d+\s+(?:people|attendees|guests|employees|participants))\b",
    re.IGNORECASE,
)


#: Every lead verb the signals weigh, for typo correction.
KNOWN_VERBS = frozenset(
    v for v in {*IMMEDIATE_VERBS, *DECOMPOSE_VERBS, *BLOCKED_VERBS} if " " not in v
)


@dataclass
class Reading:
    """What the classifier read from the title: the lead verb and its object."""

    verb: str
    obj: str
    obj_words: list[str]
    title_words: list[str]
    #: The request asks for a meeting to be put in the calendar ("set up a call with Ana").
    meeting: bool = False


def read_request(title: str) -> Reading:
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
    verb = correct_typo(verb, KNOWN_VERBS) or verb  # "shedule" -> "schedule"
    if verb == "get" and re.match(r"ready\b", rest, re.I):
        verb, rest = "prepare", re.sub(r"^ready\s*", "", rest, flags=re.I)
    reading = Reading(verb, rest, words(rest), words(title))
    reading.meeting = _asks_for_meeting(reading, title)
    return reading


def with_verb_corrected(title: str) -> str:
    """The title with a one-letter typo in its lead verb fixed ("drfat an email" -> "draft an
    email"); otherwise unchanged."""
    lead = strip_lead_in(title)
    first = re.match(r"[A-Za-z][\w'-]*", lead)
    if not first:
        return title
    fixed = correct_typo(first.group(0).lower(), KNOWN_VERBS)
    if fixed is None:
        return title
    start = title.find(lead) + first.start()
    return title[:start] + fixed + title[start + len(first.group(0)) :]


def meeting_phrase(obj: str) -> list[str]:
    """The noun phrase the object opens with, up to its participants, time or topic
    ("a 30 minute sync with the team on Friday" -> a, 30, minute, sync)."""
    phrase: list[str] = []
    for token in obj.lower().split():
        token = token.strip(".,;:!?()\"'")
        if not token or token in _PHRASE_ENDS:
            break
        phrase.append(token)
    return phrase


def _asks_for_meeting(r: Reading, title: str) -> bool:
    """Scheduling a meeting ("book a 1 hour project kickoff"), not organising an event
    ("organise the annual sales kickoff for 200 people", "organize the company offsite")."""
    if r.verb not in _SCHEDULING_VERBS:
        return False
    phrase = meeting_phrase(r.obj)
    if not phrase:
        return False
    head = phrase[-1]
    detail = bool(_SCHEDULING_DETAIL.search(title) or find_emails(title))
    text = " ".join(phrase)
    event = bool(_EVENT_MARKERS.search(title)) or any(p in text for p in BIG_PHRASES)
    if head in _MEETING_HEADS:
        return detail or not event
    if head in _MEETING_OR_EVENT_HEADS:
        return detail and not event
    return False


def score(task: TaskText, r: Reading, scores: dict[Strategy, float]) -> list[str]:
    """Add each signal's weight to `scores`; return the blocker categories seen, strongest
    first."""
    verb = r.verb
    blockers: list[str] = []
    if r.meeting:
        # The verb means "schedule" here, whatever it means for other objects; the details
        # are the meeting's agenda, not deliverables.
        scores[IMMEDIATE] += IMMEDIATE_VERBS["schedule"] + 1.0
        strong_immediate = True
    else:
        scores[IMMEDIATE] += IMMEDIATE_VERBS.get(verb, 0.0)
        scores[DECOMPOSE] += DECOMPOSE_VERBS.get(verb, 0.0)
        scores[BLOCKED] += BLOCKED_VERBS.get(verb, 0.0)
        strong_immediate = IMMEDIATE_VERBS.get(verb, 0.0) >= 3.0
        if verb in VERB_BLOCKER and BLOCKED_VERBS.get(verb, 0.0):
            blockers.append(VERB_BLOCKER[verb])

    head = r.obj_words[:4]
    if head and head[0] == "for" and verb in {"prepare", "get", "plan", "organize"}:
        scores[DECOMPOSE] += 2.0
        head = []
    doc_head = next((w for w in head if w in DOC_NOUNS), None)
    if doc_head is None and verb in _PLAN_WRITING_VERBS:
        doc_head = next((w for w in head if w in _PLAN_NOUNS), None)
    if doc_head and "for" in head and head.index("for") < head.index(doc_head):
        doc_head = None
    if doc_head and not r.meeting:
        if verb in _DOC_VERBS and verb not in _STRONG_DECOMPOSE:
            scores[IMMEDIATE] += 3.5
        else:
            scores[IMMEDIATE] += 1.5

    lower_title = " ".join(r.title_words)
    big = sum(1 for w in r.title_words if w in BIG_NOUNS)
    big += sum(1 for p in BIG_PHRASES if p in lower_title)
    if big:
        scores[DECOMPOSE] += 0.5 if doc_head or strong_immediate else min(2.5, 1.0 + 0.5 * big)
    if (
        _PEOPLE.search(lower_title)
        and verb in {"onboard", "train", "welcome", "set up"}
        and not r.meeting
    ):
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
    if verb in {"book", "reserve"} and not r.meeting:
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
