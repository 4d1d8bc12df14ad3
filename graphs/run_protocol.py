"""How a claimed run starts and how its result reads: shared by the sync and async runners.

Both runners (graphs.runner for the CLI, API and a one-at-a-time worker; graphs.async_runner
for a worker with many tasks in flight) ask the same questions of a claim: is it a fresh
start, an approval a person answered, or a run another owner left? They differ only in how
they read the checkpoint (get_state or aget_state), so the answers live here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.types import Command

from graphs.context import ProcessContext
from graphs.execute_task import build_graph
from store import claims
from store import tasks as repo
from store.awaited_approvals import AwaitedApproval, awaited_approval
from store.claims import Claim, Clock, LeaseKeeper
from store.db import ALL_ORGANIZATIONS, Database, share_database
from store.enums import ExecutionStatus
from store.errors import Conflict
from store.models import utcnow
from store.orgs import DEFAULT_ORG, ensure_organization
from tools.gate.approval import requested_action

S = ExecutionStatus
#: A fresh run starts from these.
STARTABLE = frozenset({S.PENDING, S.QUEUED, S.BLOCKED})
#: What `execute` claims: a fresh start, or a run whose owner's lease expired.
EXECUTABLE = STARTABLE | {S.IN_PROGRESS}
#: What answering an approval claims: the paused run, or one an earlier approver left.
ANSWERABLE = frozenset({S.PAUSED, S.IN_PROGRESS})
#: What `recover` claims.
RECOVERABLE = frozenset({S.IN_PROGRESS, S.PAUSED})


class ClaimingRunner:
    """What every runner holds: the store, the compiled graph, and who its claims name."""

    role = "runner"

    def __init__(
        self,
        db: Database,
        checkpointer: Any,
        *,
        organization: str = DEFAULT_ORG,
        model: str | None = None,
        owner: str | None = None,
        lease: float | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        share_database(db)  # the nodes' ctx.database() is then this same engine and pool
        self.organization = organization
        self.owner = owner or claims.default_owner(self.role)
        """Who this runner's claims name (host/pid/role/random)."""
        self.lease = claims.lease_seconds() if lease is None else lease
        self.clock = clock
        self.leases = LeaseKeeper(db, lease=self.lease, clock=clock)
        """Renews the lease of every claim a run of this runner holds."""
        self.context = ProcessContext(
            organization_name=organization,
            database_url=db.url,
            **({"model": model} if model else {}),
        )
        self.graph = build_graph().compile(checkpointer=checkpointer, name="execute_task")
        # Finds the organization by name: there is no organization to name yet.
        with db.session(ALL_ORGANIZATIONS) as session:
            self.org_id = ensure_organization(session, organization).id


def thread_config(task_id: str) -> RunnableConfig:
    """The run's config: its thread id is the task id."""
    return {"configurable": {"thread_id": task_id}}


def approval_among(interrupts: Iterable[Any]) -> Any | None:
    """The interrupt that asks a person to approve a side effect, if one is among these."""
    for pending in interrupts:
        if requested_action(getattr(pending, "value", None)) is not None:
            return pending
    return None


def interrupts_of(state: Any) -> list[Any]:
    """The interrupts a thread's state (a StateSnapshot) waits on."""
    return [i for t in state.tasks for i in t.interrupts]


class WaitingForApproval(Conflict):
    """The task is paused on a person's approval: only approve or reject moves it on."""


def resume_input(claim: Claim, owner: str, pending: Any, decision: Any | None) -> Command:
    """The input that answers the approval `pending` with the decision a person recorded.
    Conflict when nobody answered yet (the claim cannot carry the run on)."""
    if decision is None:
        raise WaitingForApproval(
            f"task {claim.task_id} is waiting for approval: approve or reject it"
        )
    return Command(resume={pending.id: decision})


def is_takeover(claim: Claim, owner: str) -> bool:
    """Whether carrying on this claim's run means taking it over from another owner."""
    return claim.status is not S.PAUSED or claim.owner != owner


def carry_on_input(
    claim: Claim, next_nodes: tuple[str, ...], *, asked: bool = False
) -> dict[str, Any] | None:
    """The input that carries on a run another owner left (no approval pending): None
    resumes from the last checkpoint; with no interrupted step (the owner died before
    prepare's checkpoint) the run starts again, and prepare carries on with the in_progress
    task this run has claimed. A paused run carries on only when the gate paused it (`asked`:
    the task records an approval asked) and its owner died before the interrupt was
    checkpointed: the step runs again and the gate asks the same question."""
    if claim.status is S.PAUSED and not (asked and next_nodes):
        raise Conflict(f"task {claim.task_id} is paused: it waits on a person or its subtasks")
    return None if next_nodes else {"task_id": claim.task_id}


@dataclass(frozen=True)
class RunSoFar:
    """What a claimed run that is not a fresh start left, as its runner read it."""

    pending: Any | None
    """The approval interrupt the run waits on (None unless the task is paused or running)."""
    decision: Any | None
    """A person's decision recorded for `pending`."""
    next_nodes: tuple[str, ...]
    """The steps the thread's last checkpoint still has to run."""
    asked: bool
    """The task waits for an approval the gate recorded (store.awaited_approvals)."""


def carry_on(claim: Claim, owner: str, so_far: RunSoFar) -> tuple[Any, str | None]:
    """The takeover decision of both runners: the input that carries on the claim's run
    (WaitingForApproval or Conflict when it cannot be), and where it resumes for the
    execution log's `taken_over` entry (None: not a takeover, the owner answers its own
    approval)."""
    if so_far.pending is not None:
        command = resume_input(claim, owner, so_far.pending, so_far.decision)
        return command, "approval" if is_takeover(claim, owner) else None
    graph_input = carry_on_input(claim, so_far.next_nodes, asked=so_far.asked)
    return graph_input, ",".join(so_far.next_nodes) or "prepare"


def awaited(db: Database, org_id: str, task_id: str) -> AwaitedApproval | None:
    """The approval the task waits for (store.awaited_approvals), in a read transaction."""
    with db.read_transaction(org_id) as conn:
        return awaited_approval(conn, org_id, task_id)


def approval_asked(db: Database, org_id: str, task_id: str) -> bool:
    """Whether the gate paused the task to ask a person (tools.gate.ask_person records the
    request in the task before its run's interrupt is checkpointed)."""
    return awaited(db, org_id, task_id) is not None


def log_takeover(db: Database, org_id: str, claim: Claim, owner: str, *, resume: str) -> None:
    """Record in the execution log that `owner` took the run over (and where it resumes)."""
    entry = {
        "event": "taken_over",
        "executor_id": owner,
        "executor_type": "workflow",
        "claim_token": claim.token,
        "resume_from": resume,
    }
    with db.transaction(org_id) as conn:
        repo.add_execution_log_entry(conn, org_id, claim.task_id, entry)


def outcome_of(result: dict[str, Any], task_id: str) -> dict[str, Any]:
    """The spec's response object from a run's final state; a run paused on an approval
    reads as `paused` with the approval request it waits on."""
    outcome = {k: v for k, v in result.items() if v is not None and k != "__interrupt__"}
    interrupts = result.get("__interrupt__") or []
    if interrupts:
        outcome = interrupted_outcome(outcome, task_id, [i.value for i in interrupts])
    return outcome


def interrupted_outcome(
    outcome: dict[str, Any], task_id: str, interrupt_values: list[Any]
) -> dict[str, Any]:
    """The outcome of a run that stopped at interrupts: paused, with the approval it asks."""
    approval = next((v for v in interrupt_values if requested_action(v) is not None), None)
    paused = {
        **outcome,
        "task_id": task_id,
        "success": True,
        "status": ExecutionStatus.PAUSED.value,
        "message": "Waiting for a person's approval",
        "approval": approval,
    }
    paused.setdefault("strategy", "immediate")
    return paused
