"""A run the LangGraph server starts claims its task itself (graphs/run_claims.py): the run is
the owner, a second claimant is refused, the lease is renewed while a node works, and a run
that was taken over changes nothing more.

The server's runs are simulated as the server runs them: the compiled graph invoked with the
server's `run_id` in its configurable and no claim held by a caller.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

import graphs.execute_task as execute_task
from agents.classification import Classification
from agents.scripted import ScriptedChatModel
from graphs import run_claims
from graphs.context import ProcessContext
from graphs.runner import TaskRunner
from store import claims
from store import tasks as repo
from store.claims import AlreadyClaimed, StaleClaim
from store.db import Database
from store.enums import ExecutionStatus
from store.models import Task, utcnow

RUN_ID = "1f0c3a52-0000-7000-8000-000000000001"
WRITE_NOW = Classification(
    strategy="immediate",
    execution_type="fully_automated",
    confidence=0.9,
    reason="the AI can write it",
    route="writer",
)


def new_task(db: Database, org_id: str) -> str:
    with db.session() as session:
        return repo.create_task(session, org_id, "Draft a note to the team").id


def stored(db: Database, task_id: str) -> Task:
    with db.session() as session:
        task = session.get(Task, task_id)
        assert task is not None
        session.expunge(task)
        return task


def run_as_server(db: Database, task_id: str, run_id: str = RUN_ID) -> dict[str, Any]:
    graph = execute_task.build_graph().compile(checkpointer=InMemorySaver())
    result: dict[str, Any] = graph.invoke(
        {"task_id": task_id},
        {"configurable": {"thread_id": task_id, "run_id": run_id}},
        context=ProcessContext(model="scripted", database_url=db.url),
    )
    return result


def classifying(during: Callable[[], None]) -> Callable[..., Any]:
    """The model's classification answer, after calling `during` (inside the classify node)."""

    def answer(messages: Any, tools: Any) -> Any:
        during()
        return WRITE_NOW

    return answer


def test_server_run_claims_its_task_with_the_run_as_owner(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    task_id = new_task(db, org_id)
    seen: list[tuple[str | None, int]] = []
    scripted_model.script = [
        classifying(lambda: seen.append((stored(db, task_id).claim_owner, 0))),
        "Dear team, thank you.",
    ]

    outcome = run_as_server(db, task_id)

    assert seen == [(f"langgraph-run/{RUN_ID}", 0)]
    assert outcome["status"] == ExecutionStatus.COMPLETED.value
    done = stored(db, task_id)
    assert (done.claim_owner, done.lease_expires_at) == (None, None)
    assert done.claim_token == 1


def test_second_claimant_is_refused_while_a_server_run_owns_the_task(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    task_id = new_task(db, org_id)
    refusals: list[str] = []

    def execute_elsewhere() -> None:
        other = TaskRunner(db, InMemorySaver(), model="scripted")
        with pytest.raises(AlreadyClaimed) as refused:
            other.execute(task_id)
        refusals.append(str(refused.value))

    scripted_model.script = [classifying(execute_elsewhere), "Dear team, thank you."]

    outcome = run_as_server(db, task_id)

    (message,) = refusals
    assert "already running since" in message and f"langgraph-run/{RUN_ID}" in message
    assert outcome["status"] == ExecutionStatus.COMPLETED.value
    log = stored(db, task_id).execution_log
    assert [e["event"] for e in log].count("started") == 1


def test_server_run_renews_its_lease_while_a_node_works(
    db: Database, org_id: str, scripted_model: ScriptedChatModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DELEGATE_LEASE_SECONDS", "0.3")
    task_id = new_task(db, org_id)
    renewed: list[bool] = []

    def wait_for_a_renewal() -> None:
        first = stored(db, task_id).lease_expires_at
        assert first is not None
        deadline = time.monotonic() + 30
        pause = threading.Event()
        while time.monotonic() < deadline:
            latest = stored(db, task_id).lease_expires_at
            if latest is not None and latest > first:
                renewed.append(True)
                return
            pause.wait(0.02)
        renewed.append(False)

    scripted_model.script = [classifying(wait_for_a_renewal), "Dear team, thank you."]

    run_as_server(db, task_id)

    assert renewed == [True]


def test_server_run_that_was_taken_over_changes_nothing_more(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    task_id = new_task(db, org_id)

    def taken_over() -> None:  # the run stalled past its lease and a worker claimed the task
        with db.transaction() as conn:
            claims.claim_task(
                conn,
                org_id,
                task_id,
                "worker-b",
                statuses={ExecutionStatus.IN_PROGRESS},
                now=utcnow() + timedelta(hours=1),
            )

    scripted_model.script = [classifying(taken_over)]

    with pytest.raises(StaleClaim):
        run_as_server(db, task_id)

    task = stored(db, task_id)
    assert task.claim_owner == "worker-b"
    assert "classified" not in [e["event"] for e in task.execution_log]


def test_server_run_refuses_a_task_that_waits_on_a_person(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    task_id = new_task(db, org_id)
    with db.transaction() as conn:
        repo.start_task_execution(conn, org_id, task_id)
        repo.pause_task_execution(conn, org_id, task_id, "waiting on 2 subtasks")
    before = stored(db, task_id).execution_log

    with pytest.raises(claims.Conflict, match="paused"):
        run_as_server(db, task_id)

    assert stored(db, task_id).execution_log == before
    assert stored(db, task_id).claim_owner is None


def run_handed(db: Database, task_id: str, owner: str, token: int) -> dict[str, Any]:
    graph = execute_task.build_graph().compile(checkpointer=InMemorySaver())
    configurable = {
        "thread_id": task_id,
        "run_id": RUN_ID,
        run_claims.HANDED_OWNER: owner,
        run_claims.HANDED_TOKEN: token,
    }
    result: dict[str, Any] = graph.invoke(
        {"task_id": task_id},
        {"configurable": configurable},
        context=ProcessContext(model="scripted", database_url=db.url),
    )
    return result


def api_claim(db: Database, org_id: str, task_id: str) -> claims.Claim:
    with db.transaction() as conn:
        return claims.claim_task(
            conn, org_id, task_id, "api-request", statuses={ExecutionStatus.PENDING}
        )


def test_server_run_takes_over_the_claim_its_caller_handed_it(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    task_id = new_task(db, org_id)
    handed = api_claim(db, org_id, task_id)
    seen: list[tuple[str | None, int]] = []

    def owner_now() -> None:
        task = stored(db, task_id)
        seen.append((task.claim_owner, task.claim_token))

    scripted_model.script = [classifying(owner_now), "Dear team, thank you."]

    outcome = run_handed(db, task_id, handed.owner, handed.token)

    assert seen == [(f"langgraph-run/{RUN_ID}", handed.token + 1)]
    assert outcome["status"] == ExecutionStatus.COMPLETED.value


def test_server_run_handed_a_stale_claim_writes_nothing(
    db: Database, org_id: str, scripted_model: ScriptedChatModel
) -> None:
    task_id = new_task(db, org_id)
    handed = api_claim(db, org_id, task_id)

    with pytest.raises(StaleClaim):
        run_handed(db, task_id, handed.owner, handed.token - 1)

    task = stored(db, task_id)
    assert (task.claim_owner, task.claim_token) == ("api-request", handed.token)
    assert task.execution_status == ExecutionStatus.PENDING.value
    assert scripted_model.calls == []
