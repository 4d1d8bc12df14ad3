"""Rich rendering for the CLI: task tables, outcomes and execution-log timelines."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from app.json_output import print_json as print_json  # re-exported for the commands

if TYPE_CHECKING:
    from rich.markdown import Markdown

STATUS_STYLE = {
    "pending": "white",
    "queued": "cyan",
    "in_progress": "yellow",
    "paused": "magenta",
    "blocked": "red",
    "completed": "green",
    "failed": "bold red",
}


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLE.get(status, "white"))


def tasks_table(tasks: list[dict[str, Any]]) -> Table:
    table = Table(title="Tasks", show_lines=False, expand=False)
    table.add_column("id", style="dim", no_wrap=True)
    table.add_column("title")
    table.add_column("type")
    table.add_column("status")
    table.add_column("priority")
    table.add_column("confidence", justify="right")
    # When a re-queued task runs again (who runs one now: `claims_table`).
    waiting = any(t.get("next_attempt_at") and t["execution_status"] == "queued" for t in tasks)
    if waiting:
        table.add_column("next attempt")
    for t in tasks:
        indent = "  " * int(t.get("depth") or 0)
        conf = t.get("ai_confidence")
        extra = []
        if waiting:
            queued = t["execution_status"] == "queued"
            extra.append(_clock(t.get("next_attempt_at")) if queued else "-")
        table.add_row(
            t["id"][:8],
            Text(indent + t["title"]),
            t["execution_type"],
            status_text(t["execution_status"]),
            t["priority"],
            f"{conf:.2f}" if isinstance(conf, int | float) else "-",
            *extra,
        )
    return table


def claims_table(tasks: list[dict[str, Any]]) -> Table | None:
    """Who runs each claimed task and until when its lease lasts, or None when no task is
    claimed. A table of its own, so an owner and its lease show in full at 80 columns."""
    claimed = [t for t in tasks if t.get("claim_owner")]
    if not claimed:
        return None
    table = Table(title="Runs and their claims", show_lines=False, expand=False)
    table.add_column("id", style="dim", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("owner", overflow="fold")
    table.add_column("lease until", no_wrap=True)
    now = datetime.now(UTC)
    stopped = False
    for t in claimed:
        lease = t.get("lease_expires_at")
        expired = bool(lease) and _utc(lease) <= now
        stopped |= expired
        table.add_row(
            t["id"][:8],
            status_text(t["execution_status"]),
            t["claim_owner"],
            Text(_clock(lease) + (" (expired)" if expired else ""), style="red" if expired else ""),
        )
    if stopped:
        table.caption = "expired: its owner stopped; a worker or `delegate recover` carries it on"
    return table


def _utc(value: Any) -> datetime:
    """A stored time (a datetime or its ISO text) as an aware UTC datetime."""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _clock(value: Any) -> str:
    """An ISO timestamp as `YYYY-MM-DD HH:MM:SS UTC` (the stored times are UTC)."""
    if not value:
        return "-"
    return str(value)[:19].replace("T", " ") + " UTC"


def outcome_panel(outcome: dict[str, Any], title: str | None = None) -> Panel:
    """The spec's response object, readable."""
    strategy = outcome.get("strategy")  # none when a person finished the task
    status = outcome.get("status", "?")
    parts: list[Any] = [
        Text.assemble(
            *((("strategy ", "dim"), (str(strategy), "bold"), ("   ", "dim")) if strategy else ()),
            ("status ", "dim"),
            status_text(str(status)),
            ("   task ", "dim"),
            (str(outcome.get("task_id", ""))[:8], "dim"),
        ),
        Text(str(outcome.get("message", ""))),
    ]
    result = outcome.get("result")
    if isinstance(result, dict) and result.get("output"):
        parts.append(Panel(readable(str(result["output"])), title="result", border_style="green"))
        for action in result.get("actions") or []:
            parts.append(Text(f"  did: {action_summary(action)}", style="green"))
    if outcome.get("subtasks"):
        sub = Table(show_header=True, box=None)
        sub.add_column("subtask")
        sub.add_column("type")
        sub.add_column("status")
        for s in outcome["subtasks"]:
            sub.add_row(
                Text(s.get("title", "")),
                s.get("execution_type", ""),
                status_text(str(s.get("status", ""))),
            )
        parts.append(sub)
    if outcome.get("reason"):
        parts.append(
            Text(
                f"reason: {outcome['reason']}",
                style="red" if not outcome.get("success", True) else "yellow",
            )
        )
    if outcome.get("approval"):
        parts.append(approval_panel(outcome["approval"]))
    border = "green" if outcome.get("success") else "red"
    return Panel(Group(*parts), title=title, border_style=border)


_MARKDOWN_LINE = re.compile(r"^\s*(#{1,6} |[-*+] |\d+[.)] |> |```|\|)")


def readable(text: str) -> Markdown | Text:
    """Markdown when the text is written as Markdown; otherwise the text with its line breaks."""
    from rich.markdown import Markdown  # markdown-it and Pygments: only when a result shows

    if any(_MARKDOWN_LINE.match(line) for line in text.splitlines()):
        return Markdown(text)
    return Text(text)


def action_summary(action: dict[str, Any]) -> str:
    """One line for a side effect: the tool, where it went, and what the provider said."""
    args = action.get("args") or {}
    target = (
        ", ".join(args.get("to") or [])
        or args.get("channel")
        or args.get("summary")
        or args.get("url")
        or ""
    )
    status = (action.get("result") or {}).get("status", "done")
    return (
        f"{action.get('tool', '?')} → {target} ({status})"
        if target
        else (f"{action.get('tool', '?')} ({status})")
    )


def approval_panel(payload: Any) -> Panel:
    """The exact action a person is asked to approve."""
    from tools.gate.approval import requested_action

    request = requested_action(payload)
    if request is None:
        return Panel(Text(str(payload)), title="approval needed", border_style="magenta")
    args = request.get("args") or {}
    table = Table(box=None, show_header=False)
    table.add_column(style="dim")
    table.add_column()
    for key, value in args.items():
        shown = ", ".join(value) if isinstance(value, list) else str(value)
        table.add_row(key, Text(shown))
    parts: list[Any] = [Text(f"action: {request.get('name', '?')}", style="bold")]
    headline = _approval_headline(str(request.get("description", "")))
    if headline:
        from rich.markdown import Markdown

        parts.append(Markdown(headline))
    parts.append(table)
    return Panel(Group(*parts), title="approval needed", border_style="magenta")


def _approval_headline(description: str) -> str:
    """The request's note and who asks for what: its description before the argument list.

    The rest of the description lists the arguments again (the table shows them) and the
    ways to answer (the CLI prints its own commands).
    """
    head: list[str] = []
    for line in description.splitlines():
        if line.startswith("- **"):
            break
        head.append(line)
    return "\n".join(head).strip()


#: Log fields shown in the header line of an entry rather than among its details.
_LOG_HEADER_FIELDS = {
    "event",
    "timestamp",
    "executor_id",
    "executor_type",
    "from_status",
    "to_status",
}


def log_table(
    entries: list[dict[str, Any]], title: str = "Execution log", *, compact: bool = False
) -> Panel:
    """The execution log as a timeline: one header line per step, its details indented
    (`compact`: the header lines only, plus a reason where there is one)."""
    lines: list[Any] = []
    for number, entry in enumerate(entries, 1):
        header = Text.assemble(
            (f"{number:>3} ", "dim"),
            (str(entry.get("timestamp", ""))[11:23] + "  ", "dim"),
            (str(entry.get("event", "?")), "bold"),
        )
        if entry.get("to_status"):
            header.append(
                f"  {entry.get('from_status')} → {entry['to_status']}",
                style=STATUS_STYLE.get(str(entry["to_status"]), "white"),
            )
        header.append(
            f"  {entry.get('executor_type', '')}:{entry.get('executor_id', '')}", style="cyan"
        )
        lines.append(header)
        for key, value in entry.items():
            if compact and key not in ("reason", "error", "rule"):
                continue
            if key not in _LOG_HEADER_FIELDS:
                lines.append(Text(f"      {key}: {_short(value, 160)}", style="dim"))
    if not lines:
        lines.append(Text("no entries", style="dim"))
    return Panel(Group(*lines), title=title, border_style="blue")


def checkpoint_table(rows: list[dict[str, Any]], thread_id: str) -> Table:
    """The thread's checkpoint history: what Studio shows for the same run."""
    table = Table(title=f"Checkpoints of thread {thread_id}", expand=True)
    table.add_column("step", justify="right")
    table.add_column("time", style="dim", no_wrap=True)
    table.add_column("ran", style="bold")
    table.add_column("next")
    table.add_column("checkpoint", style="dim", overflow="fold")
    for row in rows:
        table.add_row(
            str(row.get("step")),
            str(row.get("created_at", ""))[11:23],
            ", ".join(row.get("ran") or []) or f"({row.get('source')})",
            ", ".join(row.get("next") or []),
            str(row.get("checkpoint_id")),
        )
    return table


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
