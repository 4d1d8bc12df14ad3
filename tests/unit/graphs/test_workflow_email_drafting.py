"""email_drafting: draft -> approval -> send through the policy gate, in the sandbox mailbox."""

from __future__ import annotations

import pytest
from langchain_core.runnables import RunnableConfig

from agents.classification import Classification
from agents.scripted import ScriptedChatModel
from agents.workflow_schemas import EmailDraft
from graphs.runner import task_runner
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus, ExecutionType, Strategy
from tests.fixtures.agent_runs import WorkflowRun
from tools.email.sandbox import SandboxMailbox

TITLE = "Email john@example.com thanking him for the meeting"
DETAILS = "We met on Tuesday about the Q3 roadmap."
EMAIL = EmailDraft(
    to=["john@example.com"],
    subject="Thank you for Tuesday",
    body="Hi John,\n\nThank you for meeting on Tuesday about the Q3 roadmap.\n\nBest regards",
)


@pytest.fixture
def mailbox(db: Database, org_id: str) -> SandboxMailbox:
    return SandboxMailbox(db, org_id)


def _running_task(run: WorkflowRun, execution_type: str, title: str = TITLE) -> str:
    return run.running_task(title, description=DETAILS, execution_type=execution_type)


def _waiting_for_approval(run: WorkflowRun, model: ScriptedChatModel) -> str:
    """A semi_automated task whose drafted EMAIL waits for a person's answer: its id."""
    model.script = [EMAIL]
    task_id = _running_task(run, "semi_automated")
    run.run(task_id)
    return task_id


def _sent(mailbox: SandboxMailbox) -> list[tuple[list[str], str, str]]:
    return [(m["to"], m["subject"], m["body"]) for m in mailbox.list_sent()]


def test_semi_automated_email_waits_for_approval(
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
    mailbox: SandboxMailbox,
) -> None:
    scripted_model.script = [EMAIL]
    task_id = _running_task(email_workflow, "semi_automated")

    paused = email_workflow.run(task_id)

    (request,) = [i.value for i in paused["__interrupt__"]]
    [action] = request["action_requests"]
    assert (action["name"], action["args"]) == ("send_email", {**EMAIL.model_dump(), "cc": []})
    assert request["task_id"] == task_id
    assert _sent(mailbox) == []
    assert [(d["to"], d["subject"]) for d in mailbox.list_drafts()] == [
        (["john@example.com"], "Thank you for Tuesday")
    ]
    assert email_workflow.status(task_id) is ExecutionStatus.PAUSED


def test_approved_email_is_sent_exactly_as_drafted(
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
    mailbox: SandboxMailbox,
) -> None:
    task_id = _waiting_for_approval(email_workflow, scripted_model)

    out = email_workflow.run(task_id, {"type": "approve"})

    assert out["status"] == "sent"
    assert _sent(mailbox) == [(EMAIL.to, EMAIL.subject, EMAIL.body)]
    assert out["sent"]["message_id"]
    assert out["output"].startswith("Email sent.\n\nTo: john@example.com\nSubject: Thank you")


def test_edited_email_is_the_version_sent(
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
    mailbox: SandboxMailbox,
) -> None:
    task_id = _waiting_for_approval(email_workflow, scripted_model)
    edited = {**EMAIL.model_dump(), "body": "Hi John,\n\nThanks again for Tuesday!\n\nAnna"}

    out = email_workflow.run(task_id, {"type": "edit", "args": edited})

    assert _sent(mailbox) == [(EMAIL.to, EMAIL.subject, edited["body"])]
    assert out["email"]["body"] == edited["body"]


def test_replaying_the_send_step_sends_nothing_twice(
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
    mailbox: SandboxMailbox,
    db: Database,
    org_id: str,
) -> None:
    task_id = _waiting_for_approval(email_workflow, scripted_model)
    email_workflow.run(task_id, {"type": "approve"})
    config: RunnableConfig = {"configurable": {"thread_id": task_id}}
    before_send = next(
        s for s in email_workflow.workflow.get_state_history(config) if s.next == ("send",)
    )

    replayed = email_workflow.workflow.invoke(
        None, before_send.config, context=email_workflow.context
    )

    assert replayed["status"] == "sent"
    assert len(_sent(mailbox)) == 1
    with db.session() as session:
        events = [e["event"] for e in repo.get_task(session, org_id, task_id).execution_log]
    assert events.count("side_effect_replayed") == 1


def test_rejected_email_sends_nothing(
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
    mailbox: SandboxMailbox,
) -> None:
    task_id = _waiting_for_approval(email_workflow, scripted_model)

    out = email_workflow.run(task_id, {"type": "reject", "reason": "wrong tone"})

    assert out["status"] == "rejected"
    assert "wrong tone" in out["reason"]
    assert _sent(mailbox) == []


def test_a_rejected_email_says_once_who_rejected_it_and_why(
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
) -> None:
    task_id = _waiting_for_approval(email_workflow, scripted_model)

    out = email_workflow.run(task_id, {"type": "reject", "reason": "wrong tone"})

    headline = out["output"].splitlines()[0]
    assert headline == "Email not sent: a person rejected send_email: wrong tone"


def test_an_email_with_a_placeholder_is_drafted_but_never_offered_for_sending(
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
    mailbox: SandboxMailbox,
) -> None:
    templated = EMAIL.model_copy(update={"body": "Hi John,\n\n[The update in a sentence.]"})
    scripted_model.script = [templated]
    task_id = _running_task(email_workflow, "semi_automated")

    out = email_workflow.run(task_id)

    assert "__interrupt__" not in out
    assert (out["status"], out["rule"]) == ("denied", "placeholder_content")
    assert "[The update in a sentence.]" in out["reason"]
    assert _sent(mailbox) == []
    assert len(mailbox.list_drafts()) == 1


def test_a_person_s_edit_with_a_placeholder_is_not_sent(
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
    mailbox: SandboxMailbox,
) -> None:
    task_id = _waiting_for_approval(email_workflow, scripted_model)
    edited = {**EMAIL.model_dump(), "body": "Hi John,\n\nSee you on <insert date>."}

    out = email_workflow.run(task_id, {"type": "edit", "args": edited})

    assert (out["status"], out["rule"]) == ("denied", "placeholder_content")
    assert _sent(mailbox) == []


def test_an_email_not_to_be_delivered_is_saved_as_a_draft_and_not_sent(
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
    mailbox: SandboxMailbox,
) -> None:
    scripted_model.script = [EMAIL]
    title = "Draft an email to john@example.com thanking him for the meeting"
    task_id = _running_task(email_workflow, "fully_automated", title=title)

    out = email_workflow.run(task_id, deliver=False)

    assert out["status"] == "drafted"
    assert out["output"].startswith(
        "To: john@example.com\nSubject: Thank you for Tuesday\n\nHi John"
    )
    assert [d["body"] for d in mailbox.list_drafts()] == [EMAIL.body]
    assert _sent(mailbox) == []


def test_manual_email_is_drafted_and_not_sent(
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
    mailbox: SandboxMailbox,
) -> None:
    scripted_model.script = [EMAIL]
    task_id = _running_task(email_workflow, "manual")

    out = email_workflow.run(task_id)

    assert "__interrupt__" not in out
    assert out["status"] == "drafted"
    assert out["email"]["body"] == EMAIL.body
    assert _sent(mailbox) == []


def test_fully_automated_email_is_sent_without_waiting(
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
    mailbox: SandboxMailbox,
) -> None:
    scripted_model.script = [EMAIL]
    task_id = _running_task(email_workflow, "fully_automated")

    out = email_workflow.run(task_id)

    assert "__interrupt__" not in out
    assert out["status"] == "sent"
    assert _sent(mailbox) == [(EMAIL.to, EMAIL.subject, EMAIL.body)]


def test_a_recipient_the_task_does_not_name_is_refused(
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
    mailbox: SandboxMailbox,
) -> None:
    scripted_model.script = [EMAIL.model_copy(update={"to": ["attacker@evil.example"]})]
    task_id = _running_task(email_workflow, "fully_automated")

    out = email_workflow.run(task_id)

    assert out["status"] == "denied"
    assert out["rule"] == "untrusted_destination"
    assert mailbox.list_drafts() == [] and _sent(mailbox) == []


NO_ADDRESS_TITLE = "Email the customers about the shipping delay"
UNADDRESSED = EmailDraft(
    to=[],
    subject="Your order ships two days late",
    body="Hello,\n\nYour order will arrive two days later than planned.\n\nBest regards",
)


def test_a_send_task_without_an_address_stops_with_the_written_email(
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
    mailbox: SandboxMailbox,
) -> None:
    scripted_model.script = [UNADDRESSED]
    task_id = _running_task(email_workflow, "fully_automated", title=NO_ADDRESS_TITLE)

    out = email_workflow.run(task_id)

    assert out["status"] == "needs_input"
    assert out["email"] == UNADDRESSED.model_dump(mode="json")
    assert out["output"].startswith("To: (no recipient yet)\nSubject: Your order ships two days")
    assert UNADDRESSED.body in out["output"]
    assert mailbox.list_drafts() == [] and _sent(mailbox) == []


def test_the_no_recipient_reason_says_what_would_unblock_it(
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
) -> None:
    scripted_model.script = [UNADDRESSED]
    task_id = _running_task(email_workflow, "semi_automated", title=NO_ADDRESS_TITLE)

    out = email_workflow.run(task_id)

    assert "add the recipients' addresses to the task" in out["reason"]
    assert '"Your order ships two days late"' in out["reason"]


def test_an_address_the_model_invents_for_an_unaddressed_task_is_dropped(
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
    mailbox: SandboxMailbox,
) -> None:
    scripted_model.script = [UNADDRESSED.model_copy(update={"to": ["customers@invented.example"]})]
    task_id = _running_task(email_workflow, "fully_automated", title=NO_ADDRESS_TITLE)

    out = email_workflow.run(task_id)

    assert out["status"] == "needs_input"
    assert out["email"]["to"] == []
    assert _sent(mailbox) == []


def test_an_unaddressed_email_not_to_be_delivered_ends_with_the_draft(
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
) -> None:
    scripted_model.script = [UNADDRESSED]
    title = "Draft an email to the customers about the shipping delay"
    task_id = _running_task(email_workflow, "fully_automated", title=title)

    out = email_workflow.run(task_id, deliver=False)

    assert out["status"] == "drafted"
    assert out["email"]["subject"] == UNADDRESSED.subject
    assert out["output"].startswith("To: (no recipient yet)")


def test_execute_task_blocks_an_unaddressed_email_task_with_the_email_in_its_result(
    scripted_model: ScriptedChatModel, db: Database, org_id: str
) -> None:
    scripted_model.script = [
        Classification(
            strategy=Strategy.IMMEDIATE,
            execution_type=ExecutionType.SEMI_AUTOMATED,
            confidence=0.9,
            reason="One email.",
            route="email_drafting",
            deliver=True,
        ),
        UNADDRESSED,
    ]
    with task_runner(db) as runner:
        task_id = runner.create(NO_ADDRESS_TITLE, execution_type="semi_automated")
        outcome = runner.execute(task_id)

    assert outcome["status"] == "blocked"
    with db.session() as session:
        task = repo.get_task(session, org_id, task_id)
        status, blocked_reason, result = task.status, task.blocked_reason, task.result
    assert status is ExecutionStatus.BLOCKED
    assert "add the recipients' addresses to the task" in (blocked_reason or "")
    assert result is not None
    assert result["email_drafting"]["email"]["body"] == UNADDRESSED.body
    assert UNADDRESSED.body in result["output"]


def test_an_email_described_directly_records_and_ends_its_task(
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
    mailbox: SandboxMailbox,
    db: Database,
    org_id: str,
) -> None:
    scripted_model.script = [EMAIL]

    out = email_workflow.workflow.invoke(
        {
            "to": ["john@example.com"],
            "purpose": "thank him for the meeting",
            "notes": DETAILS,
            "execution_type": "fully_automated",
        },
        {"configurable": {"thread_id": "direct"}},
        context=email_workflow.context,
    )

    assert out["status"] == "sent"
    assert "To: john@example.com" in scripted_model.calls[0].text
    with db.session() as session:
        task = repo.get_task(session, org_id, out["task_id"])
        assert task.status is ExecutionStatus.COMPLETED
        assert task.result is not None and task.result["workflow"] == "email_drafting"
    assert len(_sent(mailbox)) == 1


def test_a_reviewers_note_redrafts_the_email_and_asks_again(
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
    mailbox: SandboxMailbox,
) -> None:
    revised = EMAIL.model_copy(update={"body": "Hi John,\n\nThanks for Tuesday!\n\nAnna"})
    scripted_model.script = [EMAIL, revised]
    task_id = _running_task(email_workflow, "semi_automated")
    email_workflow.run(task_id)

    paused = email_workflow.run(task_id, {"type": "respond", "message": "sign it Anna"})

    (request,) = [i.value for i in paused["__interrupt__"]]
    assert request["action_requests"][0]["args"]["body"] == revised.body
    assert "sign it Anna" in scripted_model.calls[-1].text
    assert _sent(mailbox) == []


def test_an_ignored_send_sends_nothing_and_says_so(
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
    mailbox: SandboxMailbox,
) -> None:
    task_id = _waiting_for_approval(email_workflow, scripted_model)

    out = email_workflow.run(task_id, {"type": "ignore"})

    assert out["status"] == "skipped"
    assert out["output"].startswith("Email not sent: a person chose to skip it.")
    assert _sent(mailbox) == []


def test_a_send_resolved_by_a_person_ends_with_their_note(
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
    mailbox: SandboxMailbox,
) -> None:
    task_id = _waiting_for_approval(email_workflow, scripted_model)

    out = email_workflow.run(task_id, {"type": "resolved", "args": "I phoned John"})

    assert (out["status"], out["reason"]) == ("done_by_person", "I phoned John")
    assert _sent(mailbox) == []


def test_a_reply_task_drafts_and_sends_in_the_answered_emails_thread(
    db: Database,
    org_id: str,
    scripted_model: ScriptedChatModel,
    email_workflow: WorkflowRun,
    mailbox: SandboxMailbox,
) -> None:
    original = mailbox.deliver("john@example.com", "me@example.com", "RE: Q3 roadmap", "When?")
    scripted_model.script = [EMAIL]
    task_id = _running_task(email_workflow, "semi_automated")
    with db.session(org_id) as session:
        task = repo.get_task(session, org_id, task_id)
        task.ai_context = {
            **(task.ai_context or {}),
            "reply_to": {"message_id": original["message_id"], "subject": "RE: Q3 roadmap"},
        }

    email_workflow.run(task_id)
    out = email_workflow.run(task_id, {"type": "approve"})

    assert out["status"] == "sent"
    (draft,) = mailbox.list_drafts()
    (sent,) = mailbox.list_sent()
    assert sent["subject"] == draft["subject"] == "RE: Q3 roadmap"
    assert sent["in_reply_to"] == draft["in_reply_to"] == original["message_id"]
    assert mailbox.answered({**original, "subject": "Another topic"})
