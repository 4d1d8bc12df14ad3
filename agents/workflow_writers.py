"""The model calls the workflow graphs make: draft an email, summarize a meeting, write a report.

Each asks for one schema of agents.workflow_schemas through structured output, shows the task
in the one `task_prompt` format, checks the answer, and raises ModelOutputError when it is
unusable (the graphs retry that).
"""

from __future__ import annotations

import re

from langchain_core.language_models import BaseChatModel

from agents.planner import ModelOutputError, ask_structured
from agents.prompts import task_prompt
from agents.workflow_schemas import EmailDraft, MeetingSummary, ReportDraft

EMAIL_ADDRESS = re.compile(r"^[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[A-Za-z]{2,}$")
_ADDRESS_IN_TEXT = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[A-Za-z]{2,}")

EMAIL_SYSTEM = """You are Delegate's email writer. Write the email the task asks for.
Send it only to the addresses the task names; never invent an address. Keep it short,
friendly and specific, use only facts from the task, and end with a sign-off. Follow the
preferences learned from this organization's edits when the task lists them."""

MEETING_SYSTEM = """You are Delegate's meeting note-taker. From the notes or transcript in the
task, write a short summary, list the decisions taken and every action item: who does it
(the owner's name as the notes give it), what to do as an imperative sentence starting with
a verb, and when it is due if the notes say so. Do not invent items the notes do not contain."""

REPORT_SYSTEM = """You are Delegate's report writer. Turn the notes or figures in the task into
a structured report: a title, a two or three sentence summary, and two to six sections with
headings. Use only facts and numbers from the task; never invent figures."""


def write_email(
    model: BaseChatModel, title: str, details: str = "", learned: list[str] | None = None
) -> EmailDraft:
    """An email for the task, with at least one well-formed recipient and a subject and body;
    `learned` are the organization's preferences (agents.learning), shown after the task."""
    prompt = task_prompt(title, details, learned=learned)
    draft = ask_structured(model, EmailDraft, EMAIL_SYSTEM, prompt)
    to = _addresses(draft.to)
    cc = [a for a in _addresses(draft.cc) if a not in to]
    bad = [a for a in [*draft.to, *draft.cc] if not EMAIL_ADDRESS.match(a.strip())]
    if bad:
        raise ModelOutputError(f"the draft has malformed addresses: {', '.join(bad)}")
    if not to:
        raise ModelOutputError("the draft has no recipient")
    if not draft.subject.strip() or not draft.body.strip():
        raise ModelOutputError("the draft needs a subject and a body")
    return EmailDraft(to=to, cc=cc, subject=draft.subject.strip(), body=draft.body.strip())


def has_email_address(text: str) -> bool:
    """Whether the text names at least one email address (a recipient the email can have)."""
    return bool(_ADDRESS_IN_TEXT.search(text or ""))


def summarize_meeting(model: BaseChatModel, title: str, notes: str) -> MeetingSummary:
    """The meeting's summary, decisions and action items (each with an action to do)."""
    summary = ask_structured(model, MeetingSummary, MEETING_SYSTEM, task_prompt(title, notes))
    if not summary.summary.strip():
        raise ModelOutputError("the meeting summary is empty")
    items = [item for item in summary.action_items if item.action.strip()]
    return summary.model_copy(update={"action_items": items})


def write_report(model: BaseChatModel, title: str, notes: str) -> ReportDraft:
    """The report's title, summary and sections; at least one section with a body."""
    draft = ask_structured(model, ReportDraft, REPORT_SYSTEM, task_prompt(title, notes))
    sections = [s for s in draft.sections if s.heading.strip() and s.body.strip()]
    if not sections:
        raise ModelOutputError("the report has no sections")
    if not draft.title.strip():
        raise ModelOutputError("the report has no title")
    return draft.model_copy(update={"sections": sections})


def _addresses(values: list[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        address = value.strip()
        if address and address.lower() not in {s.lower() for s in seen}:
            seen.append(address)
    return seen


def _brief(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:300]
