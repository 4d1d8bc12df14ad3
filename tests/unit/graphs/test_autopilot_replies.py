"""The autopilot on the sandbox inbox (offline model): an important email a person sent that
nobody answered gets a reply drafted that waits for approval, once; newsletters get nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from langchain_core.messages import BaseMessage

from agents.email_triage import EmailTriage
from agents.scripted import ScriptedChatModel
from agents.workflow_schemas import EmailDraft
from graphs.runner import task_runner
from store.db import Database
from store.orgs import set_automation_rules
from tests.fixtures.agent_runs import immediate
from tests.fixtures.autopilot import cycle, org_tasks
from tools.email.sandbox import SandboxMailbox

QUESTION = (
    "Hi,\n\nCan you confirm whether the Q3 budget includes the new laptops? "
    "I need to know by Thursday.\n\nThanks,\nAnn"
)


@pytest.fixture(autouse=True)
def offline_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELEGATE_MODEL", "offline")


def _later(hours: float = 6) -> str:
    """A cycle's `now` this many hours after the mail arrived (the sandbox stamps it now)."""
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def _cycle(db: Database, **request: Any) -> dict[str, Any]:
    request.setdefault("now", _later())
    return cycle(db, **request)


def _ask(db: Database, org_id: str) -> dict[str, Any]:
    return SandboxMailbox(db, org_id).deliver(
        "Ann Lee <ann@example.com>", "delegate@sandbox.local", "Budget question", QUESTION
    )


def test_unanswered_important_email_gets_a_reply_waiting_for_approval(
    db: Database, org_id: str
) -> None:
    _ask(db, org_id)

    result = _cycle(db)

    assert [c["title"] for c in result["created"]] == ["Reply to ann@example.com: Budget question"]
    assert [r["status"] for r in result["ran"]] == ["paused"]
    (task,) = org_tasks(db, org_id)
    assert task.execution_type == "semi_automated"
    with task_runner(db, organization="default") as runner:
        approval = runner.pending_approval(task.id)
    assert approval is not None
    (request,) = approval["action_requests"]
    assert request["name"] == "send_email"
    assert request["args"]["to"] == ["ann@example.com"]
    assert request["args"]["subject"] == "Re: Budget question"
    assert "Q3 budget includes the new laptops" in request["args"]["body"]
    assert SandboxMailbox(db, org_id).list_sent() == []


def test_the_reply_task_names_the_email_it_answers(db: Database, org_id: str) -> None:
    email = _ask(db, org_id)

    _cycle(db)

    (task,) = org_tasks(db, org_id)
    trigger = task.ai_context["trigger"]
    assert trigger["kind"] == "unanswered_email"
    assert trigger["email_id"] == email["id"]
    assert trigger["message_id"] == email["message_id"]
    assert (trigger["from"], trigger["subject"]) == ("Ann Lee <ann@example.com>", "Budget question")
    assert "Q3 budget includes the new laptops" in task.description
    logged = [e for e in task.execution_log if e["event"] == "triggered"]
    assert logged and logged[0]["trigger"]["email_id"] == email["id"]


def test_newsletters_no_reply_senders_and_thanks_get_no_reply(db: Database, org_id: str) -> None:
    mailbox = SandboxMailbox(db, org_id)
    mailbox.deliver(
        "Shop News <news@shop.example>",
        "delegate@sandbox.local",
        "Can you believe these prices?",
        "Our spring sale ends Friday!\n\nUnsubscribe from this newsletter.",
    )
    mailbox.deliver(
        "no-reply@bank.example", "delegate@sandbox.local", "Please confirm", "Please confirm."
    )
    mailbox.deliver("bob@example.com", "delegate@sandbox.local", "Thanks", "Lunch was great.")

    result = _cycle(db)

    assert result["created"] == [] and org_tasks(db, org_id) == []
    reasons = sorted(s["reason"].split(":")[0] for s in result["skipped"])
    assert reasons == ["needs no reply", "not from a person", "not from a person"]


def test_an_email_we_already_answered_or_too_recent_gets_no_reply(
    db: Database, org_id: str
) -> None:
    mailbox = SandboxMailbox(db, org_id)
    _ask(db, org_id)
    mailbox.send(["ann@example.com"], "Re: Budget question", "Yes, it does.")

    assert _cycle(db)["created"] == []
    assert _cycle(db, now=_later(1))["skipped"] == []  # waited 1 h of the default 4
    assert org_tasks(db, org_id) == []


def test_the_reply_delay_is_configurable(
    db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ask(db, org_id)
    monkeypatch.setenv("DELEGATE_AUTOPILOT_REPLY_AFTER_HOURS", "8")

    assert _cycle(db, now=_later(6))["created"] == []
    assert len(_cycle(db, now=_later(6), reply_after_hours=2)["created"]) == 1


def test_a_second_and_a_concurrent_cycle_draft_one_reply(db: Database, org_id: str) -> None:
    _ask(db, org_id)
    now = _later()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: _cycle(db, now=now), range(2)))
    again = _cycle(db, now=now)

    assert sum(len(r["created"]) for r in results) == 1
    assert again["created"] == [] and [s["reason"] for s in again["skipped"]] == [
        "reply already drafted"
    ]
    assert len(org_tasks(db, org_id)) == 1


def test_the_budget_stops_a_reply_cycle(db: Database, org_id: str) -> None:
    mailbox = SandboxMailbox(db, org_id)
    _ask(db, org_id)
    mailbox.deliver(
        "raj@example.com", "delegate@sandbox.local", "Contract", "Could you sign off the draft?"
    )

    first = _cycle(db, max_tasks=1)
    second = _cycle(db, max_tasks=1)

    assert len(first["created"]) == 1 and first["stopped"]
    assert len(second["created"]) == 1
    assert len(org_tasks(db, org_id)) == 2


def _model_that_would_send_on_its_own(scripted: ScriptedChatModel) -> None:
    """A model that triages the email as needing a reply and types the reply fully automated."""

    def answer(messages: list[BaseMessage], tools: list[str]) -> Any:
        if "EmailTriage" in tools:
            return EmailTriage(from_a_person=True, important=True, reason="Ann asks a question.")
        if "Classification" in tools:
            return immediate("fully_automated", "email_drafting")
        body = "Hi Ann,\n\nYes: the Q3 budget includes the new laptops.\n\nBest regards"
        return EmailDraft(to=["ann@example.com"], subject="Re: Budget question", body=body)

    scripted.default = answer


def test_a_reply_the_model_would_send_on_its_own_still_waits_without_a_rule(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    _model_that_would_send_on_its_own(scripted_model)
    _ask(db, org_id)

    result = cycle(db, now=_later())

    assert [r["status"] for r in result["ran"]] == ["paused"]
    assert SandboxMailbox(db, org_id).list_sent() == []


def test_an_automation_rule_for_the_senders_domain_lets_the_reply_go_on_its_own(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    _model_that_would_send_on_its_own(scripted_model)
    trusted = {"name": "our partners", "when": {"sender_domains": ["example.com"]}, "then": "act"}
    with db.session(org_id) as session:
        set_automation_rules(session, org_id, {"rules": [trusted]})
    _ask(db, org_id)

    result = cycle(db, now=_later())

    assert [r["status"] for r in result["ran"]] == ["completed"]
    (sent,) = SandboxMailbox(db, org_id).list_sent()
    assert sent["to"] == ["ann@example.com"] and sent["subject"] == "Re: Budget question"
    (task,) = org_tasks(db, org_id)
    assert task.ai_context["automation"]["rule"] == "our partners"


def test_the_approved_reply_is_sent_in_the_emails_thread_and_counts_as_its_answer(
    db: Database, org_id: str
) -> None:
    email = _ask(db, org_id)
    _cycle(db)
    (task,) = org_tasks(db, org_id)
    edit = {"name": "send_email", "args": {"subject": "Laptops in Q3"}}

    with task_runner(db, organization="default") as runner:
        runner.resume(task.id, {"type": "edit", "edited_action": edit})

    mailbox = SandboxMailbox(db, org_id)
    (sent,) = mailbox.list_sent()
    assert sent["to"] == ["ann@example.com"] and sent["in_reply_to"] == email["message_id"]
    assert mailbox.answered(email)  # by its thread: the edited subject no longer matches
    again = _cycle(db, now=_later(12))
    assert again["created"] == [] and len(mailbox.list_sent()) == 1


def _triage_questions(scripted: ScriptedChatModel) -> int:
    return sum("EmailTriage" in call.tools for call in scripted.calls)


def test_an_email_judged_to_need_no_reply_is_not_triaged_again(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.default = lambda messages, tools: EmailTriage(
        from_a_person=True, important=False, reason="Bob only says thanks."
    )
    SandboxMailbox(db, org_id).deliver(
        "bob@example.com", "delegate@sandbox.local", "Thanks", "Lunch was great."
    )

    first = cycle(db, now=_later())
    second = cycle(db, now=_later(7))

    assert _triage_questions(scripted_model) == 1
    assert [s["reason"] for s in first["skipped"]] == ["needs no reply: Bob only says thanks."]
    assert second["skipped"] == first["skipped"]
    assert org_tasks(db, org_id) == []


def test_an_email_the_budget_left_for_the_next_cycle_is_not_triaged_again(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    _model_that_would_send_on_its_own(scripted_model)
    _ask(db, org_id)

    assert cycle(db, now=_later(), max_tasks=0)["created"] == []
    assert _triage_questions(scripted_model) == 1
    second = cycle(db, now=_later(7))

    assert [c["title"] for c in second["created"]] == ["Reply to ann@example.com: Budget question"]
    assert _triage_questions(scripted_model) == 1


def test_an_email_the_model_could_not_triage_is_asked_about_again(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.default = lambda messages, tools: "not a triage answer"
    _ask(db, org_id)

    cycle(db, now=_later())
    cycle(db, now=_later(7))

    assert _triage_questions(scripted_model) == 2 * 2  # two attempts in each cycle
