"""The AI sets the execution type when the person does not, and its outward actions wait for a
person unless the organization's automation rules let them go."""

from __future__ import annotations

from typing import Any

import pytest

from agents.classification import Classification, SubtaskPlan
from agents.scripted import ScriptedChatModel, tool_call_message
from graphs.runner import TaskRunner, task_runner
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus
from store.orgs import set_automation_rules
from store.task_queries import get_executable_tasks
from tests.fixtures.agent_runs import immediate, run_one_tool
from tools.slack.sandbox import SandboxChat

POST_TITLE = "Post the release note in #general: version 2.3 is out"
POST = {"channel": "#general", "text": "Version 2.3 is out."}


def _post(
    runner: TaskRunner, model: ScriptedChatModel, execution_type: str | None
) -> tuple[str, dict[str, Any]]:
    """Run the release-note task, set to `execution_type`: the model classifies it
    fully_automated for the Slack agent, which posts POST."""
    return run_one_tool(
        runner,
        model,
        POST_TITLE,
        "post_slack_message",
        POST,
        "Posted.",
        classified_as="fully_automated",
        execution_type=execution_type,
    )


def _stored(db: Database, org_id: str, task_id: str) -> Any:
    with db.session() as session:
        task = repo.get_task(session, org_id, task_id)
        session.expunge(task)
        return task


def _classified(task: Any) -> dict[str, Any]:
    (entry,) = [e for e in task.execution_log if e["event"] == "classified"]
    return dict(entry)


def test_an_untyped_task_takes_the_type_the_ai_chose_and_the_log_says_who_chose_it(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [immediate("fully_automated", "writer"), "A haiku."]
    with task_runner(db) as runner:
        task_id = runner.create("Write a haiku about tea", execution_type=None)
        assert _stored(db, org_id, task_id).execution_type is None
        runner.execute(task_id)

    task = _stored(db, org_id, task_id)
    assert task.execution_type == "fully_automated"
    assert _classified(task)["execution_type_chosen_by"] == "ai"
    assert task.ai_context["execution_type_chosen_by"] == "ai"
    assert "Execution type:" not in scripted_model.calls[0].text  # the model was not told one


def test_a_type_a_person_set_is_kept_and_the_log_says_a_person_chose_it(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [immediate("fully_automated", "writer"), "A haiku."]
    with task_runner(db) as runner:
        task_id = runner.create("Write a haiku about tea", execution_type="semi_automated")
        runner.execute(task_id)

    task = _stored(db, org_id, task_id)
    assert task.execution_type == "semi_automated"
    assert _classified(task)["execution_type_chosen_by"] == "person"


def test_an_outward_action_of_an_ai_typed_task_waits_for_approval(
    runner: TaskRunner, db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    task_id, outcome = _post(runner, scripted_model, None)

    assert outcome["status"] == ExecutionStatus.PAUSED.value
    assert outcome["approval"]
    assert SandboxChat(db, org_id).history("general") == []
    automation = _classified(_stored(db, org_id, task_id))["automation"]
    assert automation["outcome"] == "ask"


def test_the_organizations_rules_let_an_ai_typed_task_act(
    runner: TaskRunner, db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    with db.session() as session:
        set_automation_rules(session, org_id, {"thresholds": {"act": 0.8}})
    _task_id, outcome = _post(runner, scripted_model, None)

    assert outcome["status"] == ExecutionStatus.COMPLETED.value
    assert [m["text"] for m in SandboxChat(db, org_id).history("general")] == [POST["text"]]


def test_a_person_typed_fully_automated_task_acts_without_asking(
    runner: TaskRunner, db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    _task_id, outcome = _post(runner, scripted_model, "fully_automated")

    assert outcome["status"] == ExecutionStatus.COMPLETED.value
    assert len(SandboxChat(db, org_id).history("general")) == 1


@pytest.mark.parametrize(
    ("title", "execution_type"),
    [
        ("Draft email to john@example.com thanking him for the meeting", "fully_automated"),
        ("Plan Q4 marketing campaign", "semi_automated"),
        ("Order new office chairs", "manual"),
    ],
)
def test_the_offline_model_types_the_seeds_scenarios(
    db: Database, org_id: str, title: str, execution_type: str
) -> None:
    with task_runner(db, model="offline") as runner:
        task_id = runner.create(title, execution_type=None)
        runner.execute(task_id, run_subtasks=False)

    task = _stored(db, org_id, task_id)
    assert task.execution_type == execution_type
    assert _classified(task)["execution_type_chosen_by"] == "ai"


def test_an_untyped_task_is_executable(db: Database, org_id: str) -> None:
    with db.session() as session:
        untyped = repo.create_task(session, org_id, "Write a haiku", execution_type=None).id
        repo.create_task(session, org_id, "Call the landlord", execution_type="manual")
    with db.session() as session:
        assert [t.id for t in get_executable_tasks(session, org_id)] == [untyped]


def test_an_organization_rule_for_a_category_makes_a_person_typed_task_ask_first(
    runner: TaskRunner, db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    with db.session() as session:
        set_automation_rules(
            session,
            org_id,
            {"rules": [{"name": "slack asks", "when": {"category": ["slack"]}, "then": "ask"}]},
        )
    task_id, outcome = _post(runner, scripted_model, "fully_automated")

    assert outcome["status"] == ExecutionStatus.PAUSED.value
    assert SandboxChat(db, org_id).history("general") == []
    automation = _classified(_stored(db, org_id, task_id))["automation"]
    assert (automation["rule"], automation["outcome"]) == ("slack asks", "ask")


def test_a_person_typed_task_with_no_rule_acts_as_typed(
    runner: TaskRunner, db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    task_id, outcome = _post(runner, scripted_model, "fully_automated")

    assert outcome["status"] == ExecutionStatus.COMPLETED.value
    assert len(SandboxChat(db, org_id).history("general")) == 1
    automation = _classified(_stored(db, org_id, task_id))["automation"]
    assert automation["rule"] == "set by a person"


def test_the_sender_domain_of_an_extracted_task_is_what_a_rule_reads(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    with db.session() as session:
        set_automation_rules(
            session,
            org_id,
            {
                "rules": [
                    {"name": "corp acts", "when": {"sender_domains": ["corp.com"]}, "then": "act"}
                ]
            },
        )
        task = repo.create_task(session, org_id, POST_TITLE, execution_type=None)
        task.ai_context = {"source": {"kind": "email", "sender": "Jo <jo@mail.corp.com>"}}
        task_id = task.id
    scripted_model.script = [
        immediate("fully_automated", "slack"),
        tool_call_message("post_slack_message", POST),
        "Posted.",
    ]
    with task_runner(db) as runner:
        outcome = runner.execute(task_id)

    assert outcome["status"] == ExecutionStatus.COMPLETED.value
    assert _classified(_stored(db, org_id, task_id))["automation"]["rule"] == "corp acts"


def test_a_subtask_typed_by_the_ai_s_plan_asks_before_it_posts(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    plan = Classification(
        strategy="decompose",
        execution_type="fully_automated",
        confidence=0.9,
        reason="Two parts.",
        subtasks=[
            SubtaskPlan(title=POST_TITLE, execution_type="fully_automated"),
            SubtaskPlan(title="Write the release blog post", execution_type="fully_automated"),
        ],
    )
    scripted_model.script = [
        plan,
        immediate("fully_automated", "slack"),
        tool_call_message("post_slack_message", POST),
        "Posted.",
        immediate("fully_automated", "writer"),
        "A blog post.",
    ]
    with task_runner(db) as runner:
        parent = runner.create("Announce release 2.3", execution_type="fully_automated")
        runner.execute(parent)

    with db.session() as session:
        post = next(t for t in repo.list_tasks(session, org_id) if t.title == POST_TITLE)
        assert post.execution_status == ExecutionStatus.PAUSED.value
        assert post.ai_context["execution_type_chosen_by"] == "ai"
    assert SandboxChat(db, org_id).history("general") == []


def _slack_is_for_people(db: Database, org_id: str) -> None:
    with db.session() as session:
        set_automation_rules(
            session,
            org_id,
            {"rules": [{"name": "people post", "when": {"category": ["slack"]}, "then": "person"}]},
        )


@pytest.mark.parametrize("person_set", ["fully_automated", "semi_automated", "manual"])
def test_a_rule_that_says_person_leaves_a_person_typed_task_with_a_person_unasked(
    runner: TaskRunner,
    db: Database,
    org_id: str,
    scripted_model: ScriptedChatModel,
    person_set: str,
) -> None:
    _slack_is_for_people(db, org_id)
    task_id, outcome = _post(runner, scripted_model, person_set)

    assert outcome["status"] == ExecutionStatus.BLOCKED.value
    assert "approval" not in outcome
    assert SandboxChat(db, org_id).history("general") == []
    task = _stored(db, org_id, task_id)
    events = [e["event"] for e in task.execution_log]
    assert "approval_requested" not in events
    assert task.execution_type == person_set  # the person's own choice is kept as they set it
    assert (_classified(task)["automation"]["rule"], task.ai_context["automation"]["outcome"]) == (
        "people post",
        "person",
    )
    if person_set != "manual":
        assert "automation rules leave this task with a person" in outcome["reason"]


def test_a_rule_that_says_person_makes_an_ai_typed_task_manual(
    runner: TaskRunner, db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    _slack_is_for_people(db, org_id)
    task_id, outcome = _post(runner, scripted_model, None)

    assert outcome["status"] == ExecutionStatus.BLOCKED.value
    assert SandboxChat(db, org_id).history("general") == []
    task = _stored(db, org_id, task_id)
    assert task.execution_type == "manual"
    assert "approval_requested" not in [e["event"] for e in task.execution_log]


def test_a_confidence_below_the_ask_threshold_leaves_an_ai_typed_task_with_a_person(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    unsure = immediate("fully_automated", "slack").model_copy(update={"confidence": 0.2})
    scripted_model.script = [unsure, tool_call_message("post_slack_message", POST), "Posted."]
    with task_runner(db) as runner:
        task_id = runner.create(POST_TITLE, execution_type=None)
        outcome = runner.execute(task_id)

    assert outcome["status"] == ExecutionStatus.BLOCKED.value
    assert "below the ask threshold" in outcome["reason"]
    task = _stored(db, org_id, task_id)
    assert task.execution_type == "manual"
    assert "approval_requested" not in [e["event"] for e in task.execution_log]


def test_a_rule_that_says_person_leaves_an_email_written_but_unsent_and_unasked(
    db: Database, org_id: str
) -> None:
    with db.session() as session:
        set_automation_rules(
            session,
            org_id,
            {
                "rules": [
                    {
                        "name": "people email",
                        "when": {"category": ["email_drafting"]},
                        "then": "person",
                    }
                ]
            },
        )
    with task_runner(db, model="offline") as runner:
        task_id = runner.create(
            "Email john@example.com thanking him for the meeting", execution_type="fully_automated"
        )
        outcome = runner.execute(task_id)

    assert "approval" not in outcome
    task = _stored(db, org_id, task_id)
    events = [e["event"] for e in task.execution_log]
    assert "approval_requested" not in events
    assert "email_sent" not in events
    assert task.ai_context["automation"]["outcome"] == "person"
