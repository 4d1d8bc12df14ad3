"""Facts a message can use, read from a task's details, and the details retold to the reader.

"We discussed the annual discount. She wants a decision by Friday." becomes, for an email to
her: discussed = "the annual discount", and "You would like a decision by Friday."
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agents.offline.text import capitalize_first, sentences

_DISCUSSED_RE = re.compile(
    r"\b(?:we\s+|you\s+and\s+I\s+)?(?:discussed|talked about|talked through|went over|went "
    r"through|covered|spoke about|chatted about|looked at)\s+(?P<what>[^.;!?]+)",
    re.I,
)
_COMMITMENT_RE = re.compile(
    r"\b(?:(?:we\s+)?agreed that\s+)?(?:I|we)(?:'ll|\s+(?:will|shall|am going to|are going to|"
    r"agreed to|promised to|offered to|need to|have to|owe (?:you|him|her|them))|\s+(?=send\b|"
    r"share\b|follow\b|get back\b|prepare\b|draft\b|schedule\b|introduce\b|check\b))\s*"
    r"(?P<what>[^.;!?]+)",
    re.I,
)
_REASON_RE = re.compile(r"\b(?:because(?: of)?|due to|caused by)\s+(?P<why>[^.;!?]+)", re.I)
_ADVERB = r"(?:(?:also|always|still|just|really|already|now)\s+)?"
_VERB_FIXES = {
    "is": "are", "was": "were", "has": "have", "does": "do", "wants": "would like",
    "doesn't": "don't", "isn't": "aren't", "wasn't": "weren't", "hasn't": "haven't",
}  # fmt: skip
#: Words after "her" that show it is the object ("send her the deck"), not "her team".
_AFTER_OBJECT_HER = re.compile(
    r"^(?:the|a|an|to|by|about|on|in|at|with|for|and|or|know|back|up|again|soon|today|"
    r"tomorrow|[.,;:!?]|$)",
    re.I,
)


@dataclass
class Facts:
    """What the details of a task say that a message can use directly."""

    discussed: str = ""
    """What was talked about ("the Q3 roadmap")."""
    commitments: list[str] = field(default_factory=list)
    """What the sender promised, in the sender's voice ("send you the spec by Thursday")."""
    reason: str = ""
    """Why something happened ("a port strike")."""
    other: list[str] = field(default_factory=list)
    """The remaining sentences, retold to the reader."""

    @property
    def any(self) -> bool:
        return bool(self.discussed or self.commitments or self.reason or self.other)


def read_facts(details: str, reader: list[str], group: bool = False) -> Facts:
    """The facts of the details, with sentences about the reader retold to them ('you')."""
    facts = Facts()
    for sentence in sentences(details):
        spans: list[tuple[int, int]] = []
        discussed = _DISCUSSED_RE.search(sentence)
        if discussed and not facts.discussed:
            what = _CUT_RE.split(discussed.group("what"), maxsplit=1)[0]
            facts.discussed = _clean(what)
            spans.append((discussed.start(), discussed.start("what") + len(what)))
        for promise in _COMMITMENT_RE.finditer(sentence):
            facts.commitments.append(_clean(to_reader(promise.group("what"), reader, group)))
            spans.append(promise.span())
        reason = _REASON_RE.search(sentence)
        if reason and not facts.reason:
            facts.reason = _clean(reason.group("why"))
        left = sentence
        for start, end in sorted(spans, reverse=True):
            left = left[:start] + " " + left[end:]
        if len(re.findall(r"[a-z]{3,}", left.lower().replace("and", ""))) > 1:
            facts.other.append(capitalize_first(to_reader(sentence, reader, group)))
    return facts


#: Where a discussed topic ends: "the roadmap and agreed that I ..." -> "the roadmap".
_CUT_RE = re.compile(r",?\s+(?:and|but|so)\s+(?:agreed|decided|I|we|she|he|they|you)\b|,\s+")


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" ,.;:")


def to_reader(text: str, reader: list[str], group: bool = False) -> str:
    """The text retold to its reader: 'She wants X' -> 'You would like X', 'send him' ->
    'send you', 'Sarah's team' -> 'your team' (reader: the reader's names)."""
    names = [re.escape(n) for n in reader if n]
    singular = [*names, "she", "he"]
    plural = ["they"] if group else []
    if singular:
        text = re.sub(
            rf"\b(?:{'|'.join(singular)})\s+(?P<adverb>{_ADVERB})(?P<verb>[a-z']+)\b",
            lambda m: _you_verb(m.group("adverb"), m.group("verb")),
            text,
            flags=re.I,
        )
        if re.match(r"you\b", text, re.I):
            text = re.sub(
                r"\b(and|but)\s+(is|was|has)\b",
                lambda m: f"{m.group(1)} {_VERB_FIXES[m.group(2)]}",
                text,
            )
    if plural:
        text = re.sub(r"\bthey\b", "you", text, flags=re.I)
        text = re.sub(r"\bthem\b", "you", text, flags=re.I)
        text = re.sub(r"\btheir\b", "your", text, flags=re.I)
    if names:
        text = re.sub(rf"\b(?:{'|'.join(names)})'s\b", "your", text)
        text = re.sub(rf"\b(?:{'|'.join(names)})\b", "you", text)
    text = re.sub(r"\bhim\b", "you", text, flags=re.I)
    text = re.sub(r"\bhis\b", "your", text, flags=re.I)
    text = re.sub(
        r"\bher\b(\s*)(\S*)",
        lambda m: (
            ("you" if _AFTER_OBJECT_HER.match(m.group(2) or "") else "your")
            + m.group(1)
            + m.group(2)
        ),
        text,
        flags=re.I,
    )
    return re.sub(r"(^|[.!?]\s+)you\b", lambda m: m.group(1) + "You", text)


def _you_verb(adverb: str, verb: str) -> str:
    """'She also wants' -> 'you also would like'; 'Sarah asked' -> 'you asked'."""
    lower = verb.lower()
    if lower in _VERB_FIXES:
        new = _VERB_FIXES[lower]
    elif re.fullmatch(r"[a-z]+(?:ss|us|is)", lower) or not lower.endswith("s"):
        new = verb
    elif re.search(r"[^aeiou]ies$", lower):
        new = verb[:-3] + "y"
    elif re.search(r"(?:sh|ch|x|z|o)es$", lower):
        new = verb[:-2]
    else:
        new = verb[:-1]
    return f"you {adverb}{new}"
