"""Hand-built answers for the structured outputs Delegate's graphs ask for (EmailDraft,
MeetingSummary, ReportDraft/Report), so the offline model fills them as a writer would."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from agents.offline.actions import UNASSIGNED
from agents.offline.email import draft_email, with_learned_sign_off
from agents.offline.extraction import extracted_tasks
from agents.offline.notes import (
    action_items,
    decisions,
    figure_parts,
    figure_tone,
    figures_sentence,
    meeting_overview,
    parse_figure,
)
from agents.offline.text import TaskText, capitalize_first
from agents.offline.triage import email_triage


def email_draft(task: TaskText) -> dict[str, Any]:
    """{to, cc, subject, body} for an EmailDraft; ends with a learned sign-off when given."""
    draft = draft_email(task.title, task.details)
    body = with_learned_sign_off(draft.body, task.learned)
    return {"to": draft.to, "cc": draft.cc, "subject": draft.subject, "body": body}


def meeting_summary(task: TaskText) -> dict[str, Any]:
    """{summary, decisions, action_items[{owner, action, due}]} from the notes."""
    items = action_items(task.details)
    summary = meeting_overview(task.details) or (
        "No notes were given for this meeting yet. Paste the notes or transcript into the "
        "task's details and run it again."
    )
    return {
        "summary": summary,
        "decisions": decisions(task.details),
        "action_items": [
            {
                "owner": "unassigned" if i.owner == UNASSIGNED else i.owner,
                "action": capitalize_first(i.action),
                "due": i.due or None,
            }
            for i in items
        ],
    }


def report_draft(task: TaskText) -> dict[str, Any]:
    """{title, summary, sections[{heading, body}], figures[...]} from the notes or figures.

    No "Figures" section: the report graph adds the figures table from the input itself."""
    parts = figure_parts(task.details) if task.details.strip() else []
    heading = re.sub(
        r"^(?:please\s+)?(?:write|prepare|create|draft|make|generate|compile|put together)\s+"
        r"(?:an?\s+|the\s+|our\s+)?", "", task.title.strip(), flags=re.I,
    ).rstrip(". ")  # fmt: skip
    heading = re.sub(r"\s+from (?:these|the|this|our) (?:figures|numbers|notes|data)$", "", heading)
    title = capitalize_first(heading) or "Report"
    if not parts:
        return _empty_report(task, title)
    good = [p for p in parts if figure_tone(p) == "good"]
    watch = [p for p in parts if figure_tone(p) == "watch"]
    other = [p for p in parts if p not in good and p not in watch]
    sections = []
    if good:
        sections.append({"heading": "Highlights", "body": _bullets(good)})
    if watch:
        sections.append({"heading": "To watch", "body": _bullets(watch)})
    if other:
        sections.append({"heading": "Other figures", "body": _bullets(other)})
    steps = "- Share these results with the team."
    if watch:
        steps = (
            "- Agree on an owner for each figure under To watch and review it next period.\n"
            "- Share these results with the team."
        )
    sections.append({"heading": "Next steps", "body": steps})
    summary = figures_sentence(parts)
    if watch:
        summary += f" Worth watching: {'; '.join(_lower(p) for p in watch)}."
    figures = []
    for part in parts:
        parsed = parse_figure(part)
        if parsed:
            figures.append({"metric": parsed[0], "value": parsed[1], "change": parsed[2]})
    return {"title": title, "summary": summary, "sections": sections, "figures": figures}


def _empty_report(task: TaskText, title: str) -> dict[str, Any]:
    return {
        "title": title,
        "summary": "No figures or notes were given for this report yet, so it has no results "
        "to show.",
        "sections": [
            {
                "heading": "What to add",
                "body": "Paste the figures into the task's details (for example 'Revenue 120k, "
                "up 8%. 14 new customers.') and run the task again; the report will list the "
                "highlights, what to watch and next steps.",
            }
        ],
        "figures": [],
    }


def _bullets(parts: list[str]) -> str:
    return "\n".join(f"- {capitalize_first(p)}" for p in parts)


def _lower(text: str) -> str:
    head = text.split(" ", 1)[0]
    return text if head.isupper() else text[:1].lower() + text[1:]


def _fields(schema: dict[str, Any]) -> set[str]:
    return set((schema.get("properties") or {}).keys())


#: (fields the schema must have, builder); matched by shape so renamed classes still work.
KNOWN: list[tuple[set[str], Callable[[TaskText], dict[str, Any]]]] = [
    ({"extracted_tasks"}, extracted_tasks),
    ({"from_a_person", "important"}, email_triage),
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
