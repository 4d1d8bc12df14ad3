"""Acceptance moves the thresholds both ways, end to end on the offline model: approvals
without edits promote a category (its emails go out unasked, the log citing the learned rule);
a rejection, a low rating or a reset undo it; a category a rule names is never promoted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from agents import learning
from graphs.runner import TaskRunner, task_runner
from store import learned
from store import tasks as repo
from store.db import Database
from store.orgs import set_automation_rules

TITLE = "Email john@example.com thanking him for the meeting"
CATEGORY = "email_drafting"
PROMOTED = "learned: promoted after 2 acceptances"


@pytest.fixture
def runner(db: Database, org_id: str) -> Iterator[TaskRunner]:
    with db.session() as session:
        set_automation_rules(session, org_id, {"promote_after": 2})
    with task_runner(db, model="offline") as offline:
        yield offline


def _run(runner: TaskRunner, execution_type: str | None = None) -> tuple[str, dict[str, Any]]:
    task_id = runner.create(TITLE, execution_type=execution_type)
    return task_id, runner.execute(task_id)


def _approve_twice(runner: TaskRunner) -> None:
    for _ in range(2):
        task_id, outcome = _run(runner)
        assert outcome["status"] == "paused", outcome
        assert runner.approve(task_id)["status"] == "completed"


def _promote(runner: TaskRunner) -> str:
    """Approve twice and check the next email goes out unasked: that task's id."""
    _approve_twice(runner)
    task_id, outcome = _run(runner)
    assert outcome["status"] == "completed", outcome
    return task_id


def _automation(db: Database, org_id: str, task_id: str) -> dict[str, Any]:
    with db.session() as session:
        return dict(repo.get_task(session, org_id, task_id).ai_context["automation"])


def test_approvals_without_edits_promote_the_category_and_its_next_email_goes_out_unasked(
    runner: TaskRunner, db: Database, org_id: str
) -> None:
    _approve_twice(runner)

    task_id, outcome = _run(runner)

    assert outcome["status"] == "completed", outcome
    automation = _automation(db, org_id, task_id)
    assert (automation["outcome"], automation["rule"], automation["source"]) == (
        "act",
        PROMOTED,
        "learned",
    )


def test_one_approval_is_not_yet_a_promotion(runner: TaskRunner) -> None:
    task_id, _ = _run(runner)
    runner.approve(task_id)

    assert _run(runner)[1]["status"] == "paused"


def test_approvals_with_edits_do_not_promote(runner: TaskRunner) -> None:
    for _ in range(2):
        task_id, outcome = _run(runner)
        body = outcome["approval"]["action_requests"][0]["args"]["body"]
        runner.approve(task_id, {"body": body + "\nThanks again."})

    assert _run(runner)[1]["status"] == "paused"


def test_a_rejection_undoes_the_promotion(runner: TaskRunner) -> None:
    _promote(runner)
    task_id, _ = _run(runner, "semi_automated")  # a person asked to approve this one
    runner.reject(task_id, "wrong tone")

    assert _run(runner)[1]["status"] == "paused"


def test_a_rating_of_one_or_two_undoes_the_promotion(
    runner: TaskRunner, db: Database, org_id: str
) -> None:
    task_id = _promote(runner)
    with db.session() as session:
        task = repo.get_task(session, org_id, task_id)
        lesson = learning.feedback_lesson(task, 2, None, "feedback-1")
    learning.learn_from_feedback(db, org_id, lesson)

    assert _run(runner)[1]["status"] == "paused"


def test_ratings_of_four_or_five_count_as_acceptances(
    runner: TaskRunner, db: Database, org_id: str
) -> None:
    for number in range(2):
        learned.record_rating(
            db, org_id, CATEGORY, task_id=f"t{number}", rating=5, feedback_id=f"f{number}"
        )

    assert _run(runner)[1]["status"] == "completed"


def test_forgetting_what_was_learned_undoes_the_promotion(
    runner: TaskRunner, db: Database, org_id: str
) -> None:
    _promote(runner)
    learned.forget(db, org_id)

    assert _run(runner)[1]["status"] == "paused"


def test_a_category_the_organization_s_rules_name_is_never_promoted(
    runner: TaskRunner, db: Database, org_id: str
) -> None:
    rule = {"name": "sure emails act", "when": {"category": [CATEGORY], "min_confidence": 0.99}}
    with db.session() as session:
        set_automation_rules(
            session, org_id, {"promote_after": 2, "rules": [{**rule, "then": "act"}]}
        )
    _approve_twice(runner)

    assert _run(runner)[1]["status"] == "paused"
    [category] = learning.categories_learned(db, org_id)
    assert (category.status, category.why) == (
        "pinned",
        f"rule 'sure emails act' decides for {CATEGORY}: never promoted",
    )


def test_a_promotion_never_overrides_a_type_a_person_set(runner: TaskRunner) -> None:
    _approve_twice(runner)

    assert _run(runner, "semi_automated")[1]["status"] == "paused"


def test_learned_shows_the_promotion_and_why(runner: TaskRunner, db: Database, org_id: str) -> None:
    _approve_twice(runner)

    [category] = learning.categories_learned(db, org_id)
    assert (category.category, category.status, category.accepted) == (CATEGORY, "promoted", 2)
    assert category.acceptance_rate == 1.0
    assert category.why.startswith(PROMOTED)
    assert [s["source"] for s in category.streak] == ["approved send_email"] * 2
    [promoted] = [p for p in learning.everything_learned(db, org_id) if p.kind == "promoted"]
    assert promoted.why == category.why
