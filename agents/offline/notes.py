"""Deliverables built from notes in the task: summaries, action items, minutes, figure reports."""

from __future__ import annotations

import re

from agents.offline.actions import (
    NOTE_TAKER,
    ActionItem,
    action_items,
    decisions,
    items_by_line,
    speakers,
)
from agents.offline.text import capitalize_first, sentences

__all__ = ["ActionItem", "action_items", "decisions"]

_DAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_DATE_RE = re.compile(
    rf"\b(?:{_DAY}|tomorrow|today|next week|this week|eod|{_MONTH}\.? \d{{1,2}}|"
    rf"\d{{1,2}}(?:st|nd|rd|th)|\d{{4}}-\d{{2}}-\d{{2}})\b",
    re.IGNORECASE,
)
_BLOCKER_RE = re.compile(
    r"\b(?:blocked|blocker|waiting on|stuck|risk|delayed|at risk|issue)\b", re.I
)
_UP_RE = re.compile(r"\b(?:up|grew|growth|increased?|higher|rose|new|record|gained?)\b", re.I)
_DOWN_RE = re.compile(r"\b(?:down|drop(?:ped)?|decreased?|lower|fell|lost|declined?)\b", re.I)
#: Metrics where a fall is the good news.
_LOWER_IS_BETTER = re.compile(
    r"\b(?:churn|costs?|tickets?|complaints?|bugs?|incidents?|errors?|latency|downtime|"
    r"refunds?|cancell?ations?|returns|expenses?|burn|defects?|outages?|response time|cac)\b",
    re.I,
)
_FILLER_RE = re.compile(
    r"^(?:let'?s (?:start|begin|get started|kick off)|great|ok(?:ay)?|thanks?(?: you| all| "
    r"everyone)?|sure|sounds good|hi(?: all| everyone)?|hello|good (?:morning|afternoon)|"
    r"welcome(?: everyone)?|thanks? (?:you )?for (?:joining|coming)|i can (?:take|do|handle) "
    r"(?:that|it|this))[.!, ]*$",
    re.I,
)
_NOT_PEOPLE = {"Team", NOTE_TAKER, "Unassigned"}
_FIGURE_RE = re.compile(r"[$€£]?\d[\d.,]*\s*(?:[kKmMbB]\b|%)?")


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
        lines += [f"- Unassigned - {capitalize_first(p)} (no due date)" for p in sentences(notes)]
        return "\n".join(lines)
    return "\n".join(["Action items", ""] + [f"- {item.line()}" for item in items])


def meeting_minutes(title: str, transcript: str) -> str:
    """Minutes: attendees, discussion, decisions, action items and open questions."""
    by_line = items_by_line(transcript)
    if not by_line:
        return _no_notes(title, "write minutes from")
    items = action_items(transcript)
    decided = decisions(transcript)
    named = [i.owner for i in items if i.owner[0].isupper() and " " not in i.owner.strip()]
    people = [p for p in dict.fromkeys(speakers(transcript) + named) if p not in _NOT_PEOPLE]
    discussion = [
        f"- {capitalize_first(line.text)}" + (f" ({line.speaker})" if line.speaker else "")
        for line, found in by_line
        if not found and not _is_aside(line.text) and capitalize_first(line.text) not in decided
    ]
    lines = [
        "Meeting minutes" + ("" if "minutes" in title.lower() else f": {_heading(title)}"),
        "Date: not recorded in the notes",
        f"Attendees: {', '.join(people) if people else 'not recorded in the notes'}",
        "",
        "Discussion",
        *(discussion or ["- Only the decisions and action items below were recorded."]),
        "",
        "Decisions",
        *([f"- {d}" for d in decided] or ["- None recorded"]),
        "",
        "Action items",
        *([f"- {item.line()}" for item in items] or ["- None recorded"]),
    ]
    questions = [
        line.text
        for line, _ in by_line
        if line.text.endswith("?") and not _answered(line.text, items)
    ]
    if questions:
        lines += ["", "Open questions"] + [f"- {q}" for q in questions]
    return "\n".join(lines)


def meeting_overview(notes: str) -> str:
    """Two to five sentences: what was said, what was decided and who does what next."""
    by_line = items_by_line(notes)
    items = action_items(notes)
    decided = decisions(notes)
    said = [
        capitalize_first(line.text.rstrip(".!")) + "."
        for line, found in by_line
        if not found and not _is_aside(line.text) and capitalize_first(line.text) not in decided
    ]
    parts = said[:3] + [d.rstrip(".!") + "." for d in decided[:2]]
    room = max(1, 5 - len(parts))
    parts += [item.sentence() for item in items[:room]]
    if len(items) > room:
        more = len(items) - room
        parts.append(f"{more} more action item{'s are' if more > 1 else ' is'} listed below.")
    return " ".join(parts)


def _is_aside(text: str) -> bool:
    """Greetings, 'Let's start', and questions: not points of the discussion."""
    return bool(_FILLER_RE.match(text)) or text.endswith("?")


def _answered(question: str, items: list[ActionItem]) -> bool:
    wanted = {w for w in re.findall(r"[a-z]{4,}", question.lower()) if w not in {"who", "what"}}
    return any(len(wanted & set(re.findall(r"[a-z]{4,}", i.action.lower()))) >= 2 for i in items)


def figures_report(title: str, figures: str) -> str:
    """A short report of the given figures: headline, one line per figure, what stands out."""
    parts = figure_parts(figures)
    if not parts:
        return _no_notes(title, "report on")
    lines = [_heading(title), "", f"Headline: {figures_sentence(parts)}", "", "Figures"]
    for part in parts:
        lines.append(f"- {_figure_line(part)}")
    good = [p for p in parts if figure_tone(p) == "good"]
    watch = [p for p in parts if figure_tone(p) == "watch"]
    lines += ["", "What stands out"]
    lines += [f"- Positive: {p}" for p in good]
    lines += [f"- To watch: {p}" for p in watch]
    if not good and not watch:
        lines.append(
            "- No change against an earlier period is given; add last period's figures to compare."
        )
    return "\n".join(lines)


def figure_parts(text: str) -> list[str]:
    """The statements of a figures text ("Revenue 120k, up 8%. 14 new customers.")."""
    pieces = re.split(r"[;\n]+|(?<=[.!?])\s+|\.$", text)
    return [p.strip(" .") for p in pieces if p and p.strip(" .")]


def figure_tone(part: str) -> str:
    """'good', 'watch' or '' for a figure, reading whether a rise is good for that metric."""
    lower_is_better = bool(_LOWER_IS_BETTER.search(part))
    if _UP_RE.search(part):
        return "watch" if lower_is_better else "good"
    if _DOWN_RE.search(part):
        return "good" if lower_is_better else "watch"
    return "watch" if lower_is_better else ""


def figures_sentence(parts: list[str]) -> str:
    """The figures as one readable sentence ('Revenue 120k (up 8%), 14 new customers and ...')."""
    phrases = [_figure_phrase(p) for p in parts]
    phrases = [capitalize_first(phrases[0])] + [_lower_first(p) for p in phrases[1:]]
    joined = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    return joined + "."


def _figure_phrase(part: str) -> str:
    parsed = parse_figure(part)
    if parsed is None or part[:1].isdigit() or part[:1] in "$€£":
        return part
    metric, value, change = parsed
    return f"{metric} {value}" + (f" ({change})" if change else "")


def _lower_first(text: str) -> str:
    # Keep acronyms and names ("NPS", "Q3") as written.
    head = text.split(" ", 1)[0]
    return text if head.isupper() or head[1:2].isupper() else text[:1].lower() + text[1:]


def parse_figure(part: str) -> tuple[str, str, str] | None:
    """(metric, value, change) from 'Revenue 120k, up 8%' or '14 new customers'."""
    match = re.match(r"^(?P<label>[A-Za-z][A-Za-z '/&-]*?)\s*:?\s+(?P<rest>[$€£]?\d.*)$", part)
    if match:
        value, *change = re.split(r",(?!\d)", match.group("rest"), maxsplit=1)
        return capitalize_first(match.group("label")), value.strip(), "".join(change).strip()
    match = re.match(r"^(?P<value>[$€£]?\d[\d.,]*\s*[kKmMbB%]?)\s+(?P<label>.+)$", part)
    if match:
        return capitalize_first(match.group("label")), match.group("value").strip(), ""
    return None


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
