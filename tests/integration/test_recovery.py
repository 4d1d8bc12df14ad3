"""Stranded runs heal: an approval whose approver died, runs killed before their first
checkpoint, and `recover` (CLI and API) for every one of them once the lease has expired."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from agents.scripted import ScriptedChatModel, tool_call_message
from app.cli import app as cli_app
from app.worker import run_worker
from graphs.runner import ANSWERABLE, EXECUTABLE, TaskRunner, task_runner
from store import claims
from store import tasks as repo
from store.claims import AlreadyClaimed, lease_seconds
from store.db import Database
from store.enums import ExecutionStatus as S
from store.errors import Conflict
from store.models import SandboxEmail, utcnow
from tests.fixtures.agent_runs import immediate, load_task
from tests.fixtures.api import ApiOrg
from tests.integration.test_takeover import killed_where_it_stops

pytestmark = pytest.mark.integration

TITLE = "Reply to john@example.com thanking him for the meeting"
EMAIL = {"to": ["john@example.com"], "subject": "Thank you", "body": "Hi John,\n\nThank you."}
FINAL_ANSWER = "I sent John a thank-you email."

#: An approver (`delegate approve`) killed after the person's decision took effect (the task
#: is in_progress again) and before the email went out.
APPROVER = """
import sys, threading
from pathlib import Path
from agents.models import register_model
from agents.scripted import ScriptedChatModel
from graphs.runner import task_runner
from store.db import Database
from tools.gate import side_effects

url, task_id, marker = sys.argv[1:4]

def stop_before_sending(log, call, key, args):
    Path(marker).write_text("stopped")
    threading.Event().wait()

side_effects.run_recorded = stop_before_sending
register_model("child", ScriptedChatModel(default=lambda messages, tools: "unused"))
with task_runner(Database(url), model="child", owner="approver-that-dies") as runner:
    runner.approve(task_id)
"""


def after_the_lease() -> datetime:
    return utcnow() + timedelta(seconds=lease_seconds() + 1)


def sent(db: Database, org_id: str) -> list[SandboxEmail]:
    with db.session() as session:
        query = select(SandboxEmail).where(
            SandboxEmail.org_id == org_id, SandboxEmail.folder == "sent"
        )
        return list(session.scalars(query).all())


def paused_send(runner: TaskRunner, model: ScriptedChatModel) -> str:
    model.script = [
        immediate("semi_automated", "email"),
        tool_call_message("send_email", dict(EMAIL)),
    ]
    model.default = lambda messages, tools: FINAL_ANSWER
    task_id = runner.create(TITLE, execution_type="semi_automated")
    assert runner.execute(task_id)["status"] == "paused"
    return task_id


@pytest.fixture
def approver_killed(
    runner: TaskRunner, scripted_model: ScriptedChatModel, db: Database, tmp_path: Path
) -> Iterator[str]:
    """A paused email whose approver process was SIGKILLed before the send; the task id."""
    task_id = paused_send(runner, scripted_model)
    marker = tmp_path / "stopped"
    env = {**os.environ, "DELEGATE_DATABASE_URL": db.url}
    with killed_where_it_stops(APPROVER, [db.url, task_id, str(marker)], env, marker):
        yield task_id


def test_a_killed_approvers_task_stays_in_the_approvals_list(
    approver_killed: str, runner: TaskRunner, db: Database, org_id: str
) -> None:
    assert load_task(db, org_id, approver_killed).status is S.IN_PROGRESS

    assert [item["task_id"] for item in runner.pending_approvals()] == [approver_killed]
    assert sent(db, org_id) == []


def test_a_killed_approvers_task_is_listed_as_answered(
    approver_killed: str, runner: TaskRunner
) -> None:
    [item] = runner.pending_approvals()

    assert item["answered"] == "approve"


def test_rejecting_an_approval_already_given_is_refused_naming_the_answer(
    approver_killed: str, runner: TaskRunner, db: Database, org_id: str
) -> None:
    with pytest.raises(Conflict, match=r"already answered \(approve\)"):
        runner.reject(approver_killed, "Too late, do not send")

    run_worker(db, once=True, clock=after_the_lease)
    assert [mail.to for mail in sent(db, org_id)] == [EMAIL["to"]]


def test_approving_again_carries_out_the_edit_a_dead_approver_gave(
    runner: TaskRunner, scripted_model: ScriptedChatModel, db: Database, org_id: str
) -> None:
    task_id = paused_send(runner, scripted_model)
    [pending] = runner.pending_interrupts(task_id)
    edit = {
        "type": "edit",
        "edited_action": {"name": "send_email", "args": {**EMAIL, "body": "Edited."}},
    }
    clock = runner.clock
    runner.clock = lambda: utcnow() - timedelta(seconds=2 * runner.lease)  # long dead
    runner.claim(task_id, ANSWERABLE, decision={"interrupt_id": pending.id, "value": edit})
    runner.clock = clock

    assert runner.approve(task_id)["status"] == "completed"
    assert [mail.body for mail in sent(db, org_id)] == ["Edited."]


def test_a_waiting_approval_is_listed_unanswered(
    runner: TaskRunner, scripted_model: ScriptedChatModel
) -> None:
    paused_send(runner, scripted_model)

    [item] = runner.pending_approvals()

    assert item["answered"] is None


def test_the_next_worker_carries_out_a_killed_approvers_decision(
    approver_killed: str, db: Database, org_id: str
) -> None:
    assert run_worker(db, once=True) == []  # the approver's lease still runs

    outcomes = run_worker(db, once=True, clock=after_the_lease)

    assert [o["status"] for o in outcomes] == ["completed"]
    assert [mail.to for mail in sent(db, org_id)] == [EMAIL["to"]]
    assert load_task(db, org_id, approver_killed).status is S.COMPLETED


def test_after_the_worker_finished_the_task_leaves_the_approvals_list(
    approver_killed: str, runner: TaskRunner, db: Database
) -> None:
    run_worker(db, once=True, clock=after_the_lease)

    assert runner.pending_approvals() == []


def test_an_approver_that_died_before_resuming_is_finished_by_a_worker(
    runner: TaskRunner, scripted_model: ScriptedChatModel, db: Database, org_id: str
) -> None:
    task_id = paused_send(runner, scripted_model)
    [pending] = runner.pending_interrupts(task_id)
    decision = {"interrupt_id": pending.id, "value": {"type": "approve"}}
    runner.claim(task_id, ANSWERABLE, decision=decision)  # ... and the process dies here
    assert load_task(db, org_id, task_id).status is S.PAUSED

    outcomes = run_worker(db, once=True, clock=after_the_lease)

    assert [o["status"] for o in outcomes] == ["completed"]
    assert len(sent(db, org_id)) == 1


def strand_before_first_checkpoint(
    runner: TaskRunner, db: Database, org_id: str, *, leases_ago: float = 2
) -> str:
    """A task a run claimed and started (prepare committed) but never checkpointed, claimed
    `leases_ago` leases ago: what a process killed at that moment leaves."""
    task_id = runner.create("Translate the welcome note into French")
    with db.transaction() as conn:
        claim = claims.claim_task(
            conn,
            org_id,
            task_id,
            "a-dead-process",
            statuses=EXECUTABLE,
            lease=runner.lease,
            now=utcnow() - timedelta(seconds=leases_ago * runner.lease),
        )
        with claims.holding(claim):
            repo.start_task_execution(conn, org_id, task_id, "execute_task", node="prepare")
    return task_id


def test_recover_all_finishes_every_stranded_run(
    runner: TaskRunner, scripted_model: ScriptedChatModel, db: Database, org_id: str
) -> None:
    scripted_model.default = lambda messages, tools: (
        immediate() if tools else "Bienvenue dans l'équipe."
    )
    stranded = {strand_before_first_checkpoint(runner, db, org_id) for _ in range(2)}

    outcomes = runner.recover_all()

    assert {o["task_id"] for o in outcomes} == stranded
    assert {o["status"] for o in outcomes} == {"completed"}


def test_recover_refuses_while_the_owners_lease_runs(
    runner: TaskRunner, db: Database, org_id: str
) -> None:
    task_id = strand_before_first_checkpoint(runner, db, org_id, leases_ago=0)

    with pytest.raises(AlreadyClaimed, match=r"already running since .*owner a-dead-process"):
        runner.recover(task_id)


def test_recover_route_finishes_a_run_killed_before_its_first_checkpoint(
    api_client: TestClient, api_org: ApiOrg, db: Database, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.default = lambda messages, tools: immediate() if tools else "Bonjour."
    with task_runner(db, organization=api_org.name, model="scripted") as other:
        task_id = strand_before_first_checkpoint(other, db, api_org.id)

    response = api_client.post(f"/api/tasks/{task_id}/recover", headers=api_org.headers)

    assert response.status_code == 200, response.text
    assert load_task(db, api_org.id, task_id).status is S.COMPLETED


def test_recover_route_answers_409_when_nothing_stopped(
    api_client: TestClient, api_org: ApiOrg
) -> None:
    task = api_client.post("/api/tasks", json={"title": "Write"}, headers=api_org.headers).json()

    response = api_client.post(f"/api/tasks/{task['id']}/recover", headers=api_org.headers)

    assert response.status_code == 409
    assert "no stopped run to recover" in response.json()["detail"]


def test_tasks_in_progress_show_owner_and_lease(
    runner: TaskRunner, db: Database, org_id: str
) -> None:
    task_id = strand_before_first_checkpoint(runner, db, org_id)

    result = CliRunner().invoke(
        cli_app, ["tasks", "--status", "in_progress"], env={"COLUMNS": "250"}
    )

    assert result.exit_code == 0, result.stderr
    assert "a-dead-process" in result.stdout
    lease_until = load_task(db, org_id, task_id).lease_expires_at
    assert lease_until is not None
    assert lease_until.strftime("%Y-%m-%d %H:%M:%S") in result.stdout


def test_tasks_in_progress_mark_an_expired_lease_and_say_what_carries_it_on(
    runner: TaskRunner, db: Database, org_id: str
) -> None:
    strand_before_first_checkpoint(runner, db, org_id)

    result = CliRunner().invoke(
        cli_app, ["tasks", "--status", "in_progress"], env={"COLUMNS": "250"}
    )

    assert result.exit_code == 0, result.stderr
    assert "UTC (expired)" in result.stdout
    assert "`delegate recover` carries it on" in result.stdout


def test_tasks_in_progress_do_not_mark_a_live_lease_expired(
    runner: TaskRunner, db: Database, org_id: str
) -> None:
    strand_before_first_checkpoint(runner, db, org_id, leases_ago=0)

    result = CliRunner().invoke(
        cli_app, ["tasks", "--status", "in_progress"], env={"COLUMNS": "250"}
    )

    assert result.exit_code == 0, result.stderr
    assert "a-dead-process" in result.stdout
    assert "expired" not in result.stdout
