"""A run SIGKILLed after the gate saved its task `paused` for approval and before the
interrupt's checkpoint was written: the approval is asked again, once, and nothing is lost.

The child is a real `run_worker` process on the test's database. The gate pauses the task
(the approval request is in the task's log), then the child says so in a marker file and
waits to be killed, so LangGraph never writes the interrupt. The run kept its claim while
paused, so after the lease the next worker (or `recover`) takes the run over from its last
checkpoint and the gate asks the same question again.

A run that ended its claim at the pause (a LangGraph server run ends it as the interrupt is
raised: tests/integration/test_langgraph_server_killed_pausing.py kills a real server there)
leaves a paused task no claim names: staged here by ending the dead worker's claim. Workers
leave it alone (it looks like any task waiting for a person); `recover`, by id or without
one, asks the same question again; tasks correctly waiting, or held by a live owner, are left
alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from agents.scripted import ScriptedChatModel
from app.cli import app as cli_app
from app.fleet import run_fleet
from app.worker import run_worker
from graphs.runner import TaskRunner
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus as S
from store.errors import Conflict
from store.orgs import DEFAULT_ORG
from store.task_rows import TASKS
from tests.fixtures.agent_runs import load_task
from tests.fixtures.api import ApiOrg
from tests.integration.test_recovery import (
    EMAIL,
    FINAL_ANSWER,
    TITLE,
    after_the_lease,
    paused_send,
    sent,
)
from tests.integration.test_takeover import killed_where_it_stops
from tests.unit.store.test_awaited_approvals import paused_asking

pytestmark = pytest.mark.integration

#: A worker that classifies the email as semi-automated, proposes sending it, and dies after
#: the gate saved the task paused and before the interrupt's checkpoint.
CHILD = """
import sys, threading
from pathlib import Path
from agents.models import register_model
from agents.scripted import ScriptedChatModel, tool_call_message
from app.fleet import run_fleet
from app.worker import run_worker
from store.db import Database
from tests.fixtures.agent_runs import immediate
from tests.integration.test_recovery import EMAIL
from tools.gate import ask_person

url, organization, marker = sys.argv[1:4]
mark_waiting = ask_person._mark_waiting

def paused_then_stop(log, key, payload):
    mark_waiting(log, key, payload)
    Path(marker).write_text("stopped")
    threading.Event().wait()

ask_person._mark_waiting = paused_then_stop
script = [immediate("semi_automated", "email"), tool_call_message("send_email", dict(EMAIL))]
register_model("child", ScriptedChatModel(script=script))
run_worker(Database(url), organization=organization, once=True, owner="worker-that-dies")
"""


@contextmanager
def kill_while_pausing(db: Database, org_id: str, organization: str, marker: Path) -> Iterator[str]:
    """A semi-automated email of `organization` whose worker died between the pause and its
    checkpoint; yields the task id."""
    with db.session() as session:
        task_id = repo.create_task(session, org_id, TITLE, execution_type="semi_automated").id
    env = {**os.environ, "DELEGATE_DATABASE_URL": db.url, "DELEGATE_MODEL": "child"}
    with killed_where_it_stops(CHILD, [db.url, organization, str(marker)], env, marker):
        yield task_id


@pytest.fixture
def killed_while_pausing(
    db: Database, org_id: str, tmp_path: Path, scripted_model: ScriptedChatModel
) -> Iterator[str]:
    """kill_while_pausing in the default organization; the scripted model then answers."""
    with kill_while_pausing(db, org_id, DEFAULT_ORG, tmp_path / "stopped") as task_id:
        scripted_model.default = lambda messages, tools: FINAL_ANSWER
        yield task_id


def requests_logged(db: Database, org_id: str, task_id: str) -> list[dict[str, Any]]:
    """The approval requests in the task's execution log."""
    log = load_task(db, org_id, task_id).execution_log
    return [e["approval"] for e in log if e["event"] == "approval_requested"]


def test_a_run_killed_while_pausing_keeps_its_claim_until_the_lease_ends(
    killed_while_pausing: str, runner: TaskRunner, db: Database, org_id: str
) -> None:
    task = load_task(db, org_id, killed_while_pausing)
    assert task.status is S.PAUSED
    assert task.claim_owner == "worker-that-dies"
    assert runner.pending_approvals() == []  # no interrupt was checkpointed

    assert run_worker(db, once=True) == []  # its lease still runs


def test_the_next_worker_asks_the_same_approval_again_once(
    killed_while_pausing: str,
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    db: Database,
    org_id: str,
) -> None:
    [asked_before] = requests_logged(db, org_id, killed_while_pausing)

    outcomes = run_worker(db, once=True, clock=after_the_lease)

    assert [(o["task_id"], o["status"]) for o in outcomes] == [(killed_while_pausing, "paused")]
    [waiting] = runner.pending_approvals()
    assert waiting["task_id"] == killed_while_pausing
    assert waiting["approval"]["idempotency_key"] == asked_before["idempotency_key"]
    assert waiting["approval"]["action_requests"] == asked_before["action_requests"]
    assert requests_logged(db, org_id, killed_while_pausing) == [asked_before]  # logged once
    assert scripted_model.calls == []  # the agent carried on from its checkpoint
    task = load_task(db, org_id, killed_while_pausing)
    assert task.status is S.PAUSED and task.claim_owner is None
    assert sent(db, org_id) == []


def test_a_worker_fleet_asks_the_same_approval_again(
    killed_while_pausing: str, runner: TaskRunner, db: Database, org_id: str
) -> None:
    [asked_before] = requests_logged(db, org_id, killed_while_pausing)

    report = run_fleet(db, concurrency=2, once=True, clock=after_the_lease, handle_signals=False)

    assert [o["status"] for o in report.outcomes] == ["paused"]
    [waiting] = runner.pending_approvals()
    assert waiting["approval"]["idempotency_key"] == asked_before["idempotency_key"]
    assert requests_logged(db, org_id, killed_while_pausing) == [asked_before]


def test_the_approval_asked_again_sends_the_email_once(
    killed_while_pausing: str, runner: TaskRunner, db: Database, org_id: str
) -> None:
    run_worker(db, once=True, clock=after_the_lease)

    outcome = runner.approve(killed_while_pausing)

    assert outcome["status"] == "completed"
    assert [mail.to for mail in sent(db, org_id)] == [EMAIL["to"]]
    assert run_worker(db, once=True, clock=after_the_lease) == []


def test_recover_asks_the_approval_again(
    killed_while_pausing: str, runner: TaskRunner, db: Database, org_id: str
) -> None:
    runner.clock = after_the_lease

    outcome = runner.recover(killed_while_pausing)

    assert outcome["status"] == "paused"
    assert outcome["approval"]["action_requests"][0]["args"]["to"] == EMAIL["to"]
    assert [w["task_id"] for w in runner.pending_approvals()] == [killed_while_pausing]


def test_recover_route_asks_again_for_a_paused_run_no_claim_names(
    api_client: TestClient, api_org: ApiOrg, db: Database, tmp_path: Path
) -> None:
    with kill_while_pausing(db, api_org.id, api_org.name, tmp_path / "stopped") as task_id:
        # What a run whose claim ended at the pause leaves (a LangGraph server run releases
        # its claim as the interrupt is raised): a paused task, no claim, no interrupt.
        with db.transaction() as conn:
            conn.execute(
                update(TASKS)
                .where(TASKS.c.id == task_id)
                .values(claim_owner=None, lease_expires_at=None)
            )

        response = api_client.post(f"/api/tasks/{task_id}/recover", headers=api_org.headers)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "paused"
    approvals = api_client.get("/api/approvals", headers=api_org.headers).json()["approvals"]
    assert [a["task_id"] for a in approvals] == [task_id]


# -- `recover` without an id: a paused run whose claim ended before its interrupt was saved --


@pytest.fixture
def stopped_asking(killed_while_pausing: str, db: Database) -> Iterator[str]:
    """A semi-automated email whose run saved the task paused with its approval request and
    died before the interrupt's checkpoint, its claim ended: a paused task no claim names."""
    with db.transaction() as conn:
        conn.execute(
            update(TASKS)
            .where(TASKS.c.id == killed_while_pausing)
            .values(claim_owner=None, lease_expires_at=None)
        )
    yield killed_while_pausing


def test_recover_without_an_id_asks_again_what_a_paused_run_no_claim_names_asked(
    stopped_asking: str, runner: TaskRunner, db: Database, org_id: str
) -> None:
    [asked_before] = requests_logged(db, org_id, stopped_asking)

    outcomes = runner.recover_all()

    assert [(o["task_id"], o["status"]) for o in outcomes] == [(stopped_asking, "paused")]
    assert outcomes[0]["approval"]["idempotency_key"] == asked_before["idempotency_key"]
    [waiting] = runner.pending_interrupts(stopped_asking)
    assert waiting.value["idempotency_key"] == asked_before["idempotency_key"]
    assert requests_logged(db, org_id, stopped_asking) == [asked_before]  # logged once
    assert sent(db, org_id) == []


def test_the_request_recover_asked_again_is_sent_once_when_approved(
    stopped_asking: str, runner: TaskRunner, db: Database, org_id: str
) -> None:
    runner.recover_all()

    outcome = runner.approve(stopped_asking)

    assert outcome["status"] == "completed"
    assert [mail.to for mail in sent(db, org_id)] == [EMAIL["to"]]
    assert runner.recover_all() == []


def test_recover_without_an_id_asks_each_stopped_request_only_once(
    stopped_asking: str, runner: TaskRunner, db: Database, org_id: str
) -> None:
    runner.recover_all()
    token = load_task(db, org_id, stopped_asking).claim_token

    assert runner.recover_all() == []  # its interrupt is saved now: it waits for a person
    assert load_task(db, org_id, stopped_asking).claim_token == token
    assert len(requests_logged(db, org_id, stopped_asking)) == 1


def test_recover_without_an_id_leaves_a_saved_approval_waiting(
    runner: TaskRunner, scripted_model: ScriptedChatModel, db: Database, org_id: str
) -> None:
    task_id = paused_send(runner, scripted_model)
    [interrupt] = runner.pending_interrupts(task_id)
    before = load_task(db, org_id, task_id)

    assert runner.recover_all() == []

    after = load_task(db, org_id, task_id)
    assert (after.status, after.claim_token, after.version) == (
        S.PAUSED,
        before.claim_token,
        before.version,
    )
    assert [i.id for i in runner.pending_interrupts(task_id)] == [interrupt.id]


def test_recover_without_an_id_leaves_a_paused_run_its_owner_holds(
    killed_while_pausing: str, runner: TaskRunner, db: Database, org_id: str
) -> None:
    before = load_task(db, org_id, killed_while_pausing)

    assert runner.recover_all() == []  # the dead worker's lease still runs

    after = load_task(db, org_id, killed_while_pausing)
    assert (after.claim_owner, after.claim_token) == ("worker-that-dies", before.claim_token)
    assert len(requests_logged(db, org_id, killed_while_pausing)) == 1


def test_a_worker_never_takes_over_a_paused_run_no_claim_names(
    stopped_asking: str, db: Database, org_id: str
) -> None:
    before = load_task(db, org_id, stopped_asking)

    assert run_worker(db, once=True, clock=after_the_lease) == []

    after = load_task(db, org_id, stopped_asking)
    assert (after.status, after.claim_owner, after.claim_token) == (
        S.PAUSED,
        None,
        before.claim_token,
    )


def test_delegate_recover_without_an_id_names_the_task_it_asked_again(
    stopped_asking: str, runner: TaskRunner, db: Database
) -> None:
    result = CliRunner().invoke(cli_app, ["recover"], env={"DELEGATE_DATABASE_URL": db.url})

    assert result.exit_code == 0, result.output
    assert f"{stopped_asking[:8]} -> paused" in result.stdout
    assert [w["task_id"] for w in runner.pending_approvals()] == [stopped_asking]


def test_a_request_whose_run_lives_elsewhere_is_not_listed_by_a_standalone_runner(
    runner: TaskRunner, db: Database, org_id: str
) -> None:
    paused_asking(db, org_id)  # e.g. a LangGraph server run's: the store has no thread of it

    assert runner.pending_approvals() == []


def test_a_standalone_runner_keeps_no_answer_to_a_request_whose_run_lives_elsewhere(
    runner: TaskRunner, db: Database, org_id: str
) -> None:
    task_id = paused_asking(db, org_id)

    with pytest.raises(Conflict, match="waits for approval in a run this process cannot reach"):
        runner.approve(task_id)

    task = load_task(db, org_id, task_id)
    assert task.status is S.PAUSED
    assert "answer" not in task.ai_context["pending_approval"]
