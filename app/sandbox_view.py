"""What the sandbox backends hold (drafts, sent mail, inbox, calendar, Slack), for people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from store.db import Database
from tools.calendar.sandbox import SandboxCalendar
from tools.email.sandbox import SandboxMailbox
from tools.slack.sandbox import SandboxChat

#: How far back and ahead `delegate sandbox` looks in the calendar.
CALENDAR_WINDOW = timedelta(days=366)


def snapshot(db: Database, org_id: str, *, limit: int = 20) -> dict[str, Any]:
    """Everything the sandbox backends hold for one organization, newest first."""
    mailbox = SandboxMailbox(db, org_id)
    now = datetime.now(UTC)
    events = SandboxCalendar(db, org_id).list_events(
        now - CALENDAR_WINDOW, now + CALENDAR_WINDOW, limit
    )
    chat = SandboxChat(db, org_id)
    slack = {}
    for channel in chat.list_channels():
        messages = chat.history(channel["name"], limit)
        if messages:
            slack[channel["name"]] = messages
    return {
        "drafts": mailbox.list_drafts(limit),
        "sent": mailbox.list_sent(limit),
        "inbox": mailbox.list_inbox(limit),
        "events": events,
        "slack": slack,
    }


def print_sandbox(console: Console, data: dict[str, Any], only: str | None = None) -> None:
    """Rich panels for the sandbox's outbox, calendar and channels (or just one of them)."""
    if only in (None, "mail"):
        for folder, title in (("drafts", "Drafts"), ("sent", "Sent"), ("inbox", "Inbox")):
            console.print(_mail_panel(title, data.get(folder) or []))
    if only in (None, "calendar"):
        console.print(_events_panel(data.get("events") or []))
    if only in (None, "slack"):
        console.print(_slack_panel(data.get("slack") or {}))


def _mail_panel(title: str, messages: list[dict[str, Any]]) -> Panel:
    if not messages:
        return Panel(Text("empty", style="dim"), title=f"{title} (0)", border_style="blue")
    parts: list[Any] = []
    for m in messages:
        to = ", ".join(m.get("to") or [])
        parts.append(
            Text.assemble(
                ("to ", "dim"),
                (to or "-", "bold"),
                ("   subject ", "dim"),
                (m.get("subject") or "(no subject)", "bold"),
            )
        )
        if m.get("from") and title == "Inbox":
            parts.append(Text(f"from {m['from']}", style="dim"))
        parts.append(Text(str(m.get("body") or m.get("snippet") or "").strip() + "\n"))
    return Panel(Group(*parts), title=f"{title} ({len(messages)})", border_style="blue")


def _events_panel(events: list[dict[str, Any]]) -> Panel:
    if not events:
        return Panel(Text("no events", style="dim"), title="Calendar (0)", border_style="cyan")
    table = Table(box=None)
    for column in ("start", "end", "summary", "attendees"):
        table.add_column(column)
    for e in events:
        table.add_row(
            str(e.get("start", ""))[:16].replace("T", " "),
            str(e.get("end", ""))[11:16],
            e.get("summary", ""),
            ", ".join(e.get("attendees") or []),
        )
    return Panel(table, title=f"Calendar ({len(events)})", border_style="cyan")


def _slack_panel(channels: dict[str, list[dict[str, Any]]]) -> Panel:
    if not channels:
        return Panel(Text("no messages", style="dim"), title="Slack (0)", border_style="magenta")
    parts: list[Any] = []
    for name, messages in channels.items():
        parts.append(Text(f"#{name.lstrip('#')}", style="bold"))
        for m in messages:
            parts.append(Text(f"  {m.get('user', '')}: {m.get('text', '')}"))
    count = sum(len(m) for m in channels.values())
    return Panel(Group(*parts), title=f"Slack ({count})", border_style="magenta")
