"""Hand-built answers for the structured outputs Delegate's graphs ask for (EmailDraft,
MeetingSummary, ReportDraft/Report), so the offline model fills them as a writer would."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from agents.offline_email import draft_email
from agents.offline_notes import action_items, decisions, figure_parts, parse_figure
from agents.offline_text import TaskText, capitalize_first, sentences

_UP = re.compile(r"\b(?:up|grew|growth|increase[ds]?|higher|new|record)\b", re.I)
_DOWN = re.compile(r"\b(?:down|churn|drop(?:ped)?|decrease[ds]?|lower|lost|blocked|risk)\b", re.I)


def email_draft(task: TaskText) -> dict[str, Any]:
    """{to, cc, subject, body} for an EmailDraft."""
    draft = draft_email(task.title, task.details)
    return {"to": draft.to, "cc": draft.cc, "subject": draft.subject, "body": draft.body}


def meeting_summary(task: TaskText) -> dict[str, Any]:
    """{summary, decisions, action_items[{owner, action, due}]} from the notes."""
    points = [capitalize_first(p) for p in sentences(task.details)]
    items = action_items(task.details)
    summary = " ".join(points[:5]) or f"No notes were given for: {task.title}."
    return {
        "summary": summary,
        "decisions": decisions(task.details),
        "action_items": [
            {"owner": i.owner, "action": capitalize_first(i.action), "due": i.due or None}
            for i in items
        ],
    }


def report_draft(task: TaskText) -> dict[str, Any]:
    """{title, summary, sections[{heading, body}], figures[...]} from the notes or figures."""
    parts = figure_parts(task.details) if task.details.strip() else []
    heading = re.sub(
        r"^(?:write|prepare|create|draft|make|generate)\s+(?:an?\s+|the\s+)?", "",
        task.title.strip(), flags=re.I,
    ).rstrip(". ")  # fmt: skip
    good = [p for p in parts if _UP.search(p) and not _DOWN.search(p)]
    watch = [p for p in parts if _DOWN.search(p)]
    sections = [{"heading": "Figures", "body": "\n".join(f"- {p}" for p in parts)}]
    if good:
        sections.append({"heading": "Highlights", "body": "\n".join(f"- {p}" for p in good)})
    if watch:
        sections.append({"heading": "Risks", "body": "\n".join(f"- {p}" for p in watch)})
    sections.append(
        {"heading": "Next steps", "body": "- Review these results with the team and agree on "
         "owners for anything under Risks."}
    )  # fmt: skip
    figures = []
    for part in parts:
        parsed = parse_figure(part)
        if parsed:
            figures.append({"metric": parsed[0], "value": parsed[1], "change": parsed[2]})
    summary = "; ".join(parts[:3]) + "." if parts else f"No figures were given for: {task.title}."
    return {"title": capitalize_first(heading) or "Report", "summary": summary,
            "sections": sections if parts else sections[-1:], "figures": figures}  # fmt: skip


def _fields(schema: dict[str, Any]) -> set[str]:
    return set((schema.get("properties") or {}).keys())


#: (fields the schema must have, builder); matched by shape so renamed classes still work.
KNOWN: list[tuple[set[str], Callable[[TaskText], dict[str, Any]]]] = [
    ({"to", "subject", "body"}, email_draft),
    ({"summary", "action_items"}, meeting_summary),
    ({"title", "summary", "sections"}, report_draft),
]


def known_answer(schema: dict[str, Any], task: TaskText) -> dict[str, Any] | None:
    """The hand-built answer when the schema is one of the known shapes, else None."""
    fields = _fields(schema)
    for needed, build in KNOWN:
        if needed <= fields:
            answer = build(task)
            return {k: v for k, v in answer.items() if k in fields}
    return None
