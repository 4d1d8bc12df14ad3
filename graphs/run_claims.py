"""The claim of an execute_task run that the LangGraph server started: one owner per run there
too.

TaskRunner (CLI, standalone API, worker) claims a task before it invokes the graph and holds
the claim in a context variable the nodes inherit. A run the LangGraph server started has no
such caller, so its nodes claim for it: `prepare` claims the task it starts (in the
transaction that marks it in_progress), and the first node of a resumed run (after an
approval) claims the paused task. The owner names the server run (`langgraph-run/<run id>`);
the run's later nodes find its claim here and hold it (so every store write and side effect
is fenced), and a lease keeper renews it while a node works. Leaving in_progress (completed,
blocked, paused at an approval, failed) ends the claim in the store; a run that dies keeps
its task until the lease expires, then any worker or `recover` carries it on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

from langgraph.config import get_config
from langgraph.errors import GraphInterrupt

from store import claims
from store.claims import Claim, LeaseKeeper
from store.db import Database, Transaction
from store.enums import ExecutionStatus
from store.fencing import held_claim

S = ExecutionStatus
#: What a server run's prepare claims: a fresh start, or a run whose owner's lease expired.
STARTABLE = frozenset({S.PENDING, S.QUEUED, S.BLOCKED, S.IN_PROGRESS})
#: What the first node of a resumed server run claims: the paused run, or one left behind.
RESUMABLE = frozenset({S.PAUSED, S.IN_PROGRESS})
#: The owner prefix of a LangGraph server run's claims.
OWNER_PREFIX = "langgraph-run/"


#: The configurable keys of a claim the caller hands to the run (Delegate's API under the
#: server claims the task before it starts the run, so a second request is refused at once).
HANDED_OWNER = "delegate_claim_owner"
HANDED_TOKEN = "delegate_claim_token"


def _configurable() -> dict[str, Any]:
    try:
        return dict(get_config().get("configurable") or {})
    except RuntimeError:  # outside a run
        return {}


def server_run_id() -> str | None:
    """The LangGraph server's id of the current run; None outside a server run (a TaskRunner
    or a direct `invoke` has none)."""
    run_id = _configurable().get("run_id")
    return str(run_id) if run_id else None


def _take(
    tx: Transaction,
    org_id: str,
    task_id: str,
    run_id: str,
    statuses: frozenset[ExecutionStatus],
    lease: float,
) -> Claim:
    """Claim the task for the run, or take over the claim its caller handed it."""
    configurable = _configurable()
    owner, token = configurable.get(HANDED_OWNER), configurable.get(HANDED_TOKEN)
    if isinstance(owner, str) and isinstance(token, int):
        return claims.hand_over(
            tx, org_id, task_id, owner, token, OWNER_PREFIX + run_id, lease=lease
        )
    return claims.claim_task(
        tx, org_id, task_id, OWNER_PREFIX + run_id, statuses=statuses, lease=lease
    )


class _RunClaims(LeaseKeeper):
    """The claims of the server runs in this process by (run id, task id), and their leases."""

    def __init__(self, db: Database, *, lease: float) -> None:
        super().__init__(db, lease=lease)
        self._runs_lock = threading.Lock()
        self._by_run: dict[tuple[str, str], Claim] = {}

    def held(self, run_id: str, task_id: str) -> Claim | None:
        with self._runs_lock:
            return self._by_run.get((run_id, task_id))

    def hold(self, run_id: str, claim: Claim) -> None:
        with self._runs_lock:
            self._by_run[(run_id, claim.task_id)] = claim

    def forget(self, run_id: str, task_id: str) -> Claim | None:
        with self._runs_lock:
            claim = self._by_run.pop((run_id, task_id), None)
        if claim is not None:
            super().drop(claim)
        return claim

    def stop_renewing(self, claim: Claim) -> None:
        super().drop(claim)

    def drop(self, claim: Claim) -> None:
        super().drop(claim)  # renewal found it ended (or taken over): forget it too
        with self._runs_lock:
            for key in [k for k, c in self._by_run.items() if c == claim]:
                del self._by_run[key]


#: One keeper per database and lease length (DELEGATE_LEASE_SECONDS, read at each claim).
_keepers: dict[tuple[str, float], _RunClaims] = {}
_keepers_lock = threading.Lock()


def _keeper(db: Database) -> _RunClaims:
    key = (db.url, claims.lease_seconds())
    with _keepers_lock:
        keeper = _keepers.get(key)
        if keeper is None:
            keeper = _keepers[key] = _RunClaims(db, lease=key[1])
        return keeper


def claim_for_server_run(
    tx: Transaction, db: Database, org_id: str, task_id: str, *, answered: bool = False
) -> Claim | None:
    """In prepare, inside the transaction that starts the task: claim it for this server run
    (AlreadyClaimed or Conflict when it cannot be, and the transaction writes nothing); a
    paused task too once a person `answered` the approval it waits on. None when the caller
    already holds a claim (TaskRunner) or the run is not a server run."""
    run_id = server_run_id()
    if run_id is None or held_claim(task_id) is not None:
        return None
    keeper = _keeper(db)
    mine = keeper.held(run_id, task_id)
    if mine is not None:  # prepare again in the same run (a retry): its claim still holds
        return mine
    statuses = STARTABLE | RESUMABLE if answered else STARTABLE
    claim = _take(tx, org_id, task_id, run_id, statuses, keeper.lease)
    keeper.hold(run_id, claim)
    return claim


@contextmanager
def holding_run_claim(
    db: Database, org_id: str, task_id: str | None, *, last: bool = False, claim: bool = True
) -> Iterator[None]:
    """Around a node of a server run: hold the run's claim on `task_id` and renew its lease
    while the node works. A run resumed after an approval has none yet: its first node claims
    the paused task (unless `claim` is False). After the `last` node, or a pause for a person,
    the run's claim ends. Nothing to do under a TaskRunner or outside the server."""
    run_id = server_run_id()
    if not task_id or run_id is None or held_claim(task_id) is not None:
        yield
        return
    keeper = _keeper(db)
    held = keeper.held(run_id, task_id)
    if held is None and claim:
        with db.transaction(org_id) as conn:
            held = _take(conn, org_id, task_id, run_id, RESUMABLE, keeper.lease)
        keeper.hold(run_id, held)
    if held is None:
        yield
        return
    keeper.keep(held)
    stopped = last
    try:
        with claims.holding(held):
            yield
    except GraphInterrupt:
        stopped = True  # paused for a person: the pause ended the claim in the store
        raise
    except BaseException:
        stopped = False  # kept for the node's retry or the error handler
        raise
    finally:
        # Renewal runs only while a node works: a run that stops (killed, cancelled) lets its
        # lease lapse, and then a worker or `recover` carries the task on.
        keeper.stop_renewing(held)
        if stopped:
            forget_run_claim(db, run_id, task_id)


def abandon_run_claim(db: Database, claim: Claim) -> None:
    """Forget a claim whose transaction rolled back (prepare refused to start the task)."""
    run_id = server_run_id()
    if run_id is not None:
        _keeper(db).forget(run_id, claim.task_id)


def forget_run_claim(db: Database, run_id: str, task_id: str) -> None:
    """The run has stopped working on the task: end its claim (release keeps an in_progress
    task's owner, with its lease expired now) and forget it."""
    claim = _keeper(db).forget(run_id, task_id)
    if claim is not None:
        with db.transaction(claim.org_id) as conn:
            claims.release(conn, claim)


N = TypeVar("N", bound=Callable[..., Any])


def under_run_claim(node: N, *, last: bool = False) -> N:
    """Wrap a node `(state, runtime)` of execute_task so a server run holds its claim in it;
    `last` for the nodes after which the run ends."""

    @wraps(node)
    def wrapped(state: Any, runtime: Any) -> Any:
        ctx = runtime.context
        with holding_run_claim(ctx.database(), ctx.org_id(), state.get("task_id"), last=last):
            return node(state, runtime)

    return wrapped  # type: ignore[return-value]
