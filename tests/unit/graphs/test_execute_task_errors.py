"""execute_task run directly (as the LangGraph server runs it): failures reach the store."""

from __future__ import annotations

import pytest
from langgraph.checkpoint.memory import InMemorySaver

import graphs.execute_task as execute_task
from agents.scripted import ScriptedChatModel
from graphs.context import ProcessContext
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus


def run(db: Database, title: str) -> dict:
    graph = execute_task.build_graph().compile(checkpointer=InMemorySaver())
    return graph.invoke(
        {"title": title},
        {"configurable": {"thread_id": "not-a-uuid"}},
        context=ProcessContext(model="scripted", database_url=db.url),
    )


def test_a_crash_in_a_node_requeues_the_task_with_the_reason(
    db: Database, org_id: str, scripted_model: ScriptedChatModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("missing setting")

    monkeypatch.setattr(execute_task, "classify_task", broken)
    outcome = run(db, "Write a haiku")
    assert outcome["success"] is False
    assert outcome["status"] == ExecutionStatus.QUEUED.value
    with db.session() as session:
        task = repo.get_task(session, org_id, outcome["task_id"])
        assert task.status is ExecutionStatus.QUEUED
        assert task.retry_count == 1
        assert "KeyError" in task.execution_log[-1]["error"]
        assert task.execution_log[-1]["node"] == "classify"


def test_garbage_from_the_model_fails_the_task_after_the_retries(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.default = lambda messages, tools: "not a classification"
    outcome = run(db, "Write a haiku")
    assert outcome["success"] is False
    assert outcome["status"] == ExecutionStatus.FAILED.value
    assert "classify failed after 3 attempts" in outcome["reason"]
    with db.session() as session:
        task = repo.get_task(session, org_id, outcome["task_id"])
        assert task.failure_reason == outcome["reason"]
        attempts = [e for e in task.execution_log if e["event"] == "attempt_failed"]
        assert [e["attempt"] for e in attempts] == [1, 2, 3]
    assert len(scripted_model.calls) == 3


def test_a_subtask_is_classified_with_its_parent_as_context(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    from agents.classification import Classification

    with db.session() as session:
        parent = repo.create_task(session, org_id, "Plan the offsite")
        child = repo.create_task(session, org_id, "Book a venue shortlist", parent=parent)
        child_id = child.id
    scripted_model.script = [
        Classification(
            strategy="blocked", execution_type="manual", confidence=0.9, reason="needs a person"
        )
    ]
    graph = execute_task.build_graph().compile(checkpointer=InMemorySaver())
    graph.invoke(
        {"task_id": child_id},
        {"configurable": {"thread_id": child_id}},
        context=ProcessContext(model="scripted", database_url=db.url),
    )
    assert "Part of: Plan the offsite" in scripted_model.calls[0].text
