"""Task extraction for the offline model: the requests, commitments and action items in a
chat message, an email or meeting notes, found by their cues (in English, German, Spanish
and French) — the offline model's answer to `ExtractedTasks`.

A sentence is a task when it asks for work ("please ...", "can you ...", "action item:",
"- [ ] ..."), promises it ("I'll send ...", "Anna to book ..."), or starts with an action
verb; greetings, thanks, questions that ask for no work and status updates are not. The
title is the action the cue introduces; the due date is read from the sentence.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from agents.offline.languages import correct_typo, detect_language, gloss
from agents.offline.text import TaskText, capitalize_first, resolve_day

#: Lead-ins that ask someone for work, per language; the action follows.
_REQUEST = [
    r"(?:can|could|would|will) (?:you|u|someone|somebody|anyone) (?:please |pls )?",
    r"(?:please|pls|plz)(?: could you| can you)?,? ",
    r"(?:just )?a (?:quick |friendly )?reminder to ",
    r"(?:don'?t|do not) forget to ",
    r"remember to ",
    r"make sure (?:to |that you )?",
    r"(?:i|we) need (?:you|someone) to ",
    r"(?:we|you) (?:need|have|must|should) to ",
    r"(?:action(?: item)?|todo|to-do|to do|ai|next step)s?\s*[:\-]\s*",
    r"\[ ?\]\s*",
    # German
    r"(?:bitte|kannst du|könntest du|können sie|könnten sie)(?: bitte)?,? ",
    r"vergiss nicht,? ",
    r"wir müssen ",
    # Spanish
    r"¿?(?:puedes|podrías|puede usted|podéis)(?: por favor)? ",
    r"por favor,? ",
    r"no olvides ",
    r"(?:tenemos que|hay que|necesitamos) ",
    # French
    r"(?:merci de|peux-tu|pourrais-tu|pouvez-vous|pourriez-vous)(?: s'il te plaît)? ",
    r"n'oublie pas de ",
    r"(?:il faut|on doit|nous devons) ",
]
_REQUEST_RE = re.compile(
    r"^(?:hi|hey|hello|hallo|hola|salut|bonjour)?[\w ,]{0,20}?[,:]?\s*(?:"
    + "|".join(_REQUEST)
    + r")(?P<action>.+)$",
    re.IGNORECASE,
)

#: Someone promising the work: "I'll send", "Anna will book", "Anna to book", per language.
_COMMIT_RE = re.compile(
    r"^(?P<who>I|We|we|[A-ZÄÖÜÉÈ][\w-]+(?: and [A-Z][\w-]+)?)"
    r"(?:'ll |\s+(?:will|is going to|are going to|to|werde|wird|voy a|va a|vais a|va) )"
    r"(?P<action>.+)$",
)
_COMMIT_FIRST_PERSON_RE = re.compile(
    r"^(?:je vais|nous allons|on va|voy a|vamos a|ich werde|wir werden) (?P<action>.+)$",
    re.IGNORECASE,
)

#: Verbs that start an imperative task (English; other languages are read through the gloss).
_VERBS = """send write draft email reply book schedule reschedule call review update prepare
share order buy pay sign fix file submit invite confirm cancel organize organise plan create
post publish translate summarize check follow arrange set print pick collect renew upload
finish complete approve add remove move contact remind notify ask tell"""
ACTION_VERBS = frozenset(_VERBS.split())

#: Work a person has to do themselves (classification decides the rest).
_MANUAL_HINT = re.compile(
    r"\b(?:call|phone|pay|buy|purchase|order|sign|print|pick up|collect|drive|visit|"
    r"hand over|deliver)\b",
    re.IGNORECASE,
)

_NOT_WORK = re.compile(
    r"^(?:thanks|thank you|danke|gracias|merci(?! de| d')|great|ok|okay|sounds good|lol|cheers|"
    r"good (?:morning|night)|how are you)\b",
    re.IGNORECASE,
)
_DUE_PHRASE = re.compile(
    r"\s*\b(?:by|before|until|on|bis|hasta|para el|antes del?|avant|d'ici|pour)\s+(?:the\s+)?"
    r"(?:end of (?:the )?(?:day|week)|eod|eow|tomorrow|today|tonight|(?:next |this )?"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|montag|dienstag|mittwoch|"
    r"donnerstag|freitag|samstag|sonntag|lunes|martes|miércoles|jueves|viernes|sábado|"
    r"domingo|el lunes|el martes|el miércoles|el jueves|el viernes|del lunes|lundi|mardi|"
    r"mercredi|jeudi|vendredi|samedi|dimanche|morgen|mañana|demain)|\d{4}-\d{2}-\d{2}|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?)\b",
    re.IGNORECASE,
)


def _units(text: str) -> list[str]:
    """Lines, and sentences within them (a checkbox or bullet stays one unit)."""
    units = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        for part in re.split(r"(?<=[.!?])\s+(?=[A-ZÄÖÜÉ¿\-*\[])", line):
            part = part.strip()
            if part:
                units.append(part)
    return units


def _clean_action(action: str) -> str:
    action = _DUE_PHRASE.sub("", action)
    first, _, rest = action.partition(" ")
    fixed = correct_typo(first.lower(), ACTION_VERBS)
    if fixed and fixed != first.lower():  # "sumarize the notes" -> "summarize the notes"
        action = f"{fixed} {rest}"
    action = re.sub(
        r"\s*(?:please|bitte|por favor|s'il te plaît|s'il vous plaît)\s*[?.!]*$",
        "",
        action,
        flags=re.I,
    )
    action = action.strip(" .!?¿¡,;:")
    return capitalize_first(action)


def _lead_verb(sentence: str) -> str | None:
    english = gloss(sentence, detect_language(sentence))
    first = re.sub(r"^[\s*\-•\d.)]+", "", english).split(" ", 1)[0].lower().strip(",.:")
    if first in ACTION_VERBS:
        return first
    fixed = correct_typo(first, ACTION_VERBS)
    return fixed


def _one(unit: str, today: Any) -> dict[str, Any] | None:
    body = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", unit).strip()
    body = re.sub(r"^(?:also|and|then|plus|oh and|btw|p\.?s\.?)[,:]?\s+", "", body, flags=re.I)
    if len(body) < 6 or _NOT_WORK.match(body):
        return None
    action, cue, confidence = "", "", 0.0
    if match := _REQUEST_RE.match(body):
        action, cue, confidence = match.group("action"), "asked for", 0.85
    elif (match := _COMMIT_RE.match(body)) or (match := _COMMIT_FIRST_PERSON_RE.match(body)):
        who = match.groupdict().get("who") or "someone"
        action, cue, confidence = match.group("action"), f"promised by {who}", 0.75
    elif body.endswith("?"):
        return None
    elif _lead_verb(body):
        action, cue, confidence = body, "an instruction", 0.7
    if not action or (not _lead_verb(action) and confidence < 0.8):
        return None
    title = _clean_action(action)
    if len(title) < 4:
        return None
    due = resolve_day(gloss(body), today)
    return {
        "title": title,
        "description": "",
        "execution_type": "manual" if _MANUAL_HINT.search(gloss(title)) else None,
        "due_date": due.isoformat() if due else None,
        "confidence": confidence,
        "why": f"{cue} in the text",
        "quote": body,
    }


def extracted_tasks(task: TaskText) -> dict[str, Any]:
    """{extracted_tasks: [...]} from the text in the task's details."""
    today = datetime.now(UTC).date()
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    for unit in _units(task.details):
        item = _one(unit, today)
        if item is None:
            continue
        key = " ".join(item["title"].lower().split())
        if key not in seen:
            seen.add(key)
            found.append(item)
    return {"extracted_tasks": found[:20]}
