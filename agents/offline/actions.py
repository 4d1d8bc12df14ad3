"""Action items and decisions in meeting notes and transcripts, for the offline model.

Reads the ways people write who does what: "Sam will send the deck by Friday", "Ana to book
the venue", "Priya drafts the FAQ", "Action: Sam - update the page", "@lee please send the
invoice", "TODO(maria): fix the bug", "Ben: I'll update the notes", "Carl, you take it",
and imperative lines ("Email the vendor to confirm"). Decisions ("We decided to keep the
vendor") are decisions, not action items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agents.offline.text import capitalize_first, sentences, wordlist

UNASSIGNED = "Unassigned"
NOTE_TAKER = "Me (note taker)"

_NAME = r"[A-Z][a-z]+(?:\s[A-Z][a-z]+)?"
_OWNER = rf"(?:{_NAME}|[Ww]e|I)"
_MODALS = (
    r"will|shall|is going to|are going to|am going to|needs to|need to|should|must|has to|"
    r"have to|agreed to|promised to|volunteered to|offered to|is to|to"
)
_ADVERB = r"(?:(?:also|then|still|just|now|quickly)\s+)?"
_MODAL_RE = re.compile(
    rf"(?<![\w'@])(?P<owner>{_OWNER})(?:'ll\s+|\s+{_ADVERB}(?P<modal>{_MODALS})\s+){_ADVERB}"
    rf"(?P<action>.+?)(?=(?:,?\s+and\s+|,\s*|;\s*|\s+then\s+){_OWNER}(?:'ll|\s+(?:{_MODALS}))\s"
    r"|[.;\n]|$)"
)
#: Base forms of verbs people use for assigned work ("Lee calls the warehouse").
_VERBS = wordlist(
    """draft write send email call book update review prepare schedule own handle take follow
    reach check fix set share post organize organise contact create finalize finalise build run
    lead test deploy file submit order collect compile coordinate confirm ask invite sort talk
    research investigate document publish merge ship migrate pay sign find get put plan design
    reply respond clean remove add move print buy arrange host present record upload install
    configure circulate distribute reserve cancel renew notify remind chase escalate monitor
    track analyze analyse summarize summarise outline translate edit proofread negotiate hire
    interview onboard train brief sync meet visit look prepare pick drive hand set clarify
    double-check start finish complete kick introduce reconcile"""
)
_VERB_SET = frozenset(_VERBS)
_IMPERATIVE = _VERB_SET - {"own", "take", "look", "get", "put", "start", "meet"}


def _third_person(verb: str) -> str:
    if re.search(r"(?:s|sh|ch|x|z|o)$", verb):
        return verb + "es"
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ies"
    return verb + "s"


_THIRD_TO_BASE = {_third_person(v): v for v in _VERBS}
_PRESENT_RE = re.compile(
    rf"(?<![\w'@])(?P<owner>{_NAME})\s+{_ADVERB}(?P<verb>{'|'.join(sorted(_THIRD_TO_BASE))})\b"
    rf"(?P<rest>.*?)(?=(?:,?\s+and\s+|,\s*|;\s*){_NAME}\s+\w+s\b|[.;\n]|$)"
)
_LABELLED_RE = re.compile(
    rf"^(?:action(?: item)?s?|ai|todo|to-?do)\s*:\s*(?P<owner>{_NAME})\s*"
    r"(?:[-:\u2013\u2014]|\bto\b)\s*(?P<action>.+)$",
    re.I,
)
_TODO_RE = re.compile(
    r"^(?:todo|to-?do|action)\s*\(\s*@?(?P<owner>\w+)\s*\)\s*:?\s*(?P<action>.+)$", re.I
)
_MENTION_RE = re.compile(
    r"@(?P<owner>[A-Za-z][\w.\-]*[A-Za-z0-9])[,:]?\s+(?:(?:please|pls|can you|could you|would you)"
    r"\s+)?(?P<action>.+)$"
)
_ADDRESSED_RE = re.compile(
    rf"^(?P<owner>{_NAME}),\s+(?:(?:can|could|would|will) you|you(?:'ll| will| can)?|please)\s+"
    r"(?:please\s+)?(?P<action>.+)$"
)
_SPEAKER_RE = re.compile(rf"^(?P<speaker>{_NAME})\s*:\s*")
_QUESTION_RE = re.compile(
    r"^who\s+(?:owns|will own|is owning|takes|will take|handles|will handle|is doing|will do|"
    r"can do|is on)\s+(?P<thing>.+?)\?*$",
    re.I,
)
_PRONOUN_ACTION = re.compile(r"^(?:take|own|handle|do|grab|cover)\s+(?:it|that|this)$", re.I)
_DECISION_RE = re.compile(
    r"\b(?:decided|agreed|approved|going with|go with|chose|will ship|will launch|will release|"
    r"settled on|confirmed)\b",
    re.I,
)
_NOT_OWNERS = set(
    wordlist(
        "Welcome Need Want Plan Going Remember Moved Due Back Next Release Launch Notes Note "
        "Agreed Decided Time Nice Glad Happy Thanks Thank How What When Where Why Who Also "
        "Then Today Tomorrow Monday Tuesday Wednesday Thursday Friday Saturday Sunday Ready "
        "Hard Easy Important Action Items Update Updates Everyone Someone Nobody Transcript "
        "Please Great Okay Sure Yes No Let Lets This That These Those It There Here Revenue "
        "Churn Budget Sales Costs Customers Users Sign Signups"
    )
)
_DAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_WHEN = (
    rf"(?:(?:next|this)\s+)?(?:{_DAY}|tomorrow|today|tonight|eod|eow|end of (?:the )?"
    rf"(?:day|week|month|quarter)|the \d{{1,2}}(?:st|nd|rd|th)|"
    rf"{_MONTH}\.? \d{{1,2}}(?:st|nd|rd|th)?|"
    rf"\d{{1,2}}(?:st|nd|rd|th)?(?: of)? {_MONTH}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}})"
)
DUE_RE = re.compile(
    rf",?\s*\b(?P<due>(?:(?:by|before|on|until|no later than|due)\s+{_WHEN})|tomorrow|today|"
    rf"tonight|next week|this week|asap|(?:by\s+)?(?:eod|eow)|"
    rf"end of (?:the )?(?:day|week|month))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ActionItem:
    """Who does what, by when (due is '' when the notes give no date)."""

    owner: str
    action: str
    due: str = ""

    def line(self) -> str:
        """'Owner - action (due Friday)'."""
        return f"{self.owner} - {self.action} ({f'due {self.due}' if self.due else 'no due date'})"

    def sentence(self) -> str:
        """'Priya will draft the FAQ by Friday.'"""
        if self.owner == UNASSIGNED:
            return f"Still to be assigned: {self.action}{due_phrase(self.due)}."
        who = {NOTE_TAKER: "I", "Team": "The team"}.get(self.owner, self.owner)
        return f"{who} will {self.action}{due_phrase(self.due)}."


def due_phrase(due: str) -> str:
    """' by Friday', ' next week', '' for an item's due date inside a sentence."""
    if not due:
        return ""
    if re.match(r"(?:next|this|today|tomorrow|tonight|asap|before|end of)\b", due, re.I):
        return f" {due}"
    return f" by {due}"


@dataclass(frozen=True)
class _Line:
    """One sentence of the notes with who said it (transcripts) and what came before it."""

    text: str
    speaker: str
    previous: str


def note_lines(notes: str) -> list[_Line]:
    """The notes' sentences without speaker labels, each with its speaker ('' when none)."""
    lines: list[_Line] = []
    speaker, previous = "", ""
    for sentence in sentences(notes):
        label = _SPEAKER_RE.match(sentence)
        if label and label.group("speaker") not in _NOT_OWNERS:
            speaker = label.group("speaker")
            sentence = sentence[label.end() :].strip()
        if sentence:
            lines.append(_Line(sentence, speaker, previous))
            previous = sentence
    return lines


def speakers(notes: str) -> list[str]:
    """People who speak in a transcript ('Anna: ...'), in order of first appearance."""
    return list(dict.fromkeys(line.speaker for line in note_lines(notes) if line.speaker))


def action_items(notes: str) -> list[ActionItem]:
    """Every action item in the notes, in order, without repeats."""
    items: list[ActionItem] = []
    for _, found in items_by_line(notes):
        for item in found:
            if all((item.owner, item.action.lower()) != (i.owner, i.action.lower()) for i in items):
                items.append(item)
    return items


def items_by_line(notes: str) -> list[tuple[_Line, list[ActionItem]]]:
    """Each sentence of the notes with the action items it states (often none)."""
    return [(line, _items_in(line)) for line in note_lines(notes)]


def _items_in(line: _Line) -> list[ActionItem]:
    text = line.text.strip()
    for pattern in (_LABELLED_RE, _TODO_RE, _ADDRESSED_RE):
        match = pattern.match(text)
        if match:
            return _make(match.group("owner"), match.group("action"), line)
    mention = _MENTION_RE.search(text)
    if mention:
        return _make(mention.group("owner"), mention.group("action"), line)
    found: list[tuple[int, list[ActionItem]]] = []
    for match in _MODAL_RE.finditer(text):
        owner = match.group("owner")
        if owner.lower() == "we" and match.group("modal") in {"agreed to", "to"}:
            continue  # "We agreed to keep the vendor" is a decision
        if owner.lower() == "we" and _DECISION_RE.search(text[: match.start("action")]):
            continue
        made = _make(owner, match.group("action"), line)
        if made:
            found.append((match.start(), made))
    for match in _PRESENT_RE.finditer(text):
        if any(start == match.start() for start, _ in found):
            continue
        base = _THIRD_TO_BASE[match.group("verb")]
        made = _make(match.group("owner"), base + match.group("rest"), line)
        if made:
            found.append((match.start(), made))
    if found:
        return [item for _, items in sorted(found, key=lambda f: f[0]) for item in items]
    first = (text.split() or [""])[0].lower()
    if first in _IMPERATIVE and not _DECISION_RE.search(text) and not text.endswith("?"):
        return _make(UNASSIGNED, text, line)
    return []


def _make(owner: str, action: str, line: _Line) -> list[ActionItem]:
    owner = owner.strip()
    head = owner.split()[0]
    if owner in _NOT_OWNERS or head in _NOT_OWNERS or (owner != "I" and head.lower() in _VERB_SET):
        return []
    if owner == "I":
        owner = line.speaker or NOTE_TAKER
    elif owner.lower() == "we":
        owner = "Team"
    elif owner != UNASSIGNED:
        owner = capitalize_first(owner)
    action = re.sub(r"^(?:please|pls)\s+", "", action.strip(), flags=re.I)
    due = ""
    found = DUE_RE.search(action)
    if found:
        due = re.sub(r"^(?:by|on|until|due|no later than)\s+", "", found.group("due"), flags=re.I)
        action = action[: found.start()] + action[found.end() :]
    action = re.sub(r"\s+", " ", action).strip(" ,.;:!-")
    if _PRONOUN_ACTION.match(action):
        asked = _QUESTION_RE.match(line.previous.strip())
        if asked:
            action = f"own {asked.group('thing').strip()}"
    if not action:
        return []
    first, _, rest = action.partition(" ")
    if owner == UNASSIGNED:
        action = first.lower() + (f" {rest}" if rest else "")
    return [ActionItem(owner, action, due)]


def decisions(notes: str) -> list[str]:
    """Sentences of the notes that record a decision, without speaker labels ("We agreed that
    Priya will update the page" assigns work: it is an action item, not a decision)."""
    return [
        capitalize_first(line.text)
        for line, items in items_by_line(notes)
        if _DECISION_RE.search(line.text) and not items
    ]
