"""A whole execute_task run with DELEGATE_MODEL=openai:gpt-4o-mini against the loopback stand-in."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from agents.classification import Classification
from graphs.context import ProcessContext
from graphs.execute_task import graph
from graphs.runner import task_runner
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus, ExecutionType, Strategy
from tests.fixtures.openai_standin import HttpError, OpenAIStandin

pytestmark = pytest.mark.integration

TITLE = "Write a thank-you note for John after the meeting"
DETAILS = "We met on Tuesday about the Q3 roadmap."
DELIVERABLE = "Hi John,\n\nThank you for meeting on Tuesday about the Q3 roadmap.\n\nBest regards"

IMMEDIATE = Classification(
    strategy=Strategy.IMMEDIATE,
    execution_type=ExecutionType.FULLY_AUTOMATED,
    confidence=0.92,
    reason="A thank-you email can be drafted now.",
    route="writer",
)


def _stored(db: Database, org_id: str, task_id: str) -> tuple[str, dict[str, Any] | None]:
    with db.session() as session:
        task = repo.get_task(session, org_id, task_id)
        return task.execution_status, task.result


def test_run_completes_with_the_openai_deliverable(
    db: Database, org_id: str, openai_standin: OpenAIStandin
) -> None:
    openai_standin.add(IMMEDIATE, DELIVERABLE)

    with task_runner(db) as runner:
        task_id = runner.create(TITLE, description=DETAILS)
        outcome = runner.execute(task_id)

    assert outcome["success"] is True
    assert outcome["strategy"] == "immediate"
    assert outcome["result"]["output"] == DELIVERABLE
    assert outcome["result"]["confidence"] == pytest.approx(0.92)
    status, result = _stored(db, org_id, task_id)
    assert status == ExecutionStatus.COMPLETED.value
    assert result is not None and result["output"] == DELIVERABLE


def test_run_shows_the_task_text_to_the_model(
    db: Database, org_id: str, openai_standin: OpenAIStandin
) -> None:
    openai_standin.add(IMMEDIATE, DELIVERABLE)

    with task_runner(db) as runner:
        runner.execute(runner.create(TITLE, description=DETAILS))

    classify_request, write_request = openai_standin.completions
    assert classify_request.tool_names == ["Classification"]
    assert f"Task: {TITLE}" in classify_request.text
    assert f"Details: {DETAILS}" in classify_request.text
    assert write_request.tools == []
    assert f"Task: {TITLE}" in write_request.text
    assert all(r.authorization == "Bearer test-key" for r in openai_standin.completions)


def test_streamed_run_emits_the_deliverable_as_message_chunks(
    db: Database, org_id: str, openai_standin: OpenAIStandin
) -> None:
    openai_standin.add(IMMEDIATE, DELIVERABLE)
    context = ProcessContext(database_url=db.url)
    written: list[str] = []
    final: dict[str, Any] = {}

    # graph is typed without its context schema (build_graph returns a bare StateGraph)
    runnable: Any = graph
    for mode, payload in runnable.stream(
        {"title": TITLE, "description": DETAILS},
        context=context,
        stream_mode=["messages", "values"],
    ):
        if mode == "messages":
            chunk, metadata = payload
            if metadata.get("langgraph_node") == "execute" and isinstance(chunk, AIMessageChunk):
                written.append(str(chunk.content))
        else:
            final = payload

    assert len([w for w in written if w]) > 1  # it really arrived in pieces
    assert "".join(written) == DELIVERABLE
    assert [r.stream for r in openai_standin.completions] == [True, True]
    assert final["status"] == ExecutionStatus.COMPLETED.value
    assert _stored(db, org_id, final["task_id"])[1] == final["result"]


def test_server_error_during_classification_is_retried_and_run_completes(
    db: Database, org_id: str, openai_standin: OpenAIStandin
) -> None:
    openai_standin.add(HttpError(502, headers={"retry-after-ms": "5"}), IMMEDIATE, DELIVERABLE)

    with task_runner(db) as runner:
        outcome = runner.execute(runner.create(TITLE, description=DETAILS))

    assert outcome["status"] == ExecutionStatus.COMPLETED.value
    assert outcome["result"]["output"] == DELIVERABLE
    assert len(openai_standin.completions) == 3


def test_blocked_classification_blocks_the_task_with_its_reason(
    db: Database, org_id: str, openai_standin: OpenAIStandin
) -> None:
    reason = "Paying needs access to the company bank account."
    openai_standin.add(
        Classification(
            strategy=Strategy.BLOCKED,
            execution_type=ExecutionType.MANUAL,
            confidence=0.88,
            reason=reason,
        )
    )

    with task_runner(db) as runner:
        task_id = runner.create("Pay the electricity invoice")
        outcome = runner.execute(task_id)

    assert outcome["strategy"] == "blocked"
    assert outcome["reason"] == reason
    assert _stored(db, org_id, task_id)[0] == ExecutionStatus.BLOCKED.value
    assert len(openai_standin.completions) == 1  # nothing was written for a blocked task
