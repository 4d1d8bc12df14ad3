"""meeting_summary: notes -> summary, decisions, action items -> typed subtasks, none twice."""

from __future__ import annotations

from typing import Any

import pytest
from langgraph.types import RetryPolicy

from agents.planner import ModelOutputError
from agents.scripted import ScriptedChatModel
from agents.workflow_schemas import ActionItem, MeetingSummary
from graphs.context import Context, ProcessContext
from graphs.meeting_summary import build_graph, graph
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus, ExecutionType

NOTES = (
    "Vendor sync, March 3. Attendees: Sam, Priya, Lee.\n"
    "Delivery slipped to April; we agreed to keep the vendor.\n"
    "Sam: email the vendor (orders@vendor.example) to confirm the new delivery date by Friday.\n"
    "Priya drafts the customer FAQ about the delay. Lee calls the warehouse."
)

SUMMARY = MeetingSummary(
    summary="The vendor's delivery slipped to April; the team keeps the vendor.",
    decisions=["Keep the current vendor"],
    action_items=[
        ActionItem(
            owner="Sam", action="Email the vendor to confirm the delivery date", due="Friday"
        ),
        ActionItem(owner="Priya", action="Draft the customer FAQ about the delay"),
        ActionItem(owner="Lee", action="Call the warehouse about storage"),
    ],
)

NO_WAIT = RetryPolicy(initial_interval=0.0, max_attempts=3, jitter=False, retry_on=ModelOutputError)


@pytest.fixture
def context(db: Database) -> Context:
    return ProcessContext(model="scripted", database_url=db.url)


def _task(db: Database, org_id: str, title: str = "Summarize the vendor sync meeting") -> str:
    with db.session() as session:
        return repo.create_task(session, org_id, title, description=NOTES).id


def _children(db: Database, org_id: str, task_id: str) -> list[Any]:
    with db.session() as session:
        rows = repo.list_tasks(session, org_id, parent_task_id=task_id)
        return sorted(
            ((t.title, t.execution_type, t.execution_status, t.description) for t in rows),
            key=lambda row: row[0],
        )


def test_notes_without_a_task_give_summary_decisions_and_typed_items(
    scripted_model: ScriptedChatModel, context: Context
) -> None:
    scripted_model.script = [SUMMARY]

    out = graph.invoke({"notes": NOTES, "title": "Vendor sync"}, context=context)

    assert out["summary"] == SUMMARY.summary
    assert out["decisions"] == ["Keep the current vendor"]
    assert [(i["owner"], i["execution_type"]) for i in out["action_items"]] == [
        ("Sam", "semi_automated"),
        ("Priya", "fully_automated"),
        ("Lee", "manual"),
    ]
    assert out["subtasks"] == []
    assert out["output"].startswith("# Vendor sync\n")
    assert "- **Sam**: Email the vendor to confirm the delivery date (due Friday)" in out["output"]


def test_the_model_is_shown_the_notes_as_task_details(
    scripted_model: ScriptedChatModel, context: Context
) -> None:
    scripted_model.script = [SUMMARY]

    graph.invoke({"notes": NOTES}, context=context)

    (call,) = scripted_model.calls
    assert call.tools == ["MeetingSummary"]
    assert "Details: Vendor sync, March 3." in call.text


def test_action_items_become_subtasks_typed_by_who_can_do_them(
    scripted_model: ScriptedChatModel, context: Context, db: Database, org_id: str
) -> None:
    scripted_model.script = [SUMMARY]
    task_id = _task(db, org_id)

    out = graph.invoke({"task_id": task_id}, context=context)

    assert [(s["title"], s["execution_type"], s["status"]) for s in out["subtasks"]] == [
        ("Email the vendor to confirm the delivery date", "semi_automated", "queued"),
        ("Draft the customer FAQ about the delay", "fully_automated", "queued"),
        ("Call the warehouse about storage", "manual", "pending"),
    ]
    stored = _children(db, org_id, task_id)
    assert [(t, k, s) for t, k, s, _ in stored] == [
        ("Call the warehouse about storage", ExecutionType.MANUAL.value, "pending"),
        ("Draft the customer FAQ about the delay", ExecutionType.FULLY_AUTOMATED.value, "queued"),
        ("Email the vendor to confirm the delivery date", "semi_automated", "queued"),
    ]


def test_subtask_description_carries_owner_due_date_and_the_notes(
    scripted_model: ScriptedChatModel, context: Context, db: Database, org_id: str
) -> None:
    scripted_model.script = [SUMMARY]
    task_id = _task(db, org_id)

    graph.invoke({"task_id": task_id}, context=context)

    email = next(row for row in _children(db, org_id, task_id) if row[0].startswith("Email"))
    assert email[3].startswith("Owner: Sam\nDue: Friday\nMeeting notes:\n")
    assert "orders@vendor.example" in email[3]


def test_repeated_action_items_become_one_subtask(
    scripted_model: ScriptedChatModel, context: Context, db: Database, org_id: str
) -> None:
    repeated = SUMMARY.model_copy(
        update={
            "action_items": [
                *SUMMARY.action_items,
                ActionItem(owner="Sam", action="email the vendor to confirm the delivery date."),
            ]
        }
    )
    scripted_model.script = [repeated]
    task_id = _task(db, org_id)

    out = graph.invoke({"task_id": task_id}, context=context)

    assert len(out["action_items"]) == 3
    assert len(_children(db, org_id, task_id)) == 3


def test_running_twice_creates_no_duplicate_subtasks(
    scripted_model: ScriptedChatModel, context: Context, db: Database, org_id: str
) -> None:
    scripted_model.script = [SUMMARY, SUMMARY]
    task_id = _task(db, org_id)

    graph.invoke({"task_id": task_id}, context=context)
    second = graph.invoke({"task_id": task_id}, context=context)

    assert second["subtasks"] == []
    assert [s["reason"] for s in second["skipped"]] == ["duplicate"] * 3
    assert len(_children(db, org_id, task_id)) == 3


def test_summary_and_subtasks_are_written_to_the_task_log(
    scripted_model: ScriptedChatModel, context: Context, db: Database, org_id: str
) -> None:
    scripted_model.script = [SUMMARY]
    task_id = _task(db, org_id)

    graph.invoke({"task_id": task_id}, context=context)

    with db.session() as session:
        log = repo.get_task(session, org_id, task_id).execution_log
    events = [(e["event"], e.get("node")) for e in log if e.get("workflow") == "meeting_summary"]
    assert events == [("meeting_summarized", "summarize"), ("subtasks_created", "create_subtasks")]


def test_an_unusable_answer_is_asked_for_again(
    scripted_model: ScriptedChatModel, context: Context
) -> None:
    scripted_model.script = [MeetingSummary(summary=" ", decisions=[], action_items=[]), SUMMARY]

    out = build_graph(NO_WAIT).compile().invoke({"notes": NOTES}, context=context)

    assert len(scripted_model.calls) == 2
    assert out["summary"] == SUMMARY.summary


def test_the_workflow_leaves_the_task_status_to_execute_task(
    scripted_model: ScriptedChatModel, context: Context, db: Database, org_id: str
) -> None:
    scripted_model.script = [SUMMARY]
    task_id = _task(db, org_id)

    graph.invoke({"task_id": task_id}, context=context)

    with db.session() as session:
        assert repo.get_task(session, org_id, task_id).status is ExecutionStatus.PENDING
