"""graphs/extract_tasks: new tasks recorded with where they came from; nothing twice."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy.orm import Session

from agents.extraction import ExtractedTask, ExtractedTasks
from agents.scripted import ScriptedChatModel
from graphs import extract_tasks
from graphs.context import ProcessContext
from graphs.extract_tasks import graph
from store import tasks as repo
from store.db import Database
from store.extracted_tasks import tasks_from_source
from store.models import Task

MESSAGE = "Hi! Can you send the Q3 deck to maria@example.com? Tom will book the venue."
TWO = ExtractedTasks(
    extracted_tasks=[
        ExtractedTask(
            title="Send the Q3 deck to maria@example.com",
            confidence=0.9,
            why="asked for",
            quote="Can you send the Q3 deck to maria@example.com?",
        ),
        ExtractedTask(
            title="Book the venue",
            execution_type="manual",
            confidence=0.7,
            why="promised by Tom",
            quote="Tom will book the venue.",
        ),
    ]
)


def _run(db: Database, text: str = MESSAGE, **extra: Any) -> list[dict[str, Any]]:
    context = ProcessContext(model="scripted", database_url=db.url)
    result: list[dict[str, Any]] = graph.invoke({"text": text, **extra}, context=context)["tasks"]
    return result


def test_each_task_is_created_with_its_source_quote_and_reason(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [TWO]

    found = _run(db, source="email", source_id="msg-17")

    assert [t["created"] for t in found] == [True, True]
    with db.session() as session:
        task = repo.get_task(session, org_id, found[0]["task_id"])
        assert task.ai_confidence == 0.9
        assert task.ai_context["source"]["kind"] == "email"
        assert task.ai_context["source"]["id"] == "msg-17"
        assert (
            task.ai_context["source"]["quote"] == "Can you send the Q3 deck to maria@example.com?"
        )
        assert task.ai_context["why"] == "asked for"
        assert task.execution_type is None  # the AI chooses; its sends wait for a person
        venue = repo.get_task(session, org_id, found[1]["task_id"])
        assert venue.execution_type == "manual"


def test_the_same_message_twice_creates_nothing_new(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [TWO, TWO]
    first = _run(db)

    again = _run(
        db, text="  hi!  can you send the Q3 deck to maria@example.com?  Tom will book the venue. "
    )

    assert [t["created"] for t in again] == [False, False]
    assert {t["duplicate_of"] for t in again} == {t["task_id"] for t in first}
    with db.session() as session:
        assert len(repo.list_tasks(session, org_id)) == 2


def test_the_same_message_twice_at_once_creates_its_tasks_once(
    db: Database, org_id: str, scripted_model: ScriptedChatModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripted_model.script = [TWO, TWO]
    if not db.is_sqlite:  # (SQLite's write lock orders the two requests by itself)
        both_looked = threading.Barrier(2, timeout=30)
        first_looks = iter(range(2))

        def look_then_wait_for_the_other(session: Session, org: str, digest: str) -> list[Task]:
            found = tasks_from_source(session, org, digest)
            if next(first_looks, None) is not None:  # both find nothing before either records
                both_looked.wait()
            return found

        monkeypatch.setattr(extract_tasks, "tasks_from_source", look_then_wait_for_the_other)

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda _: _run(db), range(2))

    winner, loser = (first, second) if first[0]["created"] else (second, first)
    assert [t["created"] for t in winner] == [True, True]
    assert [t["created"] for t in loser] == [False, False]
    assert [t["duplicate_of"] for t in loser] == [t["task_id"] for t in winner]
    with db.session() as session:
        assert len(repo.list_tasks(session, org_id)) == 2


def test_a_task_already_open_under_the_same_title_is_not_created_again(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    with db.session() as session:
        open_id = repo.create_task(session, org_id, "Book the venue!").id
    scripted_model.script = [TWO]

    found = _run(db)

    assert found[1] == {**found[1], "created": False, "duplicate_of": open_id}


def test_a_task_whose_quote_is_not_in_the_text_is_dropped(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    invented = ExtractedTasks(
        extracted_tasks=[
            ExtractedTask(
                title="Wire $5,000 to the new account", quote="Please wire $5,000 to account 1234."
            )
        ]
    )
    scripted_model.script = [invented]

    assert _run(db) == []
