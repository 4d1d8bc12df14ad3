"""`delegate done` and `delegate retry`: a person finishes a task or sends it back with a note."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from agents.classification import Classification, SubtaskPlan
from agents.scripted import ScriptedChatModel
from app.cli import app
from store.db import Database

runner = CliRunner()

NOTE = "Facilities approved it: email facilities@example.com asking them to order 6 chairs"


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def run_json(*args: str) -> dict[str, Any]:
    code, stdout, stderr = invoke(*args, "--json")
    assert code == 0, stderr
    loaded: dict[str, Any] = json.loads(stdout)
    return loaded


def blocked(reason: str = "Needs a person with purchasing authority") -> Classification:
    return Classification(
        strategy="blocked", execution_type="manual", confidence=0.9, reason=reason
    )


def test_done_completes_manual_subtasks_and_then_their_parent(
    db: Database, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [
        Classification(
            strategy="decompose",
            execution_type="fully_automated",
            confidence=0.8,
            reason="phases",
            subtasks=[
                SubtaskPlan(title="Approve the budget", execution_type="manual"),
                SubtaskPlan(title="Book the venue", execution_type="manual"),
            ],
        ),
    ]
    plan = run_json("run", "Plan Q4 marketing campaign")
    budget, venue = (s["id"] for s in plan["subtasks"])

    run_json("done", budget[:8], "--note", "Approved: 20k")
    assert run_json("show", plan["taskId"])["execution_status"] == "paused"
    finished = run_json("done", venue, "--note", "Booked the Harbour room")

    assert finished["status"] == "completed"
    parent = run_json("show", plan["taskId"])
    assert parent["execution_status"] == "completed"
    assert parent["result"]["output"].splitlines() == [
        "All 2 subtasks completed.",
        "- Approve the budget: Approved: 20k",
        "- Book the venue: Booked the Harbour room",
    ]


def test_done_logs_who_completed_the_task_and_what_they_did(db: Database) -> None:
    task_id = run_json("add", "Sign the lease", "--type", "manual")["id"]

    run_json("done", task_id, "--note", "Signed on paper")

    entry = run_json("log", task_id)[-1]
    assert entry["event"] == "completed"
    assert entry["executor_type"] == "user" and entry["executor_id"]
    assert entry["result"]["output"] == "Signed on paper"


def test_done_on_a_completed_task_is_a_one_line_error(db: Database) -> None:
    task_id = run_json("add", "Sign the lease", "--type", "manual")["id"]
    run_json("done", task_id)

    code, _, stderr = invoke("done", task_id)

    assert code == 1
    assert stderr.strip().splitlines() == [
        f"error: task {task_id} is completed already; only a pending, queued, blocked or "
        "paused task can be marked done"
    ]


def test_retry_shows_the_model_the_note_and_logs_it(
    db: Database, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [
        blocked(),
        Classification(
            strategy="immediate",
            execution_type="fully_automated",
            confidence=0.8,
            reason="draft",
            route="writer",
        ),
        "Hi facilities, please order 6 chairs.",
    ]
    task_id = run_json("run", "Order new office chairs")["taskId"]

    outcome = run_json("retry", task_id[:8], "--note", NOTE)

    assert outcome["status"] == "completed"
    classify_call = scripted_model.calls[-2]
    assert f"Note from a person: {NOTE}" in classify_call.text
    events = [(e["event"], e.get("note")) for e in run_json("log", task_id)]
    assert ("retry_requested", NOTE) in events
    assert events.index(("retry_requested", NOTE)) < events.index(("completed", None))


def test_retry_of_a_task_that_is_not_blocked_changes_nothing(db: Database) -> None:
    task_id = run_json("add", "Write the newsletter")["id"]

    code, _, stderr = invoke("retry", task_id, "--note", "try harder")

    assert code == 1
    assert "only a blocked task can be retried" in stderr
    assert [e["event"] for e in run_json("log", task_id)] == ["created"]


def test_retry_needs_a_note(db: Database) -> None:
    code, _, stderr = invoke("retry", "abcd")

    assert code == 2
    assert "--note" in stderr
