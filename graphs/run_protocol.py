"""How a claimed run starts and how its result reads: shared by the sync and async runners.

Both runners (graphs.runner for the CLI, API and a one-at-a-time worker; graphs.async_runner
for a worker with many tasks in flight) ask the same questions of a claim: is it a fresh
start, an approval a person answered, or a run another owner left? They differ only in how
they read the checkpoint (get_state or aget_state), so the answers live here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.types import Command

from graphs.context import ProcessContext
from graphs.execute_task import build_graph
from store import claims, task_rows
from store import tasks as repo
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


def approval_asked(db: Database, org_id: str, task_id: str) -> bool:
    """Whether the gate paused the task to ask a person (tools.gate.ask_person records the
    request in the task before its run's interrupt is checkpointed)."""
    with db.read_transaction(org_id) as conn:
        row = task_rows.read(conn, org_id, task_id)
    return row is not None and bool((row.ai_context or {}).get("pending_approval"))


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
