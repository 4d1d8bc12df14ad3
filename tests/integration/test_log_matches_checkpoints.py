"""Execution log = checkpoints: the log names the same nodes, in the same order, as the thread."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableConfig

from agents.classification import Classification, SubtaskPlan
from agents.models import register_model, unregister_model
from agents.scripted import ScriptedChatModel
from graphs.runner import TaskRunner, task_runner
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus as S
from tests.integration.test_resume_other_process import run_until_crash

pytestmark = pytest.mark.integration

IMMEDIATE_TITLE = "Translate the welcome note into French"
DECOMPOSE_TITLE = "Plan the Q4 marketing campaign"
BLOCKED_TITLE = "Order new office chairs"
GARBLED_TITLE = "Outline the onboarding guide"

SUBTASKS = [
    SubtaskPlan(title="Outline the campaign goals", execution_type="fully_automated"),
    SubtaskPlan(title="Summarize last quarter's results", execution_type="fully_automated"),
    SubtaskPlan(title="Approve the campaign budget", execution_type="manual"),
]


def _decide(messages: list[BaseMessage], tools: list[str]) -> Any:
    text = "\n".join(str(m.content) for m in messages)
    if not tools:
        return "Here is the deliverable."
    if f"Task: {GARBLED_TITLE}" in text:
        return "I would rather not use the tool."  # no classification: unusable output
    if f"Task: {DECOMPOSE_TITLE}" in text:
        return Classification(
            strategy="decompose",
            execution_type="fully_automated",
            confidence=0.7,
            reason="several distinct deliverables",
            subtasks=SUBTASKS,
        )
    if f"Task: {BLOCKED_TITLE}" in text:
        return Classification(
            strategy="blocked",
            execution_type="manual",
            confidence=0.9,
            reason="a purchase: a person with a company card must order them",
        )
    return Classification(
        strategy="immediate",
        execution_type="fully_automated",
        confidence=0.8,
        reason="doable",
        route="writer",
    )


@pytest.fixture
def runner(db: Database) -> Iterator[TaskRunner]:
    register_model("log-check", ScriptedChatModel(default=_decide))
    try:
        with task_runner(db, model="log-check") as opened:
            yield opened
    finally:
        unregister_model("log-check")


def checkpoint_nodes(runner: TaskRunner, task_id: str) -> list[str]:
    """The nodes that ran on the task's thread, oldest first, read from its checkpoints.

    A `loop` checkpoint is written after its parent's `next` nodes ran; an `input`
    checkpoint starts a new run, so a crashed run's unfinished `next` is not counted.
    """
    history = list(reversed(list(runner.graph.get_state_history(_config(task_id)))))
    by_id = {snap.config["configurable"]["checkpoint_id"]: snap for snap in history}
    ran: list[str] = []
    for snap in history:
        if (snap.metadata or {}).get("source") != "loop" or snap.parent_config is None:
            continue
        parent = by_id[snap.parent_config["configurable"]["checkpoint_id"]]
        ran.extend(node for node in parent.next if not node.startswith("__"))
    return ran


def log_nodes(log: list[dict[str, Any]]) -> list[str]:
    """The `node` of each log entry, one per step (a node may log several entries)."""
    nodes: list[str] = []
    for entry in log:
        node = entry.get("node")
        if node and (not nodes or nodes[-1] != node):
            nodes.append(node)
    return nodes


def _config(task_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": task_id}}


def _log(runner: TaskRunner, task_id: str) -> list[dict[str, Any]]:
    with runner.db.session() as session:
        return list(repo.get_task(session, runner.org_id, task_id).execution_log)


def test_immediate_run_log_matches_checkpoints(runner: TaskRunner) -> None:
    task_id = runner.create(IMMEDIATE_TITLE)
    runner.execute(task_id)
    assert checkpoint_nodes(runner, task_id) == ["prepare", "classify", "execute"]
    assert log_nodes(_log(runner, task_id)) == checkpoint_nodes(runner, task_id)


def test_blocked_run_log_matches_checkpoints(runner: TaskRunner) -> None:
    task_id = runner.create(BLOCKED_TITLE)
    runner.execute(task_id)
    assert checkpoint_nodes(runner, task_id) == ["prepare", "classify", "block"]
    assert log_nodes(_log(runner, task_id)) == checkpoint_nodes(runner, task_id)


def test_decompose_run_log_matches_checkpoints(runner: TaskRunner) -> None:
    task_id = runner.create(DECOMPOSE_TITLE)
    runner.execute(task_id)
    assert checkpoint_nodes(runner, task_id) == ["prepare", "classify", "decompose"]
    assert log_nodes(_log(runner, task_id)) == checkpoint_nodes(runner, task_id)


def test_each_automated_subtask_log_matches_its_own_thread(runner: TaskRunner) -> None:
    task_id = runner.create(DECOMPOSE_TITLE)
    outcome = runner.execute(task_id)
    automated = [s["id"] for s in outcome["subtasks"] if s["execution_type"] != "manual"]
    assert len(automated) == 2
    for sub_id in automated:
        assert checkpoint_nodes(runner, sub_id) == ["prepare", "classify", "execute"]
        assert log_nodes(_log(runner, sub_id)) == checkpoint_nodes(runner, sub_id)


def test_failed_run_with_retried_attempts_matches_checkpoints(runner: TaskRunner) -> None:
    task_id = runner.create(GARBLED_TITLE)
    outcome = runner.execute(task_id)
    assert outcome["status"] == S.FAILED.value
    log = _log(runner, task_id)
    assert [e["event"] for e in log if e.get("node") == "classify"] == [
        "attempt_failed",
        "attempt_failed",
        "attempt_failed",
        "failed",
    ]
    assert checkpoint_nodes(runner, task_id) == ["prepare", "classify"]
    assert log_nodes(log) == checkpoint_nodes(runner, task_id)


def test_second_run_after_retry_requeue_appends_to_the_log(runner: TaskRunner) -> None:
    task_id = runner.create(IMMEDIATE_TITLE)
    run_until_crash(runner.db.url, task_id)
    with runner.db.session() as session:  # what a worker does with a run that died
        repo.fail_task_execution(session, runner.org_id, task_id, "worker died mid-run")
    first_run = _log(runner, task_id)
    assert first_run[-1]["event"] == "retry_scheduled"

    outcome = runner.execute(task_id)

    assert outcome["status"] == S.COMPLETED.value
    log = _log(runner, task_id)
    assert log[: len(first_run)] == first_run
    assert [e["event"] for e in log[len(first_run) :]] == ["started", "classified", "completed"]
    assert log[len(first_run)]["attempt"] == 2
    assert checkpoint_nodes(runner, task_id) == [
        "prepare",
        "classify",
        "prepare",
        "classify",
        "execute",
    ]
    assert log_nodes(log) == checkpoint_nodes(runner, task_id)


def test_rerun_after_unblocking_appends_to_the_log(runner: TaskRunner) -> None:
    task_id = runner.create(BLOCKED_TITLE)
    runner.execute(task_id)
    first_run = _log(runner, task_id)
    with runner.db.session() as session:
        repo.update_task(
            session, runner.org_id, task_id, title="Translate the chair order into French"
        )
        repo.queue_task(session, runner.org_id, task_id, reason="a person unblocked it")

    runner.execute(task_id)

    log = _log(runner, task_id)
    assert log[: len(first_run)] == first_run
    assert checkpoint_nodes(runner, task_id) == [
        "prepare",
        "classify",
        "block",
        "prepare",
        "classify",
        "execute",
    ]
    assert log_nodes(log) == checkpoint_nodes(runner, task_id)
