"""A LangGraph server (`langgraph dev`) SIGKILLed as a run pauses for approval: the run ended
its claim as the interrupt was raised, and the server died before it saved the interrupt.

The server process gets a hook (a `sitecustomize` on its PYTHONPATH) that lets the run end
its claim, says so in a marker file, and waits to be killed; the test then SIGKILLs the
server's process group and starts a new server on the same store. The dev server keeps its
runs and threads in memory and writes them to `.langgraph_api/` every 10 s, so two deaths:
- `lost`: it died before writing them (the folder is removed): only the store knows the task
  waits for approval. It is listed from the store; approving it, or `recover`, runs it again
  on its thread, where the same request is asked again.
- `saved`: it died after writing them (the test waits for a write): the new server retries
  the run, whose step asks the same request again.
Either way the same request (same idempotency key) waits, nothing is sent before it is
approved, and approving it sends exactly once. `delegate recover` without an id finds the
lost one and asks again, and leaves the one the new server asked again alone.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from langgraph_sdk import get_sync_client
from typer.testing import CliRunner

from app.cli import app as cli_app
from store import tasks as repo
from store.db import ALL_ORGANIZATIONS, Database
from store.enums import ExecutionStatus
from store.orgs import DEFAULT_ORG, create_api_key, ensure_organization
from tests.fixtures import core
from tests.fixtures.langgraph_server import (
    ROOT,
    LangGraphServer,
    free_port,
    server_environment,
    start_langgraph_dev,
    stop_process_group,
    wait_until_ready,
)
from tests.fixtures.openai_standin import OpenAIStandin
from tests.integration.test_langgraph_server import EMAIL, _sent_with
from tests.integration.test_langgraph_server_runtime import (
    _answer_with_an_email,
    _api,
    _create_task,
    _wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

#: Imported by the server's interpreter at start-up: the run that pauses ends its claim, then
#: stops there until the test kills the server (the interrupt is never saved).
HOOK = """
import os, threading
from pathlib import Path

marker = os.environ.get("DELEGATE_TEST_KILL_MARKER")
if marker:
    from graphs import run_claims

    forget = run_claims.forget_run_claim

    def released_then_stop(db, run_id, task_id):
        forget(db, run_id, task_id)
        Path(marker).write_text(task_id)
        threading.Event().wait()

    run_claims.forget_run_claim = released_then_stop
"""


class KilledServer:
    """A store, its model stand-in, and `langgraph dev` processes started on it in turn."""

    def __init__(self, workdir: Path, database_url: str) -> None:
        self.workdir = workdir
        self.database_url = database_url
        db = Database(database_url, default_org_id=ALL_ORGANIZATIONS)
        with db.session() as session:
            org = ensure_organization(session, DEFAULT_ORG)
            self.org_id = org.id
            self.api_key = create_api_key(session, org.id, "killed-server-test")
        db.dispose()
        self.model = OpenAIStandin()
        self.model.start()
        self.server: LangGraphServer | None = None

    def start(self, *, kill_marker: Path | None = None) -> LangGraphServer:
        env = server_environment(self.database_url, self.model)
        if kill_marker is not None:
            hooks = self.workdir / "hooks"
            hooks.mkdir(exist_ok=True)
            (hooks / "sitecustomize.py").write_text(HOOK)
            env["PYTHONPATH"] = os.pathsep.join([str(hooks), str(ROOT)])
            env["DELEGATE_TEST_KILL_MARKER"] = str(kill_marker)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process = start_langgraph_dev(self.workdir, port, env)
        self.server = LangGraphServer(
            url, self.database_url, self.api_key, self.model, self.workdir, process
        )
        try:
            wait_until_ready(process, url)
        except (RuntimeError, TimeoutError) as exc:
            stop_process_group(process)
            pytest.fail(f"{exc}\n--- server log ---\n{self.server.log_tail()}")
        return self.server

    def kill(self) -> None:
        assert self.server is not None
        os.killpg(self.server.process.pid, signal.SIGKILL)
        self.server.process.wait(30)

    def close(self) -> None:
        if self.server is not None:
            stop_process_group(self.server.process)
        self.model.close()

    def task(self, task_id: str) -> Any:
        db = Database(self.database_url, default_org_id=ALL_ORGANIZATIONS)
        try:
            with db.session() as session:
                task = repo.get_task(session, self.org_id, task_id)
                session.expunge(task)
                return task
        finally:
            db.dispose()


@pytest.fixture
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The store of the servers: PostgreSQL when the suite runs on it, else SQLite."""
    if core.testing_on_postgres():
        return str(request.getfixturevalue("migrated_postgres_url"))
    url = f"sqlite:///{tmp_path / 'delegate.db'}"
    db = Database(url, default_org_id=ALL_ORGANIZATIONS)
    db.upgrade()
    db.dispose()
    return url


@dataclass
class Killed:
    """What a test finds after the kill: the new server and the task it left waiting."""

    servers: KilledServer
    server: LangGraphServer
    """The server started after the kill."""
    task_id: str
    subject: str
    """The subject of the email the task's run proposed."""
    asked: dict[str, Any]
    """The approval request the dead run asked (in the task's log)."""


@pytest.fixture(params=["lost", "saved"])
def killed(request: pytest.FixtureRequest, tmp_path: Path, store_url: str) -> Iterator[Killed]:
    """A semi-automated email task whose server run was killed between the end of its claim
    and the interrupt's checkpoint; then a new server on the same store (in `saved` mode,
    once its retry of the run asked again)."""
    servers = KilledServer(tmp_path, store_url)
    try:
        marker = tmp_path / "released"
        first = servers.start(kill_marker=marker)
        subject = _answer_with_an_email(first)
        task_id = _create_task(first)
        sdk = get_sync_client(url=first.url, headers=first.api_headers)
        sdk.threads.create(thread_id=task_id)
        sdk.runs.create(task_id, "execute_task", input={"task_id": task_id})
        _wait_for(marker.exists, "the run to end its claim at the pause")
        state = tmp_path / ".langgraph_api"
        if request.param == "saved":
            _wait_for(lambda: _written_since(state, marker), "the dev server to write its state")
        servers.kill()
        if request.param == "lost":
            shutil.rmtree(state, ignore_errors=True)
        second = servers.start()
        if request.param == "saved":
            sdk = get_sync_client(url=second.url, headers=second.api_headers)
            _wait_for(
                lambda: sdk.threads.get(task_id)["status"] == "interrupted",
                "the retried run to ask again",
            )
        [asked] = _asked(servers, task_id)
        yield Killed(servers, second, task_id, subject, asked)
    finally:
        servers.close()


def _written_since(state: Path, marker: Path) -> bool:
    """Whether every file of the dev server's state was written after `marker`, its threads
    (the ops file) and checkpoints among them: a server's first flush writes them one by one,
    and a check that saw only the first ones killed it before its threads were saved."""
    files = list(state.glob("*.pckl"))
    names = {f.name for f in files}
    saved = ".langgraph_ops.pckl" in names and any(
        n.startswith(".langgraph_checkpoint.") for n in names
    )
    since = marker.stat().st_mtime_ns
    return saved and all(f.stat().st_mtime_ns > since for f in files)


def _asked(servers: KilledServer, task_id: str) -> list[dict[str, Any]]:
    log = servers.task(task_id).execution_log or []
    return [e["approval"] for e in log if e.get("event") == "approval_requested"]


@pytest.mark.parametrize("killed", ["lost"], indirect=True)
def test_the_killed_pause_leaves_a_paused_task_no_claim_and_no_interrupt(killed: Killed) -> None:
    task = killed.servers.task(killed.task_id)

    assert task.status is ExecutionStatus.PAUSED
    assert task.claim_owner is None
    assert (task.ai_context or {}).get("pending_approval")
    sdk = get_sync_client(url=killed.server.url, headers=killed.server.api_headers)
    assert sdk.threads.search(status="interrupted") == []
    assert _sent_with(killed.server, killed.subject) == []


def test_the_approval_is_listed_with_the_same_request(killed: Killed) -> None:
    inbox = _api(killed.server, "GET", "/api/approvals")

    assert inbox.status_code == 200, inbox.text
    listed = [i for i in inbox.json()["approvals"] if i["task_id"] == killed.task_id]
    assert [i["approval"] for i in listed] == [killed.asked]
    assert _asked(killed.servers, killed.task_id) == [killed.asked]  # logged once


def test_approving_it_sends_the_email_once(killed: Killed) -> None:
    servers, server, task_id, subject, asked = (
        killed.servers,
        killed.server,
        killed.task_id,
        killed.subject,
        killed.asked,
    )

    approved = _api(server, "POST", f"/api/tasks/{task_id}/approve")

    assert approved.status_code == 200, approved.text
    assert approved.json()["success"] is True
    assert servers.task(task_id).status is ExecutionStatus.COMPLETED
    assert [m.to for m in _sent_with(server, subject)] == [EMAIL["to"]]
    assert _asked(servers, task_id) == [asked]  # the proposal met its answer: not asked again
    again = _api(server, "POST", f"/api/tasks/{task_id}/approve")
    assert again.status_code == 409
    assert len(_sent_with(server, subject)) == 1


@pytest.mark.parametrize("killed", ["lost"], indirect=True)
def test_recover_asks_the_same_request_again_on_the_server_thread(killed: Killed) -> None:
    server, task_id, subject, asked = killed.server, killed.task_id, killed.subject, killed.asked

    recovered = _api(server, "POST", f"/api/tasks/{task_id}/recover")

    assert recovered.status_code == 200, recovered.text
    assert recovered.json()["status"] == "paused"
    assert recovered.json()["approval"] == asked
    sdk = get_sync_client(url=server.url, headers=server.api_headers)
    (interrupt,) = sdk.threads.get_state(task_id)["interrupts"]
    assert interrupt["value"]["idempotency_key"] == asked["idempotency_key"]
    inbox = _api(server, "GET", "/api/approvals").json()["approvals"]
    assert [i["task_id"] for i in inbox] == [task_id]
    assert _sent_with(server, subject) == []
    approved = _api(server, "POST", f"/api/tasks/{task_id}/approve")
    assert approved.status_code == 200, approved.text
    assert len(_sent_with(server, subject)) == 1


def _delegate(server: LangGraphServer, *args: str) -> Any:
    """`delegate ARGS` run through the server (DELEGATE_LANGGRAPH_URL), as an operator would."""
    env = {
        "DELEGATE_DATABASE_URL": server.database_url,
        "DELEGATE_LANGGRAPH_URL": server.url,
        "DELEGATE_API_KEY": server.api_key,
    }
    return CliRunner().invoke(cli_app, list(args), env=env)


@pytest.mark.parametrize("killed", ["lost"], indirect=True)
def test_delegate_recover_without_an_id_asks_the_same_request_again_on_the_server(
    killed: Killed,
) -> None:
    server, task_id, subject, asked = killed.server, killed.task_id, killed.subject, killed.asked

    recovered = _delegate(server, "recover")

    assert recovered.exit_code == 0, recovered.output
    assert f"{task_id[:8]} -> paused" in recovered.stdout
    sdk = get_sync_client(url=server.url, headers=server.api_headers)
    (interrupt,) = sdk.threads.get_state(task_id)["interrupts"]
    assert interrupt["value"]["idempotency_key"] == asked["idempotency_key"]
    assert _asked(killed.servers, task_id) == [asked]  # logged once
    assert _sent_with(server, subject) == []


@pytest.mark.parametrize("killed", ["saved"], indirect=True)
def test_delegate_recover_without_an_id_leaves_the_request_the_server_asked_again(
    killed: Killed,
) -> None:
    sdk = get_sync_client(url=killed.server.url, headers=killed.server.api_headers)
    (before,) = sdk.threads.get_state(killed.task_id)["interrupts"]
    token = killed.servers.task(killed.task_id).claim_token

    recovered = _delegate(killed.server, "recover")

    assert recovered.exit_code == 0, recovered.output
    assert "nothing to recover" in recovered.stdout
    (after,) = sdk.threads.get_state(killed.task_id)["interrupts"]
    assert after["id"] == before["id"]
    assert killed.servers.task(killed.task_id).claim_token == token
