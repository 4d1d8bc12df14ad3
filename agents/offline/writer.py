"""The offline model's deliverables: picks the kind of result a task asks for and writes it."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from agents.offline.email import draft_email
from agents.offline.messages import announcement, chat_post, rewrite, support_reply
from agents.offline.notes import (
    action_item_list,
    figures_report,
    has_figures,
    meeting_minutes,
    summarize_notes,
)
from agents.offline.outline import agenda, outline
from agents.offline.schedule import meeting_slot
from agents.offline.signals import with_verb_corrected
from agents.offline.text import (
    TaskText,
    capitalize_first,
    content_words,
    find_emails,
    find_urls,
    listed_items,
    missing,
    sentences,
    strip_lead_in,
    words,
)
from agents.offline.translate import translation_deliverable

__all__ = ["announcement", "chat_post", "deliverable_kind", "rewrite", "support_reply", "write"]

_KIND_RULES: list[tuple[str, str]] = [
    ("translation", r"\btranslat"),
    ("web", r"https?://"),
    ("prose", r"\b(?:turn|convert|expand)\b.*\binto\b"),
    # "Draft an email to the team about the expense report": an email, whatever it is about.
    (
        "email",
        r"^(?:draft|write|compose|prepare|send)\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,3}?"
        r"e-?mail\b",
    ),
    (
        "meeting",
        r"^(?:schedule|book|set up|arrange|reschedule)\b.*\b(?:meeting|sync|call|1:1|"
        r"catch-up|demo|session|review|interview|standup|chat)\b",
    ),
    ("action_items", r"\baction items?\b|\bto-?dos?\b|\bnext steps\b.*\bfrom\b"),
    ("minutes", r"\bminutes\b|\btranscript\b"),
    ("outline", r"\boutline\b|\btable of contents\b|\bstructure for\b"),
    ("agenda_only", r"^(?:(?:create|write|draft|prepare|make)\s+)?(?:an?|the|quick)?\s*agenda\b"),
    ("rewrite", r"\b(?:rewrite|rephrase|reword|paraphrase|proofread|polish|shorten|edit)\b"),
    (
        "rewrite",
        r"^make\b.*\b(?:friendlier|warmer|shorter|clearer|kinder|softer|more (?:formal|casual|"
        r"friendly|concise|professional|polite|positive)|less (?:formal|harsh|blunt))\b",
    ),
    (
        "support_reply",
        r"\b(?:reply|respond|answer)\b.*\b(?:ticket|support|customer|question|asked)",
    ),
    ("summary", r"\bsummar|\brecap\b|\btl;?dr\b|\bdigest\b"),
    ("report", r"\breport\b|\bnumbers\b|\bfigures\b|\bmetrics\b|\bkpis?\b"),
    ("email", r"\be-?mail\b|\bnote to\b|\bthank(?:-you| you)? note\b|\bletter\b|@"),
    ("post", r"\bpost\b|\bslack\b|\btweet\b|#\w|\blinkedin\b"),
    ("announcement", r"\bannounce"),
    ("email", r"^(?:send|reply|respond|follow up|reach out|thank|invite|remind)\b"),
    ("pros_cons", r"\bpros and cons\b|\btrade-?offs?\b"),
]


def deliverable_kind(task: TaskText) -> str:
    """Which kind of result the task asks for ('email', 'outline', ... or 'general')."""
    request = strip_lead_in(with_verb_corrected(task.title)).lower()
    for kind, pattern in _KIND_RULES:
        if re.search(pattern, request):
            if kind == "agenda_only":
                return "agenda"
            return kind
    if re.search(r"\bagenda\b", request):
        return "agenda"
    return "general"


def write(task: TaskText, now: datetime | None = None) -> str:
    """The finished deliverable for the task, as text (`now` resolves relative dates)."""
    kind = deliverable_kind(task)
    title, details = with_verb_corrected(task.title), task.details
    task = replace(task, title=title)
    if kind == "web":
        return web_lookup_without_browser(task)
    if kind == "meeting":
        return meeting_proposal(task, now or datetime.now(UTC))
    if kind == "translation":
        return translation_deliverable(title, details)
    if kind == "action_items":
        return action_item_list(title, details)
    if kind == "minutes":
        return meeting_minutes(title, details)
    if kind == "outline":
        return outline(title, details)
    if kind == "agenda":
        return agenda(title, details)
    if kind in {"summary", "report"}:
        if has_figures(details) and not re.search(r"\bwill\b", details):
            return figures_report(title, details)
        return summarize_notes(title, details)
    if kind == "email":
        return draft_email(title, details).as_text()
    if kind == "support_reply":
        return support_reply(title, details)
    if kind == "rewrite":
        return rewrite(title, details)
    if kind == "prose":
        return prose_from_points(title, details)
    if kind == "post":
        return chat_post(title, details)
    if kind == "announcement":
        return announcement(title, details)
    if kind == "pros_cons":
        return pros_and_cons(title, details)
    return general_response(task)


def prose_from_points(title: str, points: str) -> str:
    """A short paragraph that weaves listed points together (a blog intro, a summary)."""
    items = [i.strip(" .") for i in re.split(r"[;\n]|,|\band\b", points) if i.strip(" .")]
    if not items:
        return missing("the points to turn into text; add them to the task's details")
    subject = re.sub(r"^.*?\binto\s+(?:an?\s+|the\s+)?", "", title, flags=re.I).strip(" .")
    listing = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
    sentences_out = [f"{capitalize_first(subject) or 'In short'}: {listing}."]
    sentences_out += [f"{capitalize_first(item)}." for item in items if len(item.split()) > 3]
    return " ".join(sentences_out)


def web_lookup_without_browser(task: TaskText) -> str:
    """Honest answer when a page must be read but no browser tool was given to the model."""
    url = find_urls(task.text)[0]
    wanted = content_words(re.sub(r"https?://\S+", "", task.title), {"look", "tell", "check"})
    return (
        f"To answer this I need to read {url}, and this run has no browser tool, so I have not "
        f"opened it.\n\nWhat to look for on the page: {', '.join(wanted) or 'the answer'}."
        "\nRun the task with the browser tools (open_url) enabled, or open the "
        "page and paste its text into the task's Details."
    )


def meeting_proposal(task: TaskText, now: datetime) -> str:
    """A calendar invitation ready to send: title, time (UTC), attendees and agenda."""
    slot = meeting_slot(task.text, now)
    people = find_emails(task.text)
    lines = [
        f"Meeting: {slot.summary}",
        f"When: {slot.start:%A %d %B %Y, %H:%M}-{slot.end:%H:%M} UTC ({slot.minutes} minutes)",
        f"Attendees: {', '.join(people) if people else 'none named in the task'}",
        "",
        "Agenda",
        "1. Quick updates",
        f"2. {capitalize_first(slot.topic)}",
        "3. Next steps and owners",
        "",
        "No calendar tool was available in this run, so the invitation has not been sent.",
    ]
    return "\n".join(lines)


def pros_and_cons(title: str, details: str) -> str:
    """A balanced pros and cons list framed around the subject."""
    subject = re.sub(r"^.*?\b(?:pros and cons|trade-?offs?)\s+(?:of\s+)?", "", title, flags=re.I)
    subject = subject.strip(" .") or "the change"
    points = listed_items(details) or sentences(details)
    pros = [p for p in points if not _DOWNSIDE.search(p)]
    cons = [p for p in points if _DOWNSIDE.search(p)]
    lines = [f"Pros and cons of {subject}", "", "Pros"]
    lines += [f"- {capitalize_first(p)}" for p in pros] or [
        missing(f"the advantages of {subject}; the task lists none")
    ]
    lines += ["", "Cons"]
    lines += [f"- {capitalize_first(p)}" for p in cons] or [
        missing(f"the drawbacks of {subject}; the task lists none")
    ]
    return "\n".join(lines)


#: A point that counts against the option ("slower decisions", "costs more").
_DOWNSIDE = re.compile(
    r"\b(?:not|no|less|fewer|slower|harder|worse|risk|costs?|expensive|lose|loses|lost|"
    r"lack|lacks|miss|drawback|downside|but|however|only)\b",
    re.I,
)


def general_response(task: TaskText) -> str:
    """For any other request: restate it and lay out a concrete plan and result."""
    request = strip_lead_in(task.title).rstrip(". ")
    points = sentences(task.details)
    if points and not re.search(r"\b(?:research|compare|find|look up)\b", request, re.I):
        # The details are the content: set out under the request, nothing added to them.
        return "\n".join(
            [capitalize_first(request), "", *[f"- {capitalize_first(p)}" for p in points]]
        )
    key = content_words(re.sub(r"https?://\S+|\S+@\S+", "", request))[:6]
    emails = find_emails(task.text)
    lines = [capitalize_first(request), "", f"Goal: {request[0].lower() + request[1:]}."]
    if task.details.strip():
        lines += ["", "What the task gives us:"]
        lines += [f"- {capitalize_first(s)}" for s in sentences(task.details)]
    lines += [
        "", "Plan",
        f"1. Pin down what done looks like for {' '.join(key[1:4]) or 'this'} "
        "(owner, deadline, format).",
        "2. Collect the inputs: the facts above, related documents and the people involved"
        + (f" ({', '.join(emails)})" if emails else "") + ".",
        f"3. Produce the result: {request[0].lower() + request[1:]}.",
        "4. Review it against the goal and share it with the people who need it.", "",
        "Result: " + missing(
            "the result itself; the offline model writes only what the task's words give "
            "(set DELEGATE_MODEL to a real model for open-ended work)"
        ),
    ]  # fmt: skip
    if "research" in words(task.title) or "compare" in words(task.title):
        lines.append("The offline model has no web access, so nothing was researched.")
    return "\n".join(lines)
