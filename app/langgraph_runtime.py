"""One runtime: under the LangGraph server, tasks run as server runs wherever they are started.

When langgraph.json mounts Delegate's HTTP API next to the LangGraph server's routes, every
run the API starts or resumes is a run of the server's `execute_task` assistant on the thread
whose id is the task id, so LangGraph Studio and Agent Inbox see every task and its pending
approval. The API reaches the server in-process (an ASGI transport to the server's own app)
with the caller's `Authorization` header, so the custom auth (app/api/langgraph_auth.py)
gives the run the caller's organization and tags the thread with it. The CLI does the same
over HTTP when DELEGATE_LANGGRAPH_URL and DELEGATE_API_KEY name a server. The runner claims
the task as standalone does (a second claimant gets the 409, and no run is started), and the
server run takes the claim over in its first node (graphs/run_claims.py).

Approvals are found wherever the run lives: on the task's thread, on a thread a LangGraph
API client ran the task on (`{"task_id"}` input), or in Delegate's own checkpointer (a run
the CLI or a worker started standalone); each is resumed where it lives. Standalone
(`delegate serve`, the CLI, workers without a server) runs go through graphs/runner.py.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import anyio.from_thread
import httpx
from langgraph.types import Interrupt

from graphs import run_claims
from graphs.run_protocol import approval_asked
from graphs.runner import STARTABLE, TaskRunner, interrupted_outcome
from store import claims, task_rows
from store.approval_decisions import recorded_decision
from store.awaited_approvals import AwaitedApproval
from store.claims import AlreadyClaimed, Claim
from store.db import ALL_ORGANIZATIONS, Database
from store.enums import ExecutionStatus
from store.errors import ConfigurationError, Conflict, DelegateError
from store.redaction import redact_value

#: The graph (langgraph.json) the API's runs use.
ASSISTANT = "execute_task"
RUNTIMES = ("langgraph", "standalone")

S = ExecutionStatus
T = TypeVar("T")


def under_langgraph_server() -> bool:
    """Whether this process is a LangGraph server serving execute_task.

    DELEGATE_RUNTIME=langgraph|standalone says so explicitly; unset, the server's own setting
    decides: `langgraph dev` and the server's image set LANGSERVE_GRAPHS (langgraph.json's
    graphs) in the environment of the process that mounts this API."""
    runtime = os.environ.get("DELEGATE_RUNTIME", "").strip().lower()
    if runtime:
        if runtime not in RUNTIMES:
            raise ConfigurationError(
                f"DELEGATE_RUNTIME must be langgraph or standalone, not {runtime!r}"
            )
        return runtime == "langgraph"
    try:
        graphs = json.loads(os.environ.get("LANGSERVE_GRAPHS") or "{}")
    except ValueError:
        return False
    return isinstance(graphs, dict) and ASSISTANT in graphs


def configured_server() -> tuple[str, str] | None:
    """(URL, API key) of the LangGraph server the CLI runs tasks through, from
    DELEGATE_LANGGRAPH_URL and DELEGATE_API_KEY; None when no server is named."""
    url = os.environ.get("DELEGATE_LANGGRAPH_URL", "").strip().rstrip("/")
    if not url:
        return None
    key = os.environ.get("DELEGATE_API_KEY", "").strip()
    if not key:
        raise ConfigurationError(
            "DELEGATE_LANGGRAPH_URL needs DELEGATE_API_KEY (a key from `delegate keys create`)"
        )
    return url, key


def _server_client(authorization: str, url: str | None) -> Any:
    """A langgraph_sdk client of the server at `url`, or of the one this process serves.

    In-process, `get_client()` without a URL would reach the server through its auth-free
    loopback path, where runs get no user and so no organization: this client goes through
    the custom auth with the caller's key, like any client of the server."""
    from langgraph_sdk.client import LangGraphClient

    transport: httpx.AsyncBaseTransport
    if url is None:
        from langgraph_api import config as server_config
        from langgraph_api.server import app as server_app

        transport = httpx.ASGITransport(app=server_app)
        # A deployment's `http.mount_prefix` moves the server's routes under it.
        url = "http://langgraph-server" + (getattr(server_config, "MOUNT_PREFIX", None) or "")
    else:
        transport = httpx.AsyncHTTPTransport(retries=2)
    http = httpx.AsyncClient(
        transport=transport,
        base_url=url,
        headers={"Authorization": authorization},
        timeout=httpx.Timeout(connect=5, read=None, write=30, pool=5),
    )
    return LangGraphClient(http)


def _delegate_error(name: str, message: str) -> Exception:
    """The DelegateError a server run failed with, rebuilt from its class name (a 409 stays a
    409 through the API); any other failure as a RuntimeError."""
    pending: list[type[DelegateError]] = [DelegateError]
    while pending:
        cls = pending.pop()
        if cls.__name__ == name:
            return cls(message)
        pending.extend(cls.__subclasses__())
    return RuntimeError(f"the execute_task run failed: {name}")


def _interrupts_of(thread: dict[str, Any]) -> list[dict[str, Any]]:
    """The pending interrupts of a thread as the server lists them (by task of the run)."""
    return [i for group in (thread.get("interrupts") or {}).values() for i in group]


class ServerTaskRunner(TaskRunner):
    """A TaskRunner whose runs are LangGraph server runs, for one caller (API request, CLI).

    It shares the organization's standalone runner (its store, context and checkpointer, for
    runs that live there) and overrides where interrupts are found (`pending_interrupts`) and
    where a claimed run is carried out (`run_claimed`: the server, which takes the claim
    over). Everything else (the claim itself, which answers are valid, the inbox rows, a
    person completing or retrying a task) is TaskRunner's."""

    def __init__(self, local: TaskRunner, authorization: str, url: str | None = None) -> None:
        # The organization's runner, not a copy: its graph, context and leases are shared.
        self.__dict__.update(vars(local))
        self._authorization = authorization
        self._url = url
        """The server's URL; None: the server this process serves (in-process)."""
        self._threads: dict[str, str] = {}  # task id -> thread with its pending interrupt
        self._local: dict[str, bool] = {}  # task id -> its run lives in the checkpointer
        self._inbox: dict[str, tuple[str, list[dict[str, Any]]]] | None = None
        """While listing the inbox: the interrupted server threads by task id."""

    def _call(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """Run `work(client)`: in-process on the server's event loop (the API's routes run in
        its worker threads), else on an event loop of its own (the CLI)."""

        async def call() -> T:
            client = _server_client(self._authorization, self._url)
            try:
                return await work(client)
            finally:
                await client.aclose()

        if self._url is None:
            return anyio.from_thread.run(call)
        try:
            return asyncio.run(call())
        except httpx.TransportError as exc:  # no answer at all: name the server and why
            raise ConfigurationError(
                f"cannot reach the LangGraph server at {self._url} (DELEGATE_LANGGRAPH_URL): "
                f"{exc or type(exc).__name__}"
            ) from None

    # -- where a task's pending interrupt lives ------------------------------------------------

    def pending_interrupts(self, task_id: str) -> list[Any]:
        """The task's interrupts on the server (its own thread, else a thread a LangGraph API
        client ran it on), else in the standalone checkpointer."""

        async def find(client: Any) -> tuple[str, list[dict[str, Any]]] | None:
            threads = []
            try:
                threads.append(await client.threads.get(task_id))
            except httpx.HTTPStatusError as exc:
                if exc.response.status_code != 404:
                    raise
            # Not a `values={"task_id": ...}` search: the in-memory runtime (`langgraph dev`)
            # fails it on any thread that never ran (Studio makes such threads).
            interrupted = await client.threads.search(
                status="interrupted", limit=1000, sort_by="updated_at", sort_order="desc"
            )
            threads += [t for t in interrupted if (t.get("values") or {}).get("task_id") == task_id]
            for thread in threads:
                found = _interrupts_of(thread)
                if found and (thread.get("values") or {}).get("task_id") in (task_id, None):
                    return str(thread["thread_id"]), found
            return None

        on_server = self._call(find) if self._inbox is None else self._inbox.get(task_id)
        if on_server is None:
            self._threads.pop(task_id, None)
            return super().pending_interrupts(task_id)
        thread_id, interrupts = on_server
        self._threads[task_id] = thread_id
        return [Interrupt(value=i.get("value"), id=str(i.get("id"))) for i in interrupts]

    def pending_approvals(self, limit: int = 200) -> list[dict[str, Any]]:
        """TaskRunner's inbox, with the organization's interrupted server threads fetched in
        one search instead of a lookup per waiting task."""
        with self._interrupted_threads():
            return super().pending_approvals(limit)

    def _not_saved_among(self, waiting: list[str]) -> list[str]:
        """TaskRunner's, with the interrupted server threads fetched in one search (a task
        found there waits for a person); each task it finds is looked up again as it is
        recovered."""
        with self._interrupted_threads():
            return super()._not_saved_among(waiting)

    @contextmanager
    def _interrupted_threads(self) -> Iterator[None]:
        """While open, `pending_interrupts` reads the organization's interrupted server
        threads from one search made here."""

        async def interrupted(client: Any) -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = await client.threads.search(
                status="interrupted", limit=1000, sort_by="updated_at", sort_order="desc"
            )
            return found

        inbox: dict[str, tuple[str, list[dict[str, Any]]]] = {}
        for thread in self._call(interrupted):
            task_id = str((thread.get("values") or {}).get("task_id") or "")
            found = _interrupts_of(thread)
            if task_id and found and task_id not in inbox:
                inbox[task_id] = (str(thread["thread_id"]), found)
        self._inbox = inbox
        try:
            yield
        finally:
            self._inbox = None

    # -- claim and run -------------------------------------------------------------------------

    def claim(
        self,
        task_id: str,
        statuses: frozenset[ExecutionStatus],
        *,
        decision: dict[str, Any] | None = None,
        kept: AwaitedApproval | None = None,
    ) -> Claim:
        """Claim the task for this request as standalone does (a second claimant gets
        AlreadyClaimed and nothing is written, on the server neither); the server run this
        runner starts then takes the claim over in its first node. Notes where the run
        lives, before the claim replaces the owner that tells."""
        with self.db.read_transaction(self.org_id) as conn:
            row = task_rows.read(conn, self.org_id, task_id)
        if row is not None:
            self._local[task_id] = self._lives_locally(row)
        return super().claim(task_id, statuses, decision=decision, kept=kept)

    def _lives_locally(self, row: Any) -> bool:
        """A run of the standalone checkpointer: its interrupt is there, or its owner was a
        standalone runner (not a server run) and the task is still mid-run."""
        if row.execution_status == S.PAUSED.value:
            return self._threads.get(row.id) is None and (
                bool(super().pending_interrupts(row.id)) or super()._stopped_asking(row.id)
            )
        owner = row.claim_owner or ""
        return (
            row.execution_status == S.IN_PROGRESS.value
            and bool(owner)
            and not owner.startswith(run_claims.OWNER_PREFIX)
        )

    def run_claimed(self, claim: Claim, *, run_subtasks: bool = False) -> dict[str, Any]:
        """Start or resume the claimed task's run where it lives: on the server, which takes
        the claim over (this request renews it until then and releases what is left)."""
        local = self._local.pop(claim.task_id, None)
        if local or (local is None and not self._on_server(claim.task_id)):
            return super().run_claimed(claim, run_subtasks=run_subtasks)
        self.leases.keep(claim)
        try:
            outcome = self._run_on_server(claim)
        finally:
            self.leases.drop(claim)
            with self.db.transaction(self.org_id) as conn:
                claims.release(conn, claim)  # a no-op once the server run took it over
        if run_subtasks and outcome.get("strategy") == "decompose":
            outcome["subtasks"] = self._run_subtasks(outcome.get("subtasks") or [])
        return outcome

    def _run_on_server(self, claim: Claim) -> dict[str, Any]:
        task_id = claim.task_id
        thread_id, request = self._request_for(claim)
        handed = {run_claims.HANDED_OWNER: claim.owner, run_claims.HANDED_TOKEN: claim.token}

        async def run(client: Any) -> tuple[Any, Any]:
            await client.threads.create(thread_id=thread_id, if_exists="do_nothing")
            try:
                values = await client.runs.wait(
                    thread_id,
                    ASSISTANT,
                    config={"configurable": handed},
                    multitask_strategy="reject",
                    raise_error=False,
                    **request,
                )
            except httpx.HTTPStatusError as exc:
                if exc.response.status_code == 409:  # a run of its thread is in progress
                    raise AlreadyClaimed(f"task {task_id} is already running") from None
                raise
            return values, await client.threads.get_state(thread_id)

        values, state = self._call(run)
        if isinstance(values, dict) and isinstance(values.get("__error__"), dict):
            error = values["__error__"]
            raise _delegate_error(str(error.get("error")), str(error.get("message") or ""))
        outcome = {k: v for k, v in (values or {}).items() if v is not None and k[:2] != "__"}
        outcome = redact_value(outcome)
        interrupts = [i.get("value") for i in state.get("interrupts") or []]
        if interrupts:
            outcome = interrupted_outcome(outcome, task_id, interrupts)
        return outcome

    def _request_for(self, claim: Claim) -> tuple[str, dict[str, Any]]:
        """The thread and the run request (input or resume command) for a claimed task."""
        task_id = claim.task_id
        if claim.status in STARTABLE:
            return task_id, {"input": {"task_id": task_id}}
        pending = self._approval_interrupt(task_id)
        thread_id = self._threads.get(task_id, task_id)
        if pending is not None:
            decision = recorded_decision(self.db, self.org_id, task_id, pending.id)
            if decision is None:
                raise Conflict(f"task {task_id} is waiting for approval: approve or reject it")
            return thread_id, {"command": {"resume": {pending.id: decision}}}
        if claim.status is S.PAUSED and not self._stopped_asking(task_id):
            raise Conflict(f"task {task_id} is paused: it waits on a person or its subtasks")
        # A server run that died mid-run (or saving its approval request, which the step
        # then asks again): carry on from its thread's last checkpoint.
        if self._has_next(thread_id):
            return thread_id, {"input": None}
        return thread_id, {"input": {"task_id": task_id}}

    def _stopped_asking(self, task_id: str) -> bool:
        """Whether the gate paused the task to ask a person and no interrupt asks it: a server
        run ends its claim as the interrupt is raised, so a server killed before it saved the
        interrupt leaves only the store knowing (its thread may be gone with it). The run
        carries on from its thread's last checkpoint, else a new run's prepare asks again."""
        return approval_asked(self.db, self.org_id, task_id) or super()._stopped_asking(task_id)

    def _on_server(self, task_id: str) -> bool:
        """Whether the task has a thread on the server (for a claim this runner did not
        make itself, e.g. `recover_all`'s)."""
        self.pending_interrupts(task_id)  # notes a thread another client ran it on
        return task_id in self._threads or self._has_next(task_id)

    def _has_next(self, thread_id: str) -> bool:
        async def next_nodes(client: Any) -> bool:
            try:
                state = await client.threads.get_state(thread_id)
            except httpx.HTTPStatusError as exc:
                if exc.response.status_code == 404:
                    return False
                raise
            return bool(state.get("next"))

        return self._call(next_nodes)


@contextmanager
def server_task_runner(
    db: Database, organization: str, url: str, key: str
) -> Iterator[ServerTaskRunner]:
    """For the CLI: a runner whose runs go through the server at `url` with API key `key`,
    for the key's organization (ConfigurationError when `organization` is another one)."""
    from graphs.runner import task_runner
    from store.orgs import authenticate

    # Finds the key's organization: the lookup must see every organization's keys.
    with db.session(ALL_ORGANIZATIONS) as session:
        owner = authenticate(session, key).name
    if owner != organization:
        raise ConfigurationError(
            f"DELEGATE_API_KEY belongs to organization {owner!r}, not {organization!r}: "
            f"run with --org {owner}"
        )
    with task_runner(db, organization=owner) as local:
        yield ServerTaskRunner(local, f"Bearer {key}", url=url)
