"""One owner per run: twenty simultaneous executes of one task make one run and one approval.

A caller reads the task's status, then claims it. Between the two, the winning run may get as
far as pausing for approval: that caller's claim is refused, and its answer must say the task
waits for approval (not that a paused task cannot run), also before the run's interrupt
checkpoint is written."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from agents.scripted import ScriptedChatModel, tool_call_message
from graphs.runner import TaskRunner
from store import task_rows
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus
from store.errors import Conflict
from store.models import SandboxEmail
from tests.fixtures.agent_runs import events as logged
from tests.fixtures.api import EMAIL, EMAIL_TASK_TITLE, SEMI_AUTOMATED, ApiOrg

pytestmark = pytest.mark.integration

CALLERS = 20
#: Seconds a request may take: the machine running the tests may be busy.
TIMEOUT = 60


def execute_at_once(url: str, org: ApiOrg, task_id: str) -> list[httpx.Response]:
    """POST /api/tasks/execute for one task from CALLERS threads released together."""
    barrier = threading.Barrier(CALLERS)
    responses: list[httpx.Response] = []
    lock = threading.Lock()

    def call() -> None:
        with httpx.Client(base_url=url, headers=org.headers, timeout=TIMEOUT) as client:
            barrier.wait(timeout=30)
            response = client.post("/api/tasks/execute", json={"taskId": task_id})
        with lock:
            responses.append(response)

    threads = [threading.Thread(target=call) for _ in range(CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a request hung"
    return responses


@pytest.fixture
def paused_twenty_times(
    api_server: str, api_org: ApiOrg, scripted_model: ScriptedChatModel
) -> tuple[str, list[httpx.Response]]:
    scripted_model.script = [
        SEMI_AUTOMATED,
        tool_call_message("send_email", dict(EMAIL)),
        "I sent John a thank-you email.",
    ]
    # The same generous timeout as the callers': httpx's default 5 s fails on a busy machine.
    with httpx.Client(base_url=api_server, headers=api_org.headers, timeout=TIMEOUT) as client:
        task = client.post(
            "/api/tasks", json={"title": EMAIL_TASK_TITLE, "executionType": "semi_automated"}
        ).json()
    return task["id"], execute_at_once(api_server, api_org, task["id"])


def events(db: Database, org: ApiOrg, task_id: str, event: str) -> list[dict[str, Any]]:
    with db.session() as session:
        log = repo.get_task(session, org.id, task_id).execution_log
    return [e for e in log if e["event"] == event]


def test_one_of_twenty_executes_runs_and_the_rest_get_409(
    paused_twenty_times: tuple[str, list[httpx.Response]],
) -> None:
    _, responses = paused_twenty_times

    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * (CALLERS - 1)
    [winner] = [r.json() for r in responses if r.status_code == 200]
    assert winner["status"] == "paused"
    for refused in (r.json()["detail"] for r in responses if r.status_code == 409):
        assert "already running since" in refused or "waiting for approval" in refused


def test_twenty_executes_leave_one_run_and_one_approval_request(
    paused_twenty_times: tuple[str, list[httpx.Response]],
    db: Database,
    api_org: ApiOrg,
    scripted_model: ScriptedChatModel,
) -> None:
    task_id, _ = paused_twenty_times

    assert len(events(db, api_org, task_id, "started")) == 1
    assert len(events(db, api_org, task_id, "approval_requested")) == 1
    assert len(scripted_model.calls) == 2  # one classification, one agent turn


def test_after_twenty_executes_the_task_is_listed_and_approvable(
    paused_twenty_times: tuple[str, list[httpx.Response]],
    api_server: str,
    api_org: ApiOrg,
    db: Database,
) -> None:
    task_id, _ = paused_twenty_times
    with httpx.Client(base_url=api_server, headers=api_org.headers, timeout=TIMEOUT) as client:
        listed = client.get("/api/approvals").json()["approvals"]
        approved = client.post(f"/api/tasks/{task_id}/approve")

    assert [item["task_id"] for item in listed] == [task_id]
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "completed"
    with db.session() as session:
        sent = session.scalars(
            select(SandboxEmail).where(
                SandboxEmail.org_id == api_org.id, SandboxEmail.folder == "sent"
            )
        ).all()
    assert [mail.to for mail in sent] == [EMAIL["to"]]


def test_an_execute_that_read_the_task_before_its_run_paused_says_it_waits_for_approval(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    db: Database,
    org_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scripted_model.script = [SEMI_AUTOMATED, tool_call_message("send_email", dict(EMAIL))]
    task_id = runner.create(EMAIL_TASK_TITLE, execution_type="semi_automated")
    assert runner.execute(task_id)["status"] == "paused"
    # What a caller read just before the winning run claimed the task.
    monkeypatch.setattr(repo, "get_status", lambda *_: (task_id, ExecutionStatus.PENDING))

    with pytest.raises(Conflict, match="is waiting for approval"):
        runner.execute(task_id)
    assert len(logged(db, org_id, task_id, "started")) == 1


def test_a_run_paused_before_its_interrupt_checkpoint_is_shown_waiting_for_approval(
    runner: TaskRunner, db: Database, org_id: str
) -> None:
    task_id = runner.create(EMAIL_TASK_TITLE, execution_type="semi_automated")
    with db.transaction(org_id) as conn:  # what the gate stores before the run's interrupt
        repo.start_task_execution(conn, org_id, task_id)
        task_rows.change(conn, org_id, task_id, _waiting_for("send_email"))
        repo.pause_task_execution(conn, org_id, task_id, "waiting for a person to approve")

    assert runner.pending_interrupts(task_id) == []
    with pytest.raises(Conflict, match="is waiting for approval"):
        runner.execute(task_id)


def _waiting_for(tool: str) -> Any:
    def apply(task: task_rows.TaskRow) -> None:
        waiting = {"idempotency_key": f"{tool}-key", "tool": tool}  # as the gate records it
        task.ai_context = {**(task.ai_context or {}), "pending_approval": waiting}

    return apply
