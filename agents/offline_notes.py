"""Deliverables built from notes in the task: summaries, action items, minutes, figure reports."""

from __future__ import annotations

import re
from dataclasses import dataclass

from agents.offline_text import capitalize_first, sentences, wordlist

_MODALS = (
    r"will|'ll|shall|is going to|are going to|needs to|need to|should|must|has to|have to|"
    r"agreed to|promised to|volunteered to|offered to|is to|to"
)
_OWNER = r"(?:[A-Z][a-z]+(?:\s[A-Z][a-z]+)?|[Ww]e|I)"
_ACTION_RE = re.compile(
    rf"(?<![\w'])(?P<owner>{_OWNER})\s+(?:{_MODALS})\s+(?P<action>.+?)"
    rf"(?=(?:,?\s+and\s+|,\s*|;\s*|\s+then\s+){_OWNER}\s+(?:{_MODALS})\s|[.;\n]|$)"
)
_NOT_OWNERS = set(
    wordlist(
        "Welcome Need Want Plan Going Remember Moved Due Back Next Release Launch Notes Note "
        "Agreed Decided Time Nice Glad Happy Thanks Thank How What When Where Why Who Also "
        "Then Today Tomorrow Monday Tuesday Wednesday Thursday Friday Saturday Sunday Ready "
        "Hard Easy Important Action Items Update Updates Everyone Someone Nobody Transcript"
    )
)
_DAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_DUE_RE = re.compile(
    rf"\s*\b(?P<due>(?:by|before|on|until|no later than|due)\s+(?:(?:next|this)\s+)?"
    rf"(?:{_DAY}|tomorrow|today|tonight|eod|eow|end of (?:the )?(?:day|week|month|quarter)|"
    rf"the \d{{1,2}}(?:st|nd|rd|th)|{_MONTH}\.? \d{{1,2}}(?:st|nd|rd|th)?|"
    rf"\d{{1,2}}(?:st|nd|rd|th)?(?: of)? {_MONTH}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}})"
    rf"|tomorrow|next week|this week|asap|end of (?:the )?(?:day|week|month))\b",
    re.IGNORECASE,
)
_DATE_RE = re.compile(
    rf"\b(?:{_DAY}|tomorrow|today|next week|this week|eod|{_MONTH}\.? \d{{1,2}}|"
    rf"\d{{1,2}}(?:st|nd|rd|th)|\d{{4}}-\d{{2}}-\d{{2}})\b",
    re.IGNORECASE,
)
_BLOCKER_RE = re.compile(
    r"\b(?:blocked|blocker|waiting on|stuck|risk|delayed|at risk|issue)\b", re.I
)
_DECISION_RE = re.compile(
    r"\b(?:decided|agreed|approved|going with|chose|will ship|will launch|will release|"
    r"settled on|confirmed)\b",
    re.I,
)
_SPEAKER_RE = re.compile(r"^[A-Z][a-z]+:\s*")
_FIGURE_RE = re.compile(r"[$€£]?\d[\d.,]*\s*(?:[kKmMbB]\b|%)?")


@dataclass(frozen=True)
class ActionItem:
    """Who does what, by when (due is '' when the notes give no date)."""

    owner: str
    action: str
    due: str = ""

    def line(self) -> str:
        """'Owner - action (due)'."""
        return f"{self.owner} - {self.action} ({self.due or 'no due date'})"


def action_items(notes: str) -> list[ActionItem]:
    """Every 'X will do Y (by Z)' in the notes, in order."""
    items: list[ActionItem] = []
    for sentence in sentences(notes):
        for match in _ACTION_RE.finditer(sentence):
            owner = match.group("owner")
            if owner in _NOT_OWNERS or owner.split()[0] in _NOT_OWNERS:
                continue
            action = match.group("action").strip(" ,.")
            due = ""
            found = _DUE_RE.search(action)
            if found:
                due = found.group("due").strip()
                action = (action[: found.start()] + action[found.end() :]).strip(" ,.")
            if not action:
                continue
            owner = {"we": "Team", "We": "Team", "I": "Me (note taker)"}.get(owner, owner)
            items.append(ActionItem(owner, action, due))
    return items


def summarize_notes(title: str, notes: str) -> str:
    """Key points, blockers and action items taken from the notes."""
    points = sentences(notes)
    if not points:
        return _no_notes(title, "summarize")
    lines = [f"Summary: {_heading(title)}", "", "Key points"]
    lines += [f"- {capitalize_first(p)}" for p in points]
    blockers = [p for p in points if _BLOCKER_RE.search(p)]
    if blockers:
        lines += ["", "Blockers and risks"] + [f"- {capitalize_first(b)}" for b in blockers]
    dates = [p for p in points if _DATE_RE.search(p) and p not in blockers]
    if dates:
        lines += ["", "Dates to note"] + [f"- {capitalize_first(d)}" for d in dates]
    items = action_items(notes)
    if items:
        lines += ["", "Action items"] + [f"- {item.line()}" for item in items]
    return "\n".join(lines)


def action_item_list(title: str, notes: str) -> str:
    """Action items as 'Owner - action (due)' lines."""
    items = action_items(notes)
    if not sentences(notes):
        return _no_notes(title, "extract action items from")
    if not items:
        lines = ["Action items", "", "No sentence in the notes names an owner and an action."]
        lines += ["Candidate follow-ups (owner to be assigned):"]
        lines += [f"- [owner] - {capitalize_first(p)} (no due date)" for p in sentences(notes)]
        return "\n".join(lines)
    return "\n".join(["Action items", ""] + [f"- {item.line()}" for item in items])


def meeting_minutes(title: str, transcript: str) -> str:
    """Minutes: attendees, discussion, decisions, action items and open questions."""
    points = sentences(transcript)
    if not points:
        return _no_notes(title, "write minutes from")
    speakers = [
        name
        for name in re.findall(r"^\s*([A-Z][a-z]+)\s*:", transcript, re.MULTILINE)
        if name not in _NOT_OWNERS
    ]
    named = [item.owner for item in action_items(transcript) if item.owner[0].isupper()]
    attendees = [a for a in dict.fromkeys(speakers + named) if a not in {"Team", "Me (note taker)"}]
    lines = [
        "Meeting minutes" + ("" if "minutes" in title.lower() else f": {_heading(title)}"),
        "Date: [meeting date]",
        f"Attendees: {', '.join(attendees) if attendees else '[attendees]'}",
        "",
        "Discussion",
    ]
    lines += [f"- {capitalize_first(_SPEAKER_RE.sub('', p))}" for p in points]
    lines += ["", "Decisions"]
    lines += [f"- {d}" for d in decisions(transcript)] or ["- None recorded"]
    items = action_items(transcript)
    lines += ["", "Action items"]
    lines += [f"- {item.line()}" for item in items] or ["- None recorded"]
    questions = [p for p in points if p.endswith("?")]
    if questions:
        lines += ["", "Open questions"] + [f"- {q}" for q in questions]
    return "\n".join(lines)


def figures_report(title: str, figures: str) -> str:
    """A short report of the given figures: headline, one line per figure, what stands out."""
    parts = figure_parts(figures)
    if not parts:
        return _no_notes(title, "report on")
    lines = [_heading(title), "", f"Headline: {'; '.join(parts)}.", "", "Figures"]
    for part in parts:
        lines.append(f"- {_figure_line(part)}")
    good = [p for p in parts if re.search(r"\b(?:up|grew|growth|increase|higher|new)\b", p, re.I)]
    watch = [p for p in parts if re.search(r"\b(?:down|churn|drop|decrease|lower|lost)\b", p, re.I)]
    lines += ["", "What stands out"]
    lines += [f"- Positive: {p}" for p in good]
    lines += [f"- To watch: {p}" for p in watch]
    if not good and not watch:
        lines.append("- [Compare with the previous period or the target to add context]")
    return "\n".join(lines)


def figure_parts(text: str) -> list[str]:
    """The statements of a figures text ("Revenue 120k, up 8%. 14 new customers.")."""
    return [p.strip(" .") for p in re.split(r"(?<=[.;\n])\s*", text) if p.strip(" .")]


def parse_figure(part: str) -> tuple[str, str, str] | None:
    """(metric, value, change) from 'Revenue 120k, up 8%' or '14 new customers'."""
    match = re.match(r"^(?P<label>[A-Za-z][A-Za-z '/&-]*?)\s*:?\s+(?P<rest>[$€£]?\d.*)$", part)
    if match:
        value, _, change = match.group("rest").partition(",")
        return capitalize_first(match.group("label")), value.strip(), change.strip()
    match = re.match(r"^(?P<value>[$€£]?\d[\d.,]*\s*[kKmMbB%]?)\s+(?P<label>.+)$", part)
    if match:
        return capitalize_first(match.group("label")), match.group("value").strip(), ""
    return None


def decisions(notes: str) -> list[str]:
    """Sentences of the notes that record a decision."""
    return [capitalize_first(p) for p in sentences(notes) if _DECISION_RE.search(p)]


def _figure_line(part: str) -> str:
    parsed = parse_figure(part)
    if parsed is None:
        return capitalize_first(part)
    metric, value, change = parsed
    return f"{metric}: {value}" + (f" ({change})" if change else "")


def has_figures(text: str) -> bool:
    """True when the text is mostly numbers (a report of figures rather than notes)."""
    return len(_FIGURE_RE.findall(text)) >= 2


def _heading(title: str) -> str:
    text = re.sub(
        r"^(?:please\s+)?(?:summari[sz]e|prepare|write|create|make|draft|extract|give me|send)"
        r"\s+(?:an?\s+|the\s+)?",
        "",
        title.strip(),
        flags=re.I,
    )
    return capitalize_first(text.rstrip(". "))


def _no_notes(title: str, verb: str) -> str:
    return (
        f"{_heading(title)}\n\nThe task has no notes to {verb} yet. Paste them into the task's "
        "description (the Details) and run it again; I will list the key points, blockers, "
        "decisions and action items as 'Owner - action (due)'."
    )
