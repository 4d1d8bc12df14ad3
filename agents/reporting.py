"""Figures read straight from a text ("Revenue 120k, up 8%. 14 new customers.") and Markdown.

Figures are parsed from the input, not asked of a model, so a report's table holds only
numbers a person actually wrote.
"""

from __future__ import annotations

import re

from agents.workflow_schemas import Figure, MeetingSummary, Report

#: Units written right after a number: 2.4h, 340ms, 3x, 1.5pp.
_ATTACHED_UNIT = r"(?:%|k|m|bn|b|mn|ms|s|secs?|h|hrs?|d|wks?|x|pp|pts?)"
#: Units that may stand a space apart: 120 k, 8 %, 3 hours, 18 months.
_SPACED_UNIT = (
    r"(?:%|k|m|bn|mn|min(?:ute)?s?|h(?:ou)?rs?|hours?|sec(?:ond)?s?|days?|weeks?|months?|"
    r"years?|pts?|points?)"
)
#: A number as people write it in notes: 120k, $1.2M, 8%, 1,250, -20k, 2.4h, 18 months.
_NUMBER = re.compile(
    rf"(?<![\w.])(?:-\s?)?(?:[$€£]\s?)?\d[\d,]*(?:\.\d+)?"
    rf"(?:{_ATTACHED_UNIT}(?![a-z])|\s{_SPACED_UNIT}(?![a-z])|(?=\W|$))",
    re.IGNORECASE,
)
_AMOUNT = r"\d[\d,]*(?:\.\d+)?"
_CHANGE_UNIT = rf"(?:{_ATTACHED_UNIT}|\s{_SPACED_UNIT})?(?![\w.])"
#: A stated change: "up 8%", "down by 3", "down from 3%", "+5%", "(-2%)", "(+5)", "+3k".
#: A minus sign outside brackets is a change only with a percentage ("-2%"); "-20k" is a value.
_CHANGE = re.compile(
    r"\(?\s*(?:"
    r"(?:up|down|increased|decreased|rose|fell|grew|dropped|declined|gained|lost)"
    rf"(?:\s+(?:by|from))?\s+[+\-]?{_AMOUNT}{_CHANGE_UNIT}"
    rf"|(?<![\w.])-{_AMOUNT}\s?(?:%|pp|pts?|points?)(?![\w.])"
    rf"|(?<=\()\s*[+\-]{_AMOUNT}{_CHANGE_UNIT}(?=\s*\))"
    rf"|(?<![\w.])\+{_AMOUNT}{_CHANGE_UNIT}"
    r")\s*\)?",
    re.IGNORECASE,
)
#: Sentence ends: a full stop not inside a number, semicolons, new lines, bullets.
_CLAUSE_END = re.compile(r"(?<!\d)\.(?!\d)|\.(?=\s|$)|;|\n|•")
_MAX_LABEL_WORDS = 5
_FILLER = re.compile(
    r"^(?:and|but|also|with|we had|we have|we got|there were|there are|total|our)\s+"
    r"|\s+(?:was|were|is|are|at|of|came in at|reached|totalled|totaled|stood at|hit|to)$",
    re.IGNORECASE,
)


def parse_figures(text: str) -> list[Figure]:
    """Every "metric value [change]" the text states, in order; numbers without a label
    (a bare "42") are left out."""
    figures: list[Figure] = []
    for clause in _CLAUSE_END.split(text or ""):
        for part in re.split(r",(?!\d)", clause):
            part = " ".join(part.split()).strip(" -:*")
            if not part:
                continue
            change = _CHANGE.search(part)
            if change and figures and not _NUMBER.search(_CHANGE.sub(" ", part)):
                # ", up 8%" continues the figure before it.
                if not figures[-1].change:
                    figures[-1] = figures[-1].model_copy(update={"change": _clean(change.group())})
                continue
            figure = _figure(part)
            if figure is not None:
                figures.append(figure)
    return figures


def _figure(part: str) -> Figure | None:
    change = _CHANGE.search(part)
    rest = _CHANGE.sub(" ", part) if change else part
    number = _NUMBER.search(rest)
    if number is None:
        return None
    label = (rest[: number.start()] + " " + rest[number.end() :]).strip(" :-=()")
    label = " ".join(label.split())
    previous = None
    while previous != label:
        previous, label = label, _FILLER.sub("", label).strip(" :-=()")
    if not label or not re.search(r"[A-Za-z]", label) or len(label.split()) > _MAX_LABEL_WORDS:
        return None  # no label, or a sentence that merely mentions a number
    return Figure(
        metric=label[0].upper() + label[1:],
        value=" ".join(number.group().split()),
        change=_clean(change.group()) if change else "",
    )


def _clean(change: str) -> str:
    return " ".join(change.strip(" ()").split())


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def figures_table(figures: list[Figure]) -> str:
    """The figures as a Markdown table (Metric | Value | Change); empty text when none."""
    if not figures:
        return ""
    rows = ["| Metric | Value | Change |", "| --- | --- | --- |"]
    rows += [f"| {_cell(f.metric)} | {_cell(f.value)} | {_cell(f.change)} |" for f in figures]
    return "\n".join(rows)


#: Section headings under which the figures table belongs when the model wrote one.
_FIGURES_HEADING = re.compile(r"^(?:key )?(?:figures|numbers|metrics|kpis?|data)$", re.IGNORECASE)


def render_report(report: Report) -> str:
    """The report as Markdown: title, summary, the figures table, then each section.

    The table goes under the model's own figures section when it wrote one (so there is one
    "Figures" heading), else under its own heading right after the summary."""
    parts = [f"# {report.title.strip()}", report.summary.strip()]
    table = figures_table(report.figures)
    home = next(
        (i for i, s in enumerate(report.sections) if _FIGURES_HEADING.match(s.heading.strip())),
        None,
    )
    if table and home is None:
        parts += ["## Figures", table]
    for index, section in enumerate(report.sections):
        parts.append(f"## {section.heading.strip()}")
        if table and index == home:
            parts.append(table)
        parts.append(section.body.strip())
    return "\n\n".join(p for p in parts if p) + "\n"


def render_meeting_summary(summary: MeetingSummary, title: str = "Meeting summary") -> str:
    """The summary as Markdown: summary, decisions, and action items with owner and due date."""
    parts = [f"# {title.strip()}", summary.summary.strip()]
    if summary.decisions:
        parts += ["## Decisions", "\n".join(f"- {d.strip()}" for d in summary.decisions)]
    if summary.action_items:
        lines = []
        for item in summary.action_items:
            due = f" (due {item.due.strip()})" if item.due and item.due.strip() else ""
            lines.append(f"- **{item.owner.strip() or 'unassigned'}**: {item.action.strip()}{due}")
        parts += ["## Action items", "\n".join(lines)]
    return "\n\n".join(p for p in parts if p) + "\n"
