"""Feedback that changes behaviour: edits teach the next draft (offline model), rejections
make a category ask for approval, and a reset forgets both."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from agents import learning
from graphs.context import Context, ProcessContext
from graphs.email_drafting import WORKFLOW, build_graph
from store import learned
from store import tasks as repo
from store.db import Database

TITLE = "Email john@example.com thanking him for the meeting"
SIGN_OFF = "Anna Berg, Head of Partnerships at Acme"


@pytest.fixture
def context(db: Database) -> Context:
    return ProcessContext(model="offline", database_url=db.url)


@pytest.fixture
def workflow() -> CompiledStateGraph[Any, Any, Any, Any]:
    return build_graph().compile(checkpointer=InMemorySaver())


def _start(
    workflow: CompiledStateGraph[Any, Any, Any, Any],
    context: Context,
    db: Database,
    org_id: str,
    execution_type: str = "semi_automated",
) -> tuple[str, dict[str, Any]]:
    with db.session() as session:
        task = repo.create_task(
            session, org_id, TITLE, description="We met on Tuesday.", execution_type=execution_type
        )
        repo.start_task_execution(session, org_id, task.id)
        task_id = task.id
    out = workflow.invoke({"task_id": task_id, "deliver": True}, _config(task_id), context=context)
    return task_id, out


def _config(task_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": task_id}}


def _proposed_body(out: dict[str, Any]) -> str:
    (request,) = [i.value for i in out["__interrupt__"]]
    body: str = request["action_requests"][0]["args"]["body"]
    return body


def _answer(
    workflow: CompiledStateGraph[Any, Any, Any, Any], context: Context, task_id: str, value: Any
) -> dict[str, Any]:
    out: dict[str, Any] = workflow.invoke(Command(resume=value), _config(task_id), context=context)
    return out


def _approve_with_sign_off(
    workflow: CompiledStateGraph[Any, Any, Any, Any], context: Context, db: Database, org_id: str
) -> None:
    task_id, out = _start(workflow, context, db, org_id)
    body = _proposed_body(out)
    edited = {"body": f"{body}\n{SIGN_OFF}"}
    assert _answer(workflow, context, task_id, {"type": "edit", "args": edited})["status"] == "sent"


def test_a_sign_off_added_in_three_approvals_is_in_the_next_draft(
    workflow: CompiledStateGraph[Any, Any, Any, Any], context: Context, db: Database, org_id: str
) -> None:
    _, before = _start(workflow, context, db, org_id)
    assert SIGN_OFF not in _proposed_body(before)

    for _ in range(3):
        _approve_with_sign_off(workflow, context, db, org_id)

    _, after = _start(workflow, context, db, org_id)
    assert _proposed_body(after).endswith(SIGN_OFF)


def test_two_edits_are_not_yet_a_preference(
    workflow: CompiledStateGraph[Any, Any, Any, Any], context: Context, db: Database, org_id: str
) -> None:
    for _ in range(2):
        _approve_with_sign_off(workflow, context, db, org_id)

    _, out = _start(workflow, context, db, org_id)
    assert SIGN_OFF not in _proposed_body(out)


def test_the_learned_sign_off_names_the_approvals_it_came_from(
    workflow: CompiledStateGraph[Any, Any, Any, Any], context: Context, db: Database, org_id: str
) -> None:
    for _ in range(3):
        _approve_with_sign_off(workflow, context, db, org_id)

    (preference,) = learning.everything_learned(db, org_id)
    assert (preference.category, preference.kind, preference.value) == (
        WORKFLOW,
        "sign_off",
        SIGN_OFF,
    )
    assert len(preference.sources) == 3
    assert all("edited body" in s["source"] for s in preference.sources)


def test_after_a_reset_the_next_draft_no_longer_carries_the_sign_off(
    workflow: CompiledStateGraph[Any, Any, Any, Any], context: Context, db: Database, org_id: str
) -> None:
    for _ in range(3):
        _approve_with_sign_off(workflow, context, db, org_id)

    assert learned.forget(db, org_id) > 0

    _, out = _start(workflow, context, db, org_id)
    assert SIGN_OFF not in _proposed_body(out)
    assert learning.everything_learned(db, org_id) == []


def test_repeated_rejections_make_the_next_automated_email_wait_for_approval(
    workflow: CompiledStateGraph[Any, Any, Any, Any], context: Context, db: Database, org_id: str
) -> None:
    _, before = _start(workflow, context, db, org_id, "fully_automated")
    assert before["status"] == "sent"

    for _ in range(3):
        task_id, _ = _start(workflow, context, db, org_id)
        out = _answer(workflow, context, task_id, {"type": "reject", "reason": "wrong tone"})
        assert out["status"] == "rejected"

    task_id, after = _start(workflow, context, db, org_id, "fully_automated")
    assert "__interrupt__" in after
    with db.session() as session:
        log = repo.get_task(session, org_id, task_id).execution_log
    [entry] = [e for e in log if e.get("event") == "approval_required"]
    assert entry["rule"] == f"learned: 3 of the last 3 {WORKFLOW} actions were rejected"


def test_an_approval_after_rejections_lets_the_category_act_again(
    workflow: CompiledStateGraph[Any, Any, Any, Any], context: Context, db: Database, org_id: str
) -> None:
    for _ in range(3):
        task_id, _ = _start(workflow, context, db, org_id)
        _answer(workflow, context, task_id, {"type": "reject", "reason": "wrong tone"})
    task_id, _ = _start(workflow, context, db, org_id)
    assert _answer(workflow, context, task_id, {"type": "approve"})["status"] == "sent"

    _, out = _start(workflow, context, db, org_id, "fully_automated")
    assert out["status"] == "sent"
