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
    r"(?:any chance )?(?:can|could|would|will) (?:you|u|someone|somebody|anyone)"
    r"(?: and [A-Z][\w-]+)? (?:please |pls )?",
    r"any chance you could ",
    r"let'?s (?:not forget (?:to )?|make sure (?:to )?)?",
    r"reminder(?: to (?:self|myself|all|everyone))?\s*:\s*",
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
    r"(?:merci de|peux-tu|pourrais-tu|pouvez-vous|pourriez-vous|tu peux|tu pourrais|"
    r"vous pouvez|vous pourriez)(?: s'il te plaît)? ",
    r"n'oublie pas de ",
    r"(?:il faut|on doit|nous devons) ",
]
_REQUEST_RE = re.compile(
    r"^(?:hi|hey|hello|hallo|hola|salut|bonjour)?[\w ,]{0,20}?[,:]?\s*(?<!\w)(?:"
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
finish complete approve add remove move contact remind notify ask tell forward ping chase
freeze migrate circulate reserve sort look proofread research test deploy install edit return
clean"""
ACTION_VERBS = frozenset(_VERBS.split())

#: Work a person has to do themselves (classification decides the rest).
_MANUAL_HINT = re.compile(
    r"\b(?:call|phone|pay|buy|purchase|order|sign|print|pick up|collect|drive|visit|"
    r"hand over|deliver)\b",
    re.IGNORECASE,
)

#: Someone in meeting notes taking the work: "Ben: migrate ...", "Li contacts ...", "Chris owns
#: ...", "Pedro preparará ...", "Marc doit contacter ...", "Tim kümmert sich um ...".
_OWNER = r"(?P<who>[A-ZÄÖÜÉÈ][\w-]+)"
_NAMED_ACTION_RE = re.compile(_OWNER + r":\s+(?P<action>.+)$")
_TAKES_ON_RE = re.compile(
    _OWNER + r"\s+(?:owns|handles|takes care of|will handle|kümmert sich um|übernimmt|"
    r"se encarga de|s'occupe de|doit|devra|muss|soll|debe|tiene que|"
    r"va a(?=\s+\w+(?:ar|er|ir)\b))\s+(?P<action>.+)$"
)
#: A future tense in Spanish or French ("preparará", "mettra"), not "will be" or "will have".
_FUTURE_RE = re.compile(
    _OWNER + r"\s+(?P<verb>(?!(?:será|sera|estará|habrá|aura|tendrá)\b)\w{3,}(?:rá|ra))\s+"
    r"(?P<action>.+)$"
)
#: "Ben updates the roadmap" (meeting notes only; "Sam sends his regards" is no task).
_THIRD_PERSON_RE = re.compile(
    _OWNER + r"\s+(?P<verb>[a-z]+?)(?:es|s)\s+(?P<rest>(?:the|a|an|our|all|\d+)\s.+)$"
)
#: Work stated as outstanding rather than asked for: "the contract still needs a signature",
#: "the checklist is still missing ...", "slides are due ...", "die Präsentation fehlt noch".
_OUTSTANDING_RE = re.compile(
    r"^(?:(?:i|we) )?(?:still )?need(?:s)? (?:the |a |an |your |to see )?\w|"
    r"\b(?:still needs|needs your|requires your|(?:is|are) still missing|(?:is|are) due|"
    r"fehlt noch|fehlen noch|sigue sin|(?<!me )(?<!te )(?<!nos )(?<!les )falta|manque)\b",
    re.IGNORECASE,
)
#: A request put last: "Q3 numbers to Priya, pls".
_TRAILING_PLEASE_RE = re.compile(
    r"^(?P<action>.{6,}?)[,\s]+(?:pls|plz|please|bitte|por favor|s'il te plaît|s'il vous plaît)"
    r"\s*[.!?]*$",
    re.IGNORECASE,
)
#: A leading time clause before an instruction: "After standup, call the bank".
_TIME_CLAUSE_RE = re.compile(
    r"^(?:after|before|when|once|first thing|tomorrow|today|tonight|later|this (?:morning|"
    r"afternoon|evening)|nach|después de|après)\b[^,]{0,40},\s*",
    re.IGNORECASE,
)
#: Headings of a list of action items in notes, and of lists that are not.
_ACTION_HEADING_RE = re.compile(
    r"^(?:todo|to-?do|to do|action items?|actions?|next steps?|follow[- ]ups?|open items|"
    r"offene punkte|aufgaben|tareas|acciones|pendientes|à faire|actions à mener)\s*:?$",
    re.IGNORECASE,
)
_OTHER_HEADING_RE = re.compile(r"^[\w' -]{2,30}:?$")
_BULLET_RE = re.compile(r"^\s*(?:[-*•]|\d+[.)]|\[ ?\])\s*")
#: An owner named after an action item: "Set up a release checklist (Ben)".
_OWNER_SUFFIX_RE = re.compile(r"\s*\([A-ZÄÖÜÉ][\w-]+\)\s*$")

#: An email's header line: never a task itself.
_HEADER_RE = re.compile(
    r"^(?:subject|re|fwd?|from|to|cc|date|betreff|von|an|asunto|de|para|objet|à)\s*:", re.I
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


def _units(text: str) -> list[tuple[str, bool]]:
    """Lines, and sentences and clauses within them (a checkbox or bullet stays one unit),
    each with whether it is an item under an action-items heading."""
    units: list[tuple[str, bool]] = []
    listed = False
    for line in text.splitlines():
        line = line.strip()
        if not line:
            listed = False
            continue
        if _ACTION_HEADING_RE.match(line):
            listed = True
            continue
        if _OTHER_HEADING_RE.match(line) and not _BULLET_RE.match(line):
            listed = False
        item = listed and bool(_BULLET_RE.match(line))
        for part in re.split(r"(?<=[.!?])\s+(?=[A-ZÄÖÜÉ¿\-*\[])|;\s+|,\s+and\s+(?=please\b)", line):
            part = part.strip()
            if part:
                units.append((part, item))
    return units


def _clean_action(action: str) -> str:
    action = _DUE_PHRASE.sub("", action)
    first, _, rest = action.partition(" ")
    fixed = None if _inflected(first.lower()) else correct_typo(first.lower(), ACTION_VERBS)
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
    if _inflected(first):
        return None  # "shared drive", "Sent!": a past or present form, not an instruction
    fixed = correct_typo(first, ACTION_VERBS)
    return fixed


def _inflected(word: str) -> str | None:
    """The action verb `word` is a form of ("sends", "shared", "booked"), or None."""
    for ending in ("es", "s", "ed", "d", "ing"):
        stem = word.removesuffix(ending)
        if stem != word and (stem in ACTION_VERBS or stem + "e" in ACTION_VERBS):
            return stem if stem in ACTION_VERBS else stem + "e"
    return None


def _cue(body: str, listed: bool, notes: bool) -> tuple[str, str, float]:
    """The action in one sentence, what marks it as work, and how sure that is (`listed`: an
    item under an action-items heading; `notes`: the text is meeting notes)."""
    if match := _REQUEST_RE.match(body):
        return match.group("action"), "asked for", 0.85
    if (match := _COMMIT_RE.match(body)) or (match := _COMMIT_FIRST_PERSON_RE.match(body)):
        who = match.groupdict().get("who") or "someone"
        return match.group("action"), f"promised by {who}", 0.75
    if listed:
        return _OWNER_SUFFIX_RE.sub("", body), "listed as an action item", 0.8
    if (match := _NAMED_ACTION_RE.match(body)) and _lead_verb(match.group("action")):
        return match.group("action"), f"assigned to {match.group('who')}", 0.75
    if (match := _TAKES_ON_RE.match(body)) or (match := _FUTURE_RE.match(body)):
        return match.group("action"), f"taken on by {match.group('who')}", 0.8
    if notes and (match := _THIRD_PERSON_RE.match(body)) and _inflected(match.group("verb") + "s"):
        verb = _inflected(match.group("verb") + "s") or match.group("verb")
        return f"{verb} {match.group('rest')}", f"taken on by {match.group('who')}", 0.75
    if match := _TRAILING_PLEASE_RE.match(body):
        return match.group("action"), "asked for", 0.8
    if _OUTSTANDING_RE.search(body) and not body.endswith("?"):
        return body, "outstanding work", 0.8
    if body.endswith("?"):
        return "", "", 0.0
    if _lead_verb(body):
        return body, "an instruction", 0.7
    return "", "", 0.0


def _is_work(action: str, confidence: float) -> bool:
    """An action found with a strong cue, or one that starts with an action verb."""
    return bool(action) and (confidence >= 0.8 or bool(_lead_verb(action)))


def _one(unit: str, today: Any, listed: bool = False, notes: bool = False) -> dict[str, Any] | None:
    body = _BULLET_RE.sub("", unit).strip()
    body = re.sub(r"^(?:also|and|then|plus|oh and|btw|p\.?s\.?)[,:]?\s+", "", body, flags=re.I)
    body = _TIME_CLAUSE_RE.sub("", body)
    if len(body) < 6 or _NOT_WORK.match(body) or _HEADER_RE.match(body):
        return None
    action, cue, confidence = _cue(body, listed, notes)
    if not _is_work(action, confidence) and (
        lead_in := re.match(r"^[\w' -]{2,24}:\s+(?=\S)", body)
    ):
        # "Reminder to self: renew ...", "Two things: ...": the sentence after a short lead-in.
        rest = body[lead_in.end() :]
        if _NOT_WORK.match(rest):
            return None
        action, cue, confidence = _cue(rest, listed, notes)
    if not _is_work(action, confidence):
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
    notes = "meeting" in task.title.lower()  # "Extract the tasks from this meeting text"
    for unit, listed in _units(task.details):
        item = _one(unit, today, listed, notes)
        if item is None:
            continue
        key = " ".join(item["title"].lower().split())
        if key not in seen:
            seen.add(key)
            found.append(item)
    return {"extracted_tasks": found[:20]}
