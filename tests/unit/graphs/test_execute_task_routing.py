"""execute_task follows the route and the delivery the model's classification names."""

from __future__ import annotations

from typing import Any

from agents.scripted import ScriptedChatModel, tool_call_message
from graphs.runner import task_runner
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus
from tests.fixtures.agent_runs import immediate
from tools.email.sandbox import SandboxMailbox
from tools.slack.sandbox import SandboxChat

EMAIL_TITLE = "Email john@example.com thanking him for the meeting"


def decided(route: str, *, deliver: bool = True, execution_type: str = "fully_automated") -> Any:
    return immediate(execution_type, route, deliver=deliver)


def raw_classification(**fields: Any) -> Any:
    """A Classification tool call as a model may send it, unchecked."""
    answer = {
        "strategy": "immediate",
        "execution_type": "fully_automated",
        "confidence": 0.9,
        "reason": "It can be done now.",
        **fields,
    }
    return tool_call_message("Classification", answer)


def _log(db: Database, org_id: str, task_id: str) -> list[dict[str, Any]]:
    with db.session() as session:
        return list(repo.get_task(session, org_id, task_id).execution_log or [])


def test_the_route_decides_not_the_wording(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [decided("writer", deliver=False), "Dear John, thank you."]
    with task_runner(db) as runner:
        outcome = runner.execute(runner.create(EMAIL_TITLE))

    assert outcome["status"] == ExecutionStatus.COMPLETED.value
    assert outcome["result"]["output"] == "Dear John, thank you."
    assert scripted_model.calls[1].tools == []  # the writer: no tool, nothing sent
    assert SandboxMailbox(db, org_id).list_sent() == []


def test_a_task_naming_no_service_is_posted_where_the_model_routes_it(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    title = "Let #eng-oncall know the maintenance window moved to Saturday"
    scripted_model.script = [
        decided("slack"),
        tool_call_message(
            "post_slack_message", {"channel": "#eng-oncall", "text": "Maintenance: Saturday."}
        ),
        "Posted in #eng-oncall.",
    ]
    with task_runner(db) as runner:
        outcome = runner.execute(runner.create(title))

    assert outcome["status"] == ExecutionStatus.COMPLETED.value
    assert outcome["result"]["agent"] == "slack"
    history = SandboxChat(db, org_id).history("eng-oncall")
    assert [m["text"] for m in history] == ["Maintenance: Saturday."]


def test_the_classified_entry_records_the_route_and_delivery(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [decided("writer", deliver=False), "A poem."]
    with task_runner(db) as runner:
        task_id = runner.create("Write a poem")
        runner.execute(task_id)

    (entry,) = [e for e in _log(db, org_id, task_id) if e["event"] == "classified"]
    assert (entry["route"], entry["deliver"]) == ("writer", False)


def test_an_agent_asked_only_for_a_draft_gets_no_delivering_tool(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [decided("slack", deliver=False), "Draft: Release 2.3 is out."]
    with task_runner(db) as runner:
        outcome = runner.execute(runner.create("Draft a note for #general about release 2.3"))

    assert outcome["status"] == ExecutionStatus.COMPLETED.value
    agent_call = scripted_model.calls[1]
    assert "post_slack_message" not in agent_call.tools
    assert set(agent_call.tools) == {"list_slack_channels", "lookup_slack_user"}
    assert SandboxChat(db, org_id).history("general") == []


def test_an_email_the_model_says_not_to_deliver_is_only_drafted(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    from agents.workflow_schemas import EmailDraft

    email = EmailDraft(to=["john@example.com"], subject="Thanks", body="Hi John,\n\nThanks!")
    scripted_model.script = [decided("email_drafting", deliver=False), email]
    with task_runner(db) as runner:
        outcome = runner.execute(runner.create(EMAIL_TITLE))

    assert outcome["status"] == ExecutionStatus.COMPLETED.value
    assert outcome["result"]["email_drafting"]["status"] == "drafted"
    mailbox = SandboxMailbox(db, org_id)
    assert [d["subject"] for d in mailbox.list_drafts()] == ["Thanks"]
    assert mailbox.list_sent() == []


def test_an_unknown_route_is_retried_then_fails_the_task_with_the_reason(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [raw_classification(route="fax")] * 3
    with task_runner(db) as runner:
        task_id = runner.create("Send the contract to the lawyer")
        outcome = runner.execute(task_id)

    assert outcome["status"] == ExecutionStatus.FAILED.value
    assert "classify failed after 3 attempts" in outcome["reason"]
    assert "unknown route 'fax'" in outcome["reason"]
    assert len(scripted_model.calls) == 3


def test_an_unknown_route_then_a_registered_one_completes(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [raw_classification(route="fax"), decided("writer"), "Done."]
    with task_runner(db) as runner:
        outcome = runner.execute(runner.create("Write a haiku"))

    assert outcome["status"] == ExecutionStatus.COMPLETED.value
    assert outcome["result"]["output"] == "Done."


def test_immediate_work_without_a_route_is_a_bad_answer(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [raw_classification()] * 3
    with task_runner(db) as runner:
        outcome = runner.execute(runner.create("Write a haiku"))

    assert outcome["status"] == ExecutionStatus.FAILED.value
    assert "needs a route" in outcome["reason"]


def test_a_manual_task_routed_to_an_agent_is_refused_by_the_gate(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [
        decided("slack", execution_type="manual"),
        tool_call_message("post_slack_message", {"channel": "#general", "text": "v2.3 is out"}),
        "Posted.",
    ]
    with task_runner(db) as runner:
        task_id = runner.create("Post the release note in #general", execution_type="manual")
        outcome = runner.execute(task_id)

    assert outcome["status"] == ExecutionStatus.BLOCKED.value
    assert "manual" in outcome["reason"]
    assert SandboxChat(db, org_id).history("general") == []


def test_the_prompt_lists_every_registered_route_with_when_to_use_it(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    from agents.routes import ROUTES

    scripted_model.script = [decided("writer"), "Done."]
    with task_runner(db) as runner:
        runner.execute(runner.create("Write a haiku"))

    shown = scripted_model.calls[0].text
    for name, when in ROUTES.items():
        assert f"- {name}: {when}" in shown
