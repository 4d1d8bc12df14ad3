"""Two emails the autopilot asks the offline model for: a meeting's summary sent to its
attendees, and a reply to an email that waits for an answer. Each is written from the text the
task carries; an answer the task does not give is never made up."""

from __future__ import annotations

import re

#: The autopilot's two task shapes: "Send summary to attendees of <meeting>", and "Reply to
#: <address>: <subject>" whose details quote the email under "Their email:".
_SUMMARY_TASK = re.compile(r"^send summary to attendees of\b", re.I)
_REPLY_TASK = re.compile(r"^reply to\b", re.I)
#: "Send summary to attendees of Weekly sync": the meeting's name.
_MEETING = re.compile(r"\battendees of\s+(?P<meeting>.+?)\s*$", re.I)
#: The first line of a reply task's details says what it answers.
_SUBJECT = re.compile(r"\(subject:\s*(?P<subject>.+?)\)", re.I)
_THEIR_EMAIL = re.compile(r"^their email:\s*$", re.I | re.M)
_QUESTION = re.compile(r"[^.!?\n]*\?")


def written_from_details(title: str, details: str) -> tuple[str, list[str]] | None:
    """(subject, paragraphs) when the task is one of the autopilot's two emails, else None."""
    if _SUMMARY_TASK.match(title.strip()):
        return summary_email(title, details)
    if _REPLY_TASK.match(title.strip()) and _THEIR_EMAIL.search(details):
        return reply_email(title, details)
    return None


def summary_email(title: str, details: str) -> tuple[str, list[str]]:
    """(subject, paragraphs): the summary in the task's details, after its instruction line,
    as plain text."""
    found = _MEETING.search(title)
    meeting = found.group("meeting") if found else "our meeting"
    _, _, summary = details.partition("\n\n")
    lines = []
    for line in (summary or details).strip().splitlines():
        if re.match(r"^#\s", line):  # the document's own title
            continue
        line = re.sub(r"^#{2,}\s*(.+)$", r"\1:", line)
        lines.append(re.sub(r"\*\*(.+?)\*\*", r"\1", line).rstrip())
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return f"Summary: {meeting}", [f"Here is the summary of {meeting}:", text]


def reply_email(title: str, details: str) -> tuple[str, list[str]]:
    """(subject, paragraphs): a holding reply that thanks the writer and says their question
    is being looked into. The offline model cannot know the answer and does not make one up;
    a person approves (or edits in the answer) before it goes out."""
    found = _SUBJECT.search(details)
    subject = found.group("subject").strip() if found else ""
    their = _THEIR_EMAIL.split(details, maxsplit=1)
    question = _QUESTION.search(their[1]) if len(their) > 1 else None
    asked = " ".join(question.group(0).split()) if question else ""
    opener = f"Thank you for your email{f' about {subject}' if subject else ''}."
    if asked:
        holding = f'You asked: "{asked}" I am looking into it and will get back to you shortly.'
    else:
        holding = "I have read it and will get back to you shortly."
    return (f"Re: {subject}" if subject else "Re: your email"), [opener, holding]
