"""execute_task runs immediate work through the workflow graph that fits it, as a subgraph."""

from __future__ import annotations

from typing import Any

from agents.scripted import ScriptedChatModel
from agents.workflow_schemas import (
    ActionItem,
    EmailDraft,
    MeetingSummary,
    ReportDraft,
    ReportSection,
)
from graphs.runner import task_runner
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus
from tests.fixtures.agent_runs import immediate
from tools.email.sandbox import SandboxMailbox

EMAIL_TITLE = "Email john@example.com thanking him for the meeting"
EMAIL = EmailDraft(
    to=["john@example.com"],
    subject="Thank you",
    body="Hi John,\n\nThank you for the meeting.\n\nBest",
)


def _task(db: Database, org_id: str, task_id: str) -> Any:
    with db.session() as session:
        task = repo.get_task(session, org_id, task_id)
        session.expunge(task)
        return task


def _sent(db: Database, org_id: str) -> list[str]:
    return [m["body"] for m in SandboxMailbox(db, org_id).list_sent()]


def test_semi_automated_email_task_pauses_then_completes_with_the_sent_email(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [immediate("semi_automated", "email_drafting"), EMAIL]
    with task_runner(db) as runner:
        task_id = runner.create(EMAIL_TITLE, execution_type="semi_automated")
        paused = runner.execute(task_id)
        assert paused["status"] == "paused"
        assert paused["approval"]["action_requests"][0]["name"] == "send_email"
        assert _task(db, org_id, task_id).status is ExecutionStatus.PAUSED
        assert _sent(db, org_id) == []

        done = runner.approve(task_id)

    assert done["status"] == "completed"
    assert done["result"]["workflow"] == "email_drafting"
    assert done["result"]["email_drafting"]["status"] == "sent"
    assert _sent(db, org_id) == [EMAIL.body]
    assert _task(db, org_id, task_id).status is ExecutionStatus.COMPLETED


def test_approval_given_by_another_runner_sends_the_edit_once(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [immediate("semi_automated", "email_drafting"), EMAIL]
    with task_runner(db) as first:
        task_id = first.create(EMAIL_TITLE, execution_type="semi_automated")
        first.execute(task_id)

    with task_runner(db) as second:
        done = second.approve(task_id, {"body": "Hi John, thanks! Anna"})

    assert done["status"] == "completed"
    assert _sent(db, org_id) == ["Hi John, thanks! Anna"]
    assert len(scripted_model.calls) == 2  # the draft was not written again on resume


def test_rejected_email_blocks_the_task_with_the_reason_and_sends_nothing(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [immediate("semi_automated", "email_drafting"), EMAIL]
    with task_runner(db) as runner:
        task_id = runner.create(EMAIL_TITLE, execution_type="semi_automated")
        runner.execute(task_id)
        outcome = runner.reject(task_id, "not now")

    assert outcome["status"] == "blocked"
    assert "not now" in outcome["reason"]
    task = _task(db, org_id, task_id)
    assert task.status is ExecutionStatus.BLOCKED
    assert "not now" in (task.blocked_reason or "")
    assert _sent(db, org_id) == []


def test_manual_email_task_completes_with_the_draft_and_sends_nothing(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [immediate("manual", "email_drafting"), EMAIL]
    with task_runner(db) as runner:
        task_id = runner.create(EMAIL_TITLE, execution_type="manual")
        outcome = runner.execute(task_id)

    assert outcome["status"] == "completed"
    assert outcome["result"]["email_drafting"]["status"] == "drafted"
    assert EMAIL.body in outcome["result"]["output"]
    assert _sent(db, org_id) == []


def test_meeting_task_completes_with_the_summary_and_its_subtasks(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    summary = MeetingSummary(
        summary="The launch moves to May.",
        decisions=["Launch in May"],
        action_items=[
            ActionItem(owner="Sam", action="Email the agency about the new date"),
            ActionItem(owner="Lee", action="Call the printer"),
        ],
    )
    scripted_model.script = [immediate(route="meeting_summary"), summary]
    with task_runner(db) as runner:
        task_id = runner.create(
            "Summarize the launch meeting",
            description="Launch moves to May. Sam emails agency@x.io.",
        )
        outcome = runner.execute(task_id)

    assert outcome["status"] == "completed"
    assert outcome["result"]["workflow"] == "meeting_summary"
    assert "## Decisions\n\n- Launch in May" in outcome["result"]["output"]
    with db.session() as session:
        children = repo.list_tasks(session, org_id, parent_task_id=task_id)
        assert sorted((c.title, c.execution_type) for c in children) == [
            ("Call the printer", "manual"),
            ("Email the agency about the new date", "semi_automated"),
        ]


def test_report_task_completes_with_the_markdown_report(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    draft = ReportDraft(
        title="Weekly report",
        summary="A good week.",
        sections=[ReportSection(heading="Highlights", body="Revenue is up.")],
    )
    scripted_model.script = [immediate(route="report_generation"), draft]
    with task_runner(db) as runner:
        task_id = runner.create("Write the weekly report", description="Revenue 120k, up 8%.")
        outcome = runner.execute(task_id)

    assert outcome["status"] == "completed"
    assert "| Revenue | 120k | up 8% |" in outcome["result"]["output"]
    stored = _task(db, org_id, task_id).result
    assert stored["report_generation"]["report"]["figures"][0]["metric"] == "Revenue"


def test_a_workflow_whose_model_keeps_failing_fails_the_task(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    empty = ReportDraft(title="Weekly report", summary="", sections=[])
    scripted_model.script = [immediate(route="report_generation"), empty, empty, empty]
    with task_runner(db) as runner:
        task_id = runner.create("Write the weekly report", description="Revenue 120k.")
        outcome = runner.execute(task_id)

    assert outcome["success"] is False
    assert "no sections" in outcome["reason"]
    assert _task(db, org_id, task_id).status is ExecutionStatus.FAILED


def test_work_routed_to_the_writer_is_written_without_a_workflow(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [immediate(route="writer"), "Three competitors: A, B and C."]
    with task_runner(db) as runner:
        outcome = runner.execute(runner.create("List three competitors of Acme"))

    assert outcome["status"] == "completed"
    assert "workflow" not in outcome["result"]
    assert outcome["result"]["output"] == "Three competitors: A, B and C."
