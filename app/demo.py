"""`delegate demo`: the spec's three scenarios end to end, with each outcome and its log."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from rich.console import Console
from rich.rule import Rule

from app.render import log_table, outcome_panel, print_json
from graphs.runner import task_runner
from store.db import Database
from store.tasks import get_task

#: The spec's scenarios (immediate, decomposed, blocked; the AI picks their execution type),
#: then agents using their tools: a Slack post, a calendar event (typed fully_automated by the
#: person), and an email that waits for a person's approval.
SCENARIOS: list[dict[str, str]] = [
    {"title": "Draft email to john@example.com thanking him for the meeting"},
    {"title": "Plan Q4 marketing campaign"},
    {"title": "Order new office chairs"},
    {
        "title": "Post the release notes in #general on Slack",
        "description": "v2.3: faster sync, dark mode, bug fixes",
        "execution_type": "fully_automated",
    },
    {
        "title": "Schedule a 30 minute sync with maria@example.com next Tuesday",
        "execution_type": "fully_automated",
    },
    {
        "title": "Send a follow-up email to priya@example.com about the new pricing page",
        "execution_type": "semi_automated",
    },
]


def run_demo(console: Console, *, as_json: bool = False, organization: str = "default") -> None:
    db = Database()
    db.ensure_schema()
    report: list[dict[str, Any]] = []
    with task_runner(db, organization=organization) as runner:
        for number, scenario in enumerate(SCENARIOS, 1):
            task_id = runner.create(
                scenario["title"],
                description=scenario.get("description", ""),
                execution_type=scenario.get("execution_type"),
            )
            if not as_json:
                console.print(Rule(f"[bold]{number}. {scenario['title']}"))
            with nullcontext() if as_json else console.status("executing…"):
                outcome = runner.execute(task_id)
            with db.session(runner.org_id) as session:
                entries = list(get_task(session, runner.org_id, task_id).execution_log)
            report.append({"scenario": scenario["title"], "outcome": outcome, "log": entries})
            if not as_json:
                console.print(outcome_panel(outcome))
                console.print(log_table(entries, compact=True))
                if outcome.get("approval"):
                    console.print(
                        f"This task waits for you: `delegate approve {task_id[:8]}` sends it "
                        f"(add `--set body='...'` to edit), `delegate reject {task_id[:8]} "
                        "--reason '...'` stops it."
                    )
        sandbox = _sandbox_snapshot(db, runner.org_id)
    if as_json:
        print_json(console, {"scenarios": report, "sandbox": sandbox})
        return
    if sandbox:
        from app.sandbox_view import print_sandbox

        console.print(Rule("[bold]Sandbox: what the agents did"))
        print_sandbox(console, sandbox)
    console.print(
        "\nNext: `delegate tasks`, `delegate log <id>` (every step in full), `delegate approvals`,"
        " `delegate serve` for the web page and the HTTP API."
    )


def _sandbox_snapshot(db: Database, org_id: str) -> dict[str, Any]:
    try:
        from app.sandbox_view import snapshot
    except ImportError:
        return {}
    return snapshot(db, org_id)
