"""Text helpers for the offline model: the task, addresses, names, dates and lists in it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from langchain_core.messages import BaseMessage, HumanMessage

from agents.prompts import parse_learned, parse_part_of, parse_task_prompt

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
URL_RE = re.compile(r"https?://[^\s<>\"')\]]+")
CHANNEL_RE = re.compile(r"(?<![\w&])#([a-z0-9][a-z0-9_\-]{0,79})", re.IGNORECASE)
WORD_RE = re.compile(r"[a-z0-9][a-z0-9'\-]*")

#: Openers people put before the actual request ("Please", "Can you", "I need to").
_LEAD_INS = re.compile(
    r"^(?:(?:please|pls|kindly|asap|urgent|todo|to do|task|reminder|fyi)\b[:,!\-\s]*"
    r"|(?:can|could|would|will) you(?: please)?\s+"
    r"|(?:i|we) (?:need|have|want|would like|'d like) (?:you )?to\s+"
    r"|(?:need|have|want) to\s+|help me(?: to)?\s+|(?:remember|make sure|don't forget) to\s+"
    r"|(?:let's|lets)\s+)+",
    re.IGNORECASE,
)

_GENERIC_MAILBOXES = {
    "info",
    "support",
    "sales",
    "hello",
    "contact",
    "admin",
    "team",
    "office",
    "billing",
    "help",
    "hr",
    "jobs",
    "careers",
    "noreply",
    "no-reply",
    "press",
    "accounts",
    "finance",
}

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty-five": 45,
    "sixty": 60,
    "ninety": 90,
    "half an": 30,
    "an": 60,
    "a": 60,
}


@dataclass(frozen=True)
class TaskText:
    """The task the model was given, split back into its labelled parts."""

    title: str
    details: str = ""
    execution_type: str | None = None
    part_of: str | None = None
    """The parent task's title when this task is a subtask."""
    learned: tuple[str, ...] = ()
    """Preferences learned from the organization's edits (agents.learning's prompt lines)."""

    @property
    def text(self) -> str:
        """Title and details together, as one string."""
        return f"{self.title}\n{self.details}".strip()

    @property
    def lower(self) -> str:
        return self.text.lower()


def task_from_messages(messages: list[BaseMessage]) -> TaskText:
    """The task in a conversation: the first human message in `task_prompt` format, else the
    last human message, else an empty task."""
    humans = [m for m in messages if isinstance(m, HumanMessage) or m.type == "human"]
    chosen = next((m for m in humans if str(m.content).lstrip().startswith("Task: ")), None)
    if chosen is None and humans:
        chosen = humans[-1]
    if chosen is None:
        return TaskText(title="")
    raw = message_text(chosen)
    title, details = parse_task_prompt(raw)
    kind = re.search(r"^Execution type: *(\w+)", raw, re.MULTILINE)
    return TaskText(
        title=title,
        details=details,
        execution_type=kind.group(1) if kind else None,
        part_of=parse_part_of(raw),
        learned=tuple(parse_learned(raw)),
    )


def message_text(message: BaseMessage) -> str:
    """A message's text, whether its content is a string or a list of content blocks."""
    content = message.content
    if isinstance(content, str):
        return content
    parts = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and isinstance(block.get("text"), str):
            parts.append(block["text"])
    return "\n".join(parts)


def missing(what: str) -> str:
    """A visible gap where the task does not say what to write: "[missing: the new date]".

    The offline model writes only what a task's words support; a gap keeps a draft honest,
    and the policy gate refuses to send, post or submit text that still has one."""
    return f"[missing: {what}]"


def wordlist(text: str) -> list[str]:
    """A list of words written as one string, for readable word tables."""
    return text.split()


def words(text: str) -> list[str]:
    """Lowercase word tokens."""
    return WORD_RE.findall(text.lower())


def strip_lead_in(title: str) -> str:
    """The request without polite or filler openers ("Please", "Can you", "I need to")."""
    return _LEAD_INS.sub("", title.strip()).strip()


def find_emails(text: str) -> list[str]:
    """Email addresses in order of appearance, without duplicates."""
    seen: dict[str, None] = {}
    for match in EMAIL_RE.findall(text):
        seen.setdefault(match.rstrip("."), None)
    return list(seen)


def find_urls(text: str) -> list[str]:
    """URLs in order of appearance, trailing punctuation removed."""
    return [u.rstrip(".,;:!?") for u in URL_RE.findall(text)]


def find_channels(text: str) -> list[str]:
    """Slack channel names written as #name, with the '#'."""
    return [f"#{name.lower()}" for name in CHANNEL_RE.findall(text)]


def name_from_email(address: str) -> str | None:
    """A first name from an address (john.smith@x -> John); None for shared mailboxes."""
    local = address.split("@", 1)[0].lower()
    if local in _GENERIC_MAILBOXES:
        return None
    first = re.split(r"[._\-+0-9]", local)[0]
    if len(first) < 2:
        return None
    return first.capitalize()


def capitalize_first(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


#: A sentence ends at . ! ? before a capital, digit, quote, @mention or bracket, but not
#: after a title or a Latin abbreviation ("Dr. Smith", "e.g. the bank").
_SENTENCE_END = re.compile(
    r"(?<!\b[Dd]r\.)(?<!\bM[rs]\.)(?<!\bMrs\.)(?<!\bSt\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bvs\.)"
    r"(?<=[.!?])\s+(?=[A-Z0-9\"'@(\[])"
)


def sentences(text: str) -> list[str]:
    """Sentences and bullet lines of free text, labels like 'Notes:' removed."""
    text = re.sub(r"\.{3,}|…", " ", text)
    pieces: list[str] = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line).strip()
        line = re.sub(r"^(?:notes?|transcript|details|context)\s*:\s*", "", line, flags=re.I)
        for part in re.split(_SENTENCE_END, line):
            part = part.strip()
            if len(part.strip(".!? ")) > 1:
                pieces.append(part)
    return pieces


def split_items(text: str) -> list[str]:
    """The items of a short list ("Venue, invitations, press kit and follow-up.")."""
    text = re.sub(r"^(?:[\w ]{1,30}:)\s*", "", text.strip())
    parts = re.split(r"\n|;|,|\band\b|\s+&\s+", text)
    items = []
    for part in parts:
        part = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", part).strip(" .!")
        if part:
            items.append(part)
    return items


def listed_items(details: str) -> list[str]:
    """Items when the details are a short list of things, else an empty list."""
    items = split_items(details)
    if len(items) < 2 or any(len(item.split()) > 6 for item in items):
        return []
    # "The AI drafts what it can; a person reviews it" is a sentence, not a list of things.
    if any(_CLAUSE_WORDS & set(item.lower().split()) for item in items):
        return []
    return items


#: Words that make an "item" a clause (a sentence fragment) rather than a thing to deliver.
_CLAUSE_WORDS = {
    "it",
    "what",
    "they",
    "we",
    "he",
    "she",
    "you",
    "i",
    "them",
    "this",
    "that",
    "is",
    "are",
    "was",
    "will",
    "can",
    "should",
}


def duration_minutes(text: str) -> int | None:
    """A duration like '30 minute', '45-min', '1 hour', 'half an hour', 'two hours'."""
    lower = text.lower()
    match = re.search(r"(\d+(?:\.\d+)?)\s*-?\s*(minutes?|mins?|hours?|hrs?|h)\b", lower)
    if match:
        amount = float(match.group(1))
        return int(amount * 60) if match.group(2).startswith("h") else int(amount)
    match = re.search(r"\b(half an|an|a|one|two|three)\s*-?\s*hours?\b", lower)
    if match:
        hours = {"half an": 0.5, "an": 1, "a": 1, "one": 1, "two": 2, "three": 3}[match.group(1)]
        return int(hours * 60)
    match = re.search(r"\b(" + "|".join(_NUMBER_WORDS) + r")\s*-?\s*min(?:ute)?s?\b", lower)
    if match:
        return _NUMBER_WORDS[match.group(1)]
    return None


def time_of_day(text: str) -> tuple[int, int] | None:
    """A clock time like 'at 3pm', '14:30', '9 am', 'noon'."""
    lower = text.lower()
    if re.search(r"\bnoon\b|\bmidday\b", lower):
        return 12, 0
    match = re.search(r"\b(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)", lower)
    if match:
        hour, minute = int(match.group(1)) % 12, int(match.group(2) or 0)
        if match.group(3).startswith("p"):
            hour += 12
        return hour, minute
    match = re.search(r"\b(?:at\s+)?([01]?\d|2[0-3]):([0-5]\d)\b", lower)
    if match:
        return int(match.group(1)), int(match.group(2))
    match = re.search(r"\bat\s+(\d{1,2})\b(?!\s*(?:%|people|min|hour))", lower)
    if match and 7 <= int(match.group(1)) <= 19:
        hour = int(match.group(1))
        return (hour + 12 if hour < 7 else hour), 0
    return None


def resolve_day(text: str, today: date) -> date | None:
    """The day a text refers to ('tomorrow', 'next Tuesday', 'on Friday', 'March 3',
    '2025-03-04'), resolved against `today`; None when no day is mentioned."""
    lower = text.lower()
    match = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", lower)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
    if re.search(r"\bday after tomorrow\b", lower):
        return today + timedelta(days=2)
    if re.search(r"\btomorrow'?s?\b", lower):
        return today + timedelta(days=1)
    if re.search(r"\b(?:today|tonight|this (?:morning|afternoon|evening))'?s?\b", lower):
        return today
    next_week = bool(re.search(r"\bnext week\b", lower))
    for index, name in enumerate(WEEKDAYS):
        match = re.search(rf"\b(next|this|on|coming)?\s*{name}'?s?\b", lower)
        if match:
            if match.group(1) == "next" or next_week:
                return today + timedelta(days=7 - today.weekday() + index)
            ahead = (index - today.weekday()) % 7 or 7
            return today + timedelta(days=ahead)
    if next_week:
        return today + timedelta(days=7 - today.weekday())
    return _month_day(lower, today)


def _month_day(lower: str, today: date) -> date | None:
    names = "|".join(m[:3] + r"[a-z]*" for m in MONTHS)
    match = re.search(rf"\b({names})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", lower)
    day_first = re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({names})\b", lower)
    if match:
        month_name, day_text = match.group(1), match.group(2)
    elif day_first:
        day_text, month_name = day_first.group(1), day_first.group(2)
    else:
        return None
    month = next(i for i, m in enumerate(MONTHS, 1) if month_name.startswith(m[:3]))
    try:
        candidate = date(today.year, month, int(day_text))
        if candidate < today:
            candidate = date(today.year + 1, month, int(day_text))
    except ValueError:
        return None
    return candidate


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Midnight to midnight (UTC) of a day."""
    from datetime import UTC

    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


def content_words(text: str, ignore: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """The words of a text that carry meaning (no stop words), in order, without duplicates."""
    seen: dict[str, None] = {}
    for word in words(text):
        if len(word) > 2 and word not in STOP_WORDS and word not in ignore:
            seen.setdefault(word, None)
    return list(seen)


STOP_WORDS = frozenset(
    wordlist(
        """a an the and or but of for to in on at by with from about into over after before
        this that these those it its is are was were be been being do does did have has had
        i me my we our you your he him his she her they them their what which who whom how
        when where why will would can could should shall may might must please tell let also
        up out some any all just so than then there here as not no yes very via per new"""
    )
)
