"""The autopilot's calendar triggers: an agenda before a meeting, a summary after it.

Before (a meeting in the next 24 hours whose description has no agenda): "Draft meeting agenda
for <title>" runs, then "Send agenda to attendees of <title>" carries the agenda and the
attendees' addresses and runs under the policy gate. After (a meeting that ended within the
summary window and has notes in its description): "Summarize meeting <title>" runs (the
meeting_summary workflow: a summary, decisions and action items, each item a subtask, never
twice), then "Send summary to attendees of <title>". Either send goes out on its own only for a
meeting the organization's user organised (its attendees are named in the task's own text, the
data-flow rule's trusted source); for someone else's meeting, or a text with a gap in it, a
person approves first. A meeting whose notes Delegate cannot read (only attached files) gets a
manual summary task: a person is asked rather than a summary made up.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from graphs.autopilot_cycle import Cycle, Trigger
from store.enums import ExecutionType
from tools.gate.placeholders import find_placeholder

#: A description "has an agenda" when a line of it starts with the word Agenda.
_AGENDA_LINE = re.compile(r"^\s*agenda\b", re.IGNORECASE | re.MULTILINE)
#: The workflow whose result carries the action items as subtasks of the summary task.
MEETING_SUMMARY = "meeting_summary"


def has_agenda(description: str) -> bool:
    """Whether an event's description already carries an agenda."""
    return bool(_AGENDA_LINE.search(description or ""))


def needs_agenda(event: dict[str, Any], now: datetime, horizon: timedelta) -> bool:
    """A meeting starting within the horizon whose description has no agenda."""
    start = datetime.fromisoformat(event["start"])
    return now <= start < now + horizon and not has_agenda(event.get("description") or "")


def just_ended(event: dict[str, Any], now: datetime, window: timedelta) -> bool:
    """A meeting that ended within the window before now."""
    return now - window <= datetime.fromisoformat(event["end"]) <= now


def _title(event: dict[str, Any]) -> str:
    return event.get("summary") or "(untitled meeting)"


def agenda_trigger(org_id: str, event: dict[str, Any]) -> Trigger:
    return Trigger(
        "calendar_event",
        f"autopilot:{org_id}:{event['id']}",
        _title(event),
        {"event_id": event["id"], "starts_at": event["start"], "attendees": _attendees(event)},
    )


def summary_trigger(org_id: str, event: dict[str, Any]) -> Trigger:
    return Trigger(
        "meeting_ended",
        f"autopilot:{org_id}:{event['id']}:ended",
        _title(event),
        {
            "event_id": event["id"],
            "starts_at": event["start"],
            "ended_at": event["end"],
            "attendees": _attendees(event),
        },
    )


def _attendees(event: dict[str, Any]) -> list[str]:
    """Who the meeting's mail goes to (the automation rules read their domains)."""
    return [a for a in event.get("attendees") or [] if a]


def agenda_for(event: dict[str, Any], cycle: Cycle) -> None:
    """Draft and send one meeting's agenda, each step once."""
    trigger = agenda_trigger(cycle.org_id, event)
    attendees = _attendees(event)
    title = trigger.title
    if not attendees:
        cycle.skip(trigger, "no attendees to send an agenda to", event_id=event["id"])
        return
    if cycle.existing(trigger, "send") is not None:
        cycle.skip(trigger, "agenda already sent or waiting for approval", event_id=event["id"])
        return
    if cycle.existing(trigger, "agenda") is None:
        if not cycle.room(tasks=1, actions=1):
            return
        draft = cycle.create(
            trigger,
            "agenda",
            f"Draft meeting agenda for {title}",
            description=(
                f"Write a short agenda for the meeting '{title}' starting {event['start']} "
                f"and ending {event['end']}.\n\n{event.get('description') or ''}"
            ),
            execution_type=ExecutionType.FULLY_AUTOMATED,
            lost="another cycle is drafting this agenda",
            event_id=event["id"],
        )
        if draft is None:
            return
        cycle.run(draft)
    _, agenda = cycle.completed_output(trigger, "agenda")
    if not agenda:
        cycle.skip(trigger, "the agenda draft has not completed", event_id=event["id"])
        return
    _send_to_attendees(cycle, trigger, event, "agenda", agenda)


def summary_for(event: dict[str, Any], cycle: Cycle) -> None:
    """Summarize one meeting that ended (its action items become tasks), then send the
    summary to its attendees; each step once."""
    trigger = summary_trigger(cycle.org_id, event)
    title = trigger.title
    notes = (event.get("description") or "").strip()
    files = [a for a in event.get("attachments") or [] if a.get("url") or a.get("title")]
    if not notes and not files:
        cycle.skip(trigger, "no notes to summarize", event_id=event["id"])
        return
    if cycle.existing(trigger, "send") is not None:
        cycle.skip(trigger, "summary already sent or waiting for approval", event_id=event["id"])
        return
    summary_task = cycle.existing(trigger, "summary")
    if summary_task is None:
        if not cycle.room(tasks=1, actions=1):
            return
        summary_task = cycle.create(
            trigger,
            "summary",
            f"Summarize meeting {title}",
            description=_summary_brief(notes, files),
            # Notes only in attached files Delegate cannot open: a person writes the summary.
            execution_type=ExecutionType.FULLY_AUTOMATED if notes else ExecutionType.MANUAL,
            lost="another cycle is summarizing this meeting",
            event_id=event["id"],
        )
        if summary_task is None:
            return
        if not notes:
            cycle.skip(
                trigger,
                "its notes are attached files: a person summarizes it",
                event_id=event["id"],
            )
            return
        # The action items become queued tasks of their own; the worker runs them.
        cycle.run(summary_task, run_subtasks=False)
    done, summary = cycle.completed_output(trigger, "summary")
    if not summary:
        cycle.skip(trigger, "the summary has not completed", event_id=event["id"])
        return
    if done is not None and (done.result or {}).get("workflow") != MEETING_SUMMARY:
        _extract_action_items(cycle, done.id, notes)
    _send_to_attendees(cycle, trigger, event, "summary", summary)


def _extract_action_items(cycle: Cycle, task_id: str, notes: str) -> None:
    """When the model did the summary some other way than the meeting_summary workflow, the
    action items still become tasks: through task extraction from the notes (de-duplicated
    against open tasks, and never twice for the same notes)."""
    from agents.extraction import SourceKind
    from graphs.extract_tasks import ExtractInput
    from graphs.extract_tasks import graph as extract_graph

    request = ExtractInput(text=notes, source=SourceKind.MEETING, source_id=task_id)
    extract_graph.invoke(request, context=cycle.context)


def _summary_brief(notes: str, files: list[dict[str, Any]]) -> str:
    """The meeting's own notes (the title says what to do with them), and the files attached."""
    lines = [notes] if notes else []
    if files:
        lines += ["", "Notes attached to the meeting:"]
        lines += [
            f"- {f.get('title') or 'attachment'} {f.get('url') or ''}".rstrip() for f in files
        ]
    return "\n".join(lines).strip()


def _send_to_attendees(
    cycle: Cycle, trigger: Trigger, event: dict[str, Any], what: str, text: str
) -> None:
    """Send the meeting's agenda or summary to exactly its attendees, under the gate."""
    attendees = _attendees(event)
    if not attendees:
        cycle.skip(trigger, f"no attendees to send the {what} to", event_id=event["id"])
        return
    if not cycle.room(tasks=1, actions=1):
        return
    # A calendar that cannot say who organised a meeting gets the cautious answer, and a text
    # with a gap in it goes to a person, who fills it before anything is sent.
    trusted = event.get("organized_by_me") is True and find_placeholder(text) is None
    send = cycle.create(
        trigger,
        "send",
        f"Send {what} to attendees of {trigger.title}",
        description=(
            f"Email the {what} below for the meeting '{trigger.title}' ({event['start']}) to "
            f"its attendees: {', '.join(attendees)}.\n\n{text}"
        ),
        # Someone else's meeting: a person approves before its attendees hear from us.
        execution_type=ExecutionType.FULLY_AUTOMATED if trusted else ExecutionType.SEMI_AUTOMATED,
        lost=f"another cycle is sending this {what}",
        event_id=event["id"],
    )
    if send is not None:
        cycle.run(send)
