"""One runtime under the LangGraph server (`langgraph dev`), through langgraph_sdk, the mounted
task API and the CLI: a task the API runs is a server thread (thread id = task id) with its
interrupt; a standard HITL decision through the SDK resumes it; a run started through the
LangGraph API, or paused in the store's checkpointer by the CLI, is in Delegate's approvals
inbox and is approved through Delegate's API or CLI (also after a client started a new run on
its thread: the same request is asked again); a server run owns its task (a second
claimant gets the clear 409; simultaneous executes start one run); recover carries on a dead
server run's task through the server.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient
from typer.testing import CliRunner

from agents.classification import Classification
from app.cli import app
from graphs.runner import task_runner
from store import claims
from store import tasks as repo
from store.enums import ExecutionStatus, ExecutionType
from store.models import Task, utcnow
from store.orgs import DEFAULT_ORG, ensure_organization
from tests.fixtures.langgraph_server import LangGraphServer
from tests.fixtures.openai_standin import (
    STANDIN_API_KEY,
    STANDIN_MODEL,
    StandinRequest,
    ToolCall,
)
from tests.integration.test_langgraph_server import (
    DELIVERABLE,
    EMAIL,
    EMAIL_TITLE,
    _decision,
    _sent_with,
    _stored,
    answering,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

DEADLINE_S = 60.0


@pytest.fixture
def server(langgraph_server: LangGraphServer) -> Iterator[LangGraphServer]:
    """The session's server; each test says how its model answers, and the answer is reset."""
    yield langgraph_server
    langgraph_server.model.default = None


@pytest.fixture
def sdk(server: LangGraphServer) -> SyncLangGraphClient:
    return get_sync_client(url=server.url, headers=server.api_headers)


def _email_decision() -> Classification:
    return _decision(execution_type=ExecutionType.SEMI_AUTOMATED, route="email")


def _answer_with_an_email(server: LangGraphServer) -> str:
    """The model proposes sending one email with a unique subject; returns the subject."""
    subject = f"Thursday's review ({uuid.uuid4().hex[:8]})"
    email = {**EMAIL, "subject": subject}
    server.model.default = answering(
        _email_decision(),
        deliverable="I sent Maria the confirmation.",
        tool_call=ToolCall("send_email", email),
        email=email,
    )
    return subject


def _api(server: LangGraphServer, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(
        method, f"{server.url}{path}", headers=server.api_headers, timeout=60, **kwargs
    )


def _create_task(server: LangGraphServer) -> str:
    created = _api(
        server,
        "POST",
        "/api/tasks",
        json={"title": EMAIL_TITLE, "execution_type": "semi_automated"},
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _execute_through_the_api(server: LangGraphServer) -> tuple[str, str, dict[str, Any]]:
    subject = _answer_with_an_email(server)
    task_id = _create_task(server)
    executed = _api(server, "POST", "/api/tasks/execute", json={"taskId": task_id})
    assert executed.status_code == 200, executed.text
    return task_id, subject, executed.json()


def test_task_executed_through_the_api_is_a_thread_with_its_interrupt(
    server: LangGraphServer, sdk: SyncLangGraphClient
) -> None:
    task_id, subject, answer = _execute_through_the_api(server)

    thread = sdk.threads.get(task_id)

    assert thread["status"] == "interrupted"
    (interrupt,) = sdk.threads.get_state(task_id)["interrupts"]
    [action] = interrupt["value"]["action_requests"]
    assert (action["name"], action["args"]["subject"]) == ("send_email", subject)
    assert answer["success"] is True
    assert answer["approval"] == interrupt["value"]
    assert _stored(server, task_id)["status"] == ExecutionStatus.PAUSED.value
    assert _sent_with(server, subject) == []


def test_standard_hitl_approve_through_the_sdk_sends_the_api_task_email_once(
    server: LangGraphServer, sdk: SyncLangGraphClient
) -> None:
    task_id, subject, _ = _execute_through_the_api(server)

    output = sdk.runs.wait(
        task_id, "execute_task", command={"resume": {"decisions": [{"type": "approve"}]}}
    )

    assert isinstance(output, dict)
    assert output["status"] == ExecutionStatus.COMPLETED.value
    assert _stored(server, task_id)["status"] == ExecutionStatus.COMPLETED.value
    (sent,) = _sent_with(server, subject)
    assert sent.to == EMAIL["to"]
    again = _api(server, "POST", f"/api/tasks/{task_id}/approve")
    assert again.status_code == 409
    assert len(_sent_with(server, subject)) == 1


@pytest.mark.parametrize("approved_through", ["delegate_api", "sdk"])
def test_a_new_run_on_a_thread_waiting_for_approval_keeps_the_approval_pending(
    server: LangGraphServer, sdk: SyncLangGraphClient, approved_through: str
) -> None:
    task_id, subject, answer = _execute_through_the_api(server)

    sdk.runs.wait(task_id, "execute_task", input={"task_id": task_id})

    (interrupt,) = sdk.threads.get_state(task_id)["interrupts"]
    assert interrupt["value"] == answer["approval"]  # the same request, asked again
    inbox = _api(server, "GET", "/api/approvals").json()["approvals"]
    assert [i["approval"] for i in inbox if i["task_id"] == task_id] == [answer["approval"]]
    if approved_through == "sdk":
        approve = {"resume": {"decisions": [{"type": "approve"}]}}
        output = sdk.runs.wait(task_id, "execute_task", command=approve)
        assert isinstance(output, dict) and output["status"] == "completed", output
    else:
        approved = _api(server, "POST", f"/api/tasks/{task_id}/approve")
        assert approved.status_code == 200, approved.text
    assert _stored(server, task_id)["status"] == ExecutionStatus.COMPLETED.value
    assert len(_sent_with(server, subject)) == 1


@pytest.mark.parametrize("started_with", ["title", "task_id"])
def test_run_started_through_the_langgraph_api_is_approved_through_delegates_api(
    server: LangGraphServer, sdk: SyncLangGraphClient, started_with: str
) -> None:
    subject = _answer_with_an_email(server)
    thread = sdk.threads.create()
    if started_with == "title":
        run_input: dict[str, Any] = {"title": EMAIL_TITLE, "execution_type": "semi_automated"}
        task_id = str(thread["thread_id"])
    else:  # an existing task, run on a thread of the client's own
        task_id = _create_task(server)
        run_input = {"task_id": task_id}
    run = sdk.runs.create(thread["thread_id"], "execute_task", input=run_input)
    sdk.runs.join(thread["thread_id"], run["run_id"])

    inbox = _api(server, "GET", "/api/approvals").json()["approvals"]
    approved = _api(server, "POST", f"/api/tasks/{task_id}/approve")

    listed = [item for item in inbox if item["task_id"] == task_id]
    assert len(listed) == 1
    assert listed[0]["approval"]["action_requests"][0]["args"]["subject"] == subject
    assert approved.status_code == 200, approved.text
    assert approved.json()["success"] is True
    assert _stored(server, task_id)["status"] == ExecutionStatus.COMPLETED.value
    assert sdk.threads.get_state(thread["thread_id"])["interrupts"] == []
    assert len(_sent_with(server, subject)) == 1


def test_a_thread_that_never_ran_does_not_stop_a_client_run_being_approved(
    server: LangGraphServer, sdk: SyncLangGraphClient
) -> None:
    sdk.threads.create()  # as Studio makes one: no run, no values
    subject = _answer_with_an_email(server)
    thread = sdk.threads.create()
    task_id = _create_task(server)
    run = sdk.runs.create(thread["thread_id"], "execute_task", input={"task_id": task_id})
    sdk.runs.join(thread["thread_id"], run["run_id"])

    approved = _api(server, "POST", f"/api/tasks/{task_id}/approve")

    assert approved.status_code == 200, approved.text
    assert len(_sent_with(server, subject)) == 1


def _wait_for(condition: Any, what: str) -> Any:
    started = time.monotonic()
    pause = threading.Event()
    while time.monotonic() - started < DEADLINE_S:
        found = condition()
        if found:
            return found
        pause.wait(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _claim_of(server: LangGraphServer, task_id: str) -> tuple[str, str | None]:
    db = server.database
    try:
        with db.session() as session:
            task = session.get(Task, task_id)
            assert task is not None
            return task.execution_status, task.claim_owner
    finally:
        db.dispose()


def test_api_execute_of_a_task_a_server_run_owns_is_refused_with_409(
    server: LangGraphServer, sdk: SyncLangGraphClient
) -> None:
    release = threading.Event()
    writing = answering(_decision())

    def slow_writer(request: StandinRequest) -> Any:
        if "Classification" not in request.tool_names:
            release.wait(DEADLINE_S)  # the run stays in execute until the test has tried
        return writing(request)

    server.model.default = slow_writer
    task_id = str(
        _api(server, "POST", "/api/tasks", json={"title": "Draft a note to the team"}).json()["id"]
    )
    thread = sdk.threads.create()
    run = sdk.runs.create(thread["thread_id"], "execute_task", input={"task_id": task_id})
    try:
        _, owner = _wait_for(
            lambda: (s := _claim_of(server, task_id))[1] and s, "the server run's claim"
        )
        log_before = len(_stored(server, task_id)["log"])

        refused = _api(server, "POST", "/api/tasks/execute", json={"taskId": task_id})
    finally:
        release.set()
    sdk.runs.join(thread["thread_id"], run["run_id"])

    assert owner == f"langgraph-run/{run['run_id']}"
    assert refused.status_code == 409
    assert "already running since" in refused.json()["detail"]
    assert owner in refused.json()["detail"]
    stored = _stored(server, task_id)
    assert stored["status"] == ExecutionStatus.COMPLETED.value
    assert len([e for e in stored["log"][log_before:] if e.get("event") == "started"]) == 0
    assert _claim_of(server, task_id) == (ExecutionStatus.COMPLETED.value, None)


def test_delegate_approvals_lists_a_server_run_and_delegate_approve_resumes_it(
    server: LangGraphServer, sdk: SyncLangGraphClient
) -> None:
    subject = _answer_with_an_email(server)
    thread = sdk.threads.create()
    task_id = str(thread["thread_id"])
    sdk.runs.wait(
        task_id,
        "execute_task",
        input={"title": EMAIL_TITLE, "execution_type": "semi_automated"},
    )
    cli = CliRunner()
    env = {
        "DELEGATE_DATABASE_URL": server.database_url,
        "DELEGATE_LANGGRAPH_URL": server.url,
        "DELEGATE_API_KEY": server.api_key,
    }

    listed = cli.invoke(app, ["approvals", "--json"], env=env)
    approved = cli.invoke(app, ["approve", task_id, "--json"], env=env)

    assert listed.exit_code == 0, listed.output
    (item,) = [i for i in json.loads(listed.stdout) if i["task_id"] == task_id]
    assert item["approval"]["action_requests"][0]["args"]["subject"] == subject
    assert approved.exit_code == 0, approved.output
    assert json.loads(approved.stdout)["success"] is True
    assert _stored(server, task_id)["status"] == ExecutionStatus.COMPLETED.value
    assert sdk.threads.get_state(task_id)["interrupts"] == []
    assert len(_sent_with(server, subject)) == 1


def test_concurrent_api_executes_start_one_server_run_with_one_approval(
    server: LangGraphServer, sdk: SyncLangGraphClient
) -> None:
    subject = _answer_with_an_email(server)
    task_id = _create_task(server)
    start = threading.Barrier(5)
    answers: list[httpx.Response] = []

    def execute() -> None:
        start.wait(DEADLINE_S)
        answers.append(_api(server, "POST", "/api/tasks/execute", json={"taskId": task_id}))

    clicks = [threading.Thread(target=execute) for _ in range(5)]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join(DEADLINE_S)

    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 409, 409, 409, 409], [a.text for a in answers]
    assert len(sdk.runs.list(task_id)) == 1
    (interrupt,) = sdk.threads.get_state(task_id)["interrupts"]
    assert interrupt["value"]["action_requests"][0]["args"]["subject"] == subject
    inbox = _api(server, "GET", "/api/approvals").json()["approvals"]
    assert [i["task_id"] for i in inbox].count(task_id) == 1
    started = [e for e in _stored(server, task_id)["log"] if e.get("event") == "started"]
    assert len(started) == 1


def test_cli_run_paused_in_the_stores_checkpointer_is_in_the_servers_inbox_and_approved_there(
    server: LangGraphServer, monkeypatch: pytest.MonkeyPatch
) -> None:

    monkeypatch.setenv("OPENAI_BASE_URL", server.model.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", STANDIN_API_KEY)
    subject = _answer_with_an_email(server)
    task_id = _create_task(server)
    db = server.database
    try:  # `delegate execute` without a server: Delegate's own checkpointer
        with task_runner(db, organization=DEFAULT_ORG, model=STANDIN_MODEL) as local:
            paused = local.execute(task_id)
    finally:
        db.dispose()
    assert paused["status"] == ExecutionStatus.PAUSED.value

    inbox = _api(server, "GET", "/api/approvals").json()["approvals"]
    approved = _api(server, "POST", f"/api/tasks/{task_id}/approve")

    assert [i["task_id"] for i in inbox].count(task_id) == 1
    assert approved.status_code == 200, approved.text
    assert _stored(server, task_id)["status"] == ExecutionStatus.COMPLETED.value
    assert len(_sent_with(server, subject)) == 1


def test_recover_carries_on_a_dead_server_runs_task_through_the_server(
    server: LangGraphServer, sdk: SyncLangGraphClient
) -> None:

    server.model.default = answering(_decision())
    task_id = str(
        _api(server, "POST", "/api/tasks", json={"title": "Draft a note to the team"}).json()["id"]
    )
    db = server.database
    try:  # a server run claimed and started it, then died before its first checkpoint
        with db.session() as session:
            org_id = ensure_organization(session, DEFAULT_ORG).id
        with db.transaction() as conn:
            claims.claim_task(
                conn,
                org_id,
                task_id,
                "langgraph-run/dead",
                statuses={ExecutionStatus.PENDING},
                lease=1,
                now=utcnow() - timedelta(minutes=5),
            )
            repo.start_task_execution(conn, org_id, task_id)
    finally:
        db.dispose()

    recovered = _api(server, "POST", f"/api/tasks/{task_id}/recover")

    assert recovered.status_code == 200, recovered.text
    assert recovered.json()["result"] == DELIVERABLE
    assert sdk.threads.get(task_id)["status"] == "idle"
    events = [e.get("event") for e in _stored(server, task_id)["log"]]
    assert events.count("completed") == 1
    assert any(e.get("taken_over") for e in _stored(server, task_id)["log"])
