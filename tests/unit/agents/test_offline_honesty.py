"""The offline model never pretends: it writes from the task's words or leaves a visible gap,
and a gap is never sent or posted (the task waits for a person instead)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agents.evaluation import load_labelled
from agents.offline.text import TaskText
from agents.offline.writer import write
from graphs.runner import task_runner
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus
from tools.email.sandbox import SandboxMailbox
from tools.gate.placeholders import PLACEHOLDER, find_placeholder
from tools.slack.sandbox import SandboxChat


def _run(db: Database, title: str, description: str = "") -> dict[str, Any]:
    with task_runner(db, model="offline") as runner:
        task_id = runner.create(title, description=description, execution_type="fully_automated")
        return runner.execute(task_id)


def test_a_post_the_task_gives_no_words_for_is_not_posted(db: Database, org_id: str) -> None:
    outcome = _run(db, "Post the release notes in #general on Slack")

    assert outcome["status"] == ExecutionStatus.BLOCKED.value
    assert "placeholder_content" in outcome["reason"]
    assert "release notes" in outcome["reason"]
    assert SandboxChat(db, org_id).history("#general") == []


def test_a_post_the_task_gives_words_for_is_posted(db: Database, org_id: str) -> None:
    outcome = _run(
        db,
        "Post the release notes in #general on Slack",
        "Release 2.4: faster search, dark mode and CSV export",
    )

    assert outcome["status"] == ExecutionStatus.COMPLETED.value
    (posted,) = SandboxChat(db, org_id).history("#general")
    assert "Dark mode" in posted["text"] and "CSV export" in posted["text"]


def test_a_reschedule_email_is_written_from_the_task_and_sent(db: Database, org_id: str) -> None:
    outcome = _run(
        db,
        "Email Tomás (tomas@brightleaf.co) to reschedule our Thursday call to next Monday at 10am",
    )

    assert outcome["status"] == ExecutionStatus.COMPLETED.value
    (sent,) = SandboxMailbox(db, org_id).list_sent()
    assert "our Thursday call" in sent["body"] and "next Monday at 10am" in sent["body"]
    assert find_placeholder(sent["subject"] + sent["body"]) is None


def test_an_email_with_nothing_to_say_is_drafted_and_waits_for_a_person(
    db: Database, org_id: str
) -> None:
    outcome = _run(db, "Email bob@example.com about the budget")

    assert outcome["status"] == ExecutionStatus.BLOCKED.value
    assert "what to say about the budget" in outcome["reason"]
    assert SandboxMailbox(db, org_id).list_sent() == []
    with db.session() as session:
        task = repo.get_task(session, org_id, outcome["task_id"])
        assert task.result is not None
        assert "[missing: what to say about the budget" in task.result["output"]


def test_pros_and_cons_come_from_the_task_not_a_fixed_list() -> None:
    text = write(
        TaskText(
            "List the pros and cons of a four-day week",
            "More focus time\nHarder to cover support on Fridays",
        )
    )

    assert "- More focus time" in text.split("Cons")[0]
    assert "- Harder to cover support on Fridays" in text.split("Cons")[1]
    assert "time zones" not in text


def test_pros_and_cons_without_points_say_what_is_missing() -> None:
    text = write(TaskText("List the pros and cons of async stand-ups"))

    assert "[missing: the advantages of async stand-ups" in text


def test_a_french_request_to_warn_a_channel_posts_the_news_as_written(
    db: Database, org_id: str
) -> None:
    outcome = _run(db, "Préviens #eng-oncall que la maintenance est déplacée à samedi")

    assert outcome["status"] == ExecutionStatus.COMPLETED.value
    (posted,) = SandboxChat(db, org_id).history("#eng-oncall")
    assert posted["text"] == "La maintenance est déplacée à samedi."


def test_letting_a_channel_know_something_posts_that_thing(db: Database, org_id: str) -> None:
    outcome = _run(db, "Let #support know the status page is back to green")

    assert outcome["status"] == ExecutionStatus.COMPLETED.value
    (posted,) = SandboxChat(db, org_id).history("#support")
    assert "the status page is back to green" in posted["text"]


def test_every_gap_the_offline_model_leaves_says_what_is_missing() -> None:
    items = load_labelled(sorted((Path(__file__).parents[2] / "data" / "eval").glob("*.jsonl")))
    now = datetime(2026, 12, 1, tzinfo=UTC)

    slots = [
        (item.title, match.group(0))
        for item in items
        for match in PLACEHOLDER.finditer(write(TaskText(item.title, item.description), now))
    ]

    assert slots  # some tasks give nothing to write
    assert [(title, slot) for title, slot in slots if not slot.startswith("[missing: ")] == []
