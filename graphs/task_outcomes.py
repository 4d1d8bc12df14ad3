"""How an execute_task run ends when it cannot simply complete: the task's store update and
the spec's outcome object for a policy stop, a provider refusal, or a failure."""

from __future__ import annotations

from typing import Any

from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus, Strategy
from store.errors import ConfigurationError, DelegateError, PolicyDenied
from store.redaction import redact
from tools.backends import ProviderError
from tools.gate.approval import ApprovalRejected, FinishedByPerson
from tools.gate.budgets import BudgetExceeded
from tools.gate.placeholders import find_gaps

EXECUTOR_ID = "execute_task"
#: The message of a task blocked until a person finishes or unblocks it.
NEEDS_INTERVENTION = "Task requires human intervention"


def stop_for_person(
    db: Database, org_id: str, task_id: str, agent_id: str, exc: PolicyDenied | ApprovalRejected
) -> dict[str, Any]:
    """A rule refused a side effect, or a person rejected it: block the task with why."""
    if isinstance(exc, BudgetExceeded):
        reason = exc.reason
        message = "Stopped at a budget limit; nothing more was sent"
    elif isinstance(exc, PolicyDenied):
        reason = redact(f"policy {exc.rule}: {exc.reason}")
        message = f"Blocked by the policy gate ({exc.rule})"
    else:
        reason = f"a person rejected {exc.tool}: {exc.reason}"
        message = "Rejected by a person; nothing was done"
    repo.block_task_execution(
        db,
        org_id,
        task_id,
        reason,
        agent_id,
        "agent",
        node="execute",
        rule=getattr(exc, "rule", None),
    )
    return blocked_outcome(task_id, reason, message)


def blocked_outcome(
    task_id: str, reason: str, message: str, result: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The spec's outcome of a run that left its task blocked for a person (with the
    deliverable kept as `result` when there is one)."""
    outcome: dict[str, Any] = {
        "task_id": task_id,
        "success": True,
        "strategy": Strategy.BLOCKED.value,
        "status": ExecutionStatus.BLOCKED.value,
        "reason": reason,
    }
    if result is not None:
        outcome["result"] = result
    outcome["message"] = message
    return outcome


#: The gaps a reason names at most (each cut to a readable length).
_GAPS_NAMED, _GAP_CHARS = 5, 120
#: How the offline model (and the prompts) mark what the task did not say: "[missing: X]".
_MISSING = "[missing:"


def unfilled_gaps(deliverable: str) -> str | None:
    """Why a deliverable cannot count as done: the gaps the model left for a person to fill
    ("[missing: the recipient's address]", "[Your name]"; tools.gate.placeholders.GAP); None when
    the text is whole. Such a task is blocked (its draft kept in the result), never completed.
    """
    slots = find_gaps(deliverable)
    if not slots:
        return None
    named = [_what_is_missing(slot) for slot in slots[:_GAPS_NAMED]]
    more = f" and {len(slots) - _GAPS_NAMED} more" if len(slots) > _GAPS_NAMED else ""
    return (
        f"needs a person: the draft is missing {' and '.join(named)}{more}. To unblock: finish "
        "the draft kept in the task's result and mark the task done with your text, or retry "
        "it with a note that gives what is missing"
    )


def _what_is_missing(slot: str) -> str:
    if slot.lower().startswith(_MISSING) and slot.endswith("]"):
        return slot[len(_MISSING) : -1].strip()[:_GAP_CHARS]
    return repr(slot[:_GAP_CHARS])


def block_unfinished(
    db: Database, org_id: str, task_id: str, agent_id: str, result: dict[str, Any], reason: str
) -> dict[str, Any]:
    """The deliverable still has gaps: block the task with the reason, keeping the draft as
    its result so a person can finish it."""
    repo.block_task_execution(
        db,
        org_id,
        task_id,
        reason,
        EXECUTOR_ID,
        "workflow",
        node="execute",
        result=result,
        agent_id=agent_id,
    )
    return blocked_outcome(task_id, reason, NEEDS_INTERVENTION, result)


def finished_by_person(
    db: Database, org_id: str, task_id: str, exc: FinishedByPerson
) -> dict[str, Any]:
    """A person answered an approval with "resolved": they finished the task themselves, so
    it is completed with their note and the side effect did not run."""
    result = {
        "strategy": Strategy.IMMEDIATE.value,
        "output": exc.note or f"Finished by a person ({exc.tool} was not run by Delegate).",
        "confidence": None,
        "finished_by": "person",
    }
    repo.complete_task_execution(
        db, org_id, task_id, result, "person", "user", node="execute", skipped=exc.tool
    )
    outcome: dict[str, Any] = {
        "task_id": task_id,
        "success": True,
        "strategy": Strategy.IMMEDIATE.value,
        "status": ExecutionStatus.COMPLETED.value,
        "result": result,
        "message": "Task finished by a person",
    }
    return outcome


def provider_failed(
    db: Database, org_id: str, task_id: str, agent_id: str, exc: ProviderError
) -> dict[str, Any]:
    """A service refused (4xx: the task fails) or kept failing (re-queued while retries last)."""
    reason = describe_provider_error(exc)
    task = repo.fail_task_execution(
        db,
        org_id,
        task_id,
        reason,
        should_retry=exc.retryable,
        executor_id=agent_id,
        executor_type="agent",
        retry_after=getattr(exc, "retry_after", None),
        node="execute",
    )
    return _failed_outcome(task, reason, Strategy.IMMEDIATE.value)


def _failed_outcome(task: Any, reason: str, strategy: str) -> dict[str, Any]:
    """The spec's outcome of a failure: failed for good, or re-queued until its next attempt."""
    status = task.execution_status
    outcome: dict[str, Any] = {
        "task_id": task.id,
        "success": False,
        "strategy": strategy,
        "status": status,
        "reason": reason,
        "message": "Task failed" if status == "failed" else "Task re-queued for retry",
    }
    if status == ExecutionStatus.QUEUED.value and task.next_attempt_at is not None:
        outcome["next_attempt_at"] = task.next_attempt_at.isoformat()
    return outcome


def describe_provider_error(exc: ProviderError) -> str:
    """One line: which service failed, how, and its HTTP status."""
    verb = "kept failing" if exc.retryable else "refused the request"
    status = f" (HTTP {exc.status})" if exc.status else ""
    return redact(f"{exc.service} {verb}: {exc.reason}{status}")


def record_failure(
    db: Database, org_id: str, task_id: str, node: str, error: BaseException, attempts: int
) -> dict[str, Any]:
    """A node failed for good: record it on the task and say why.

    A model that kept answering garbage (after the retry policy) or a configuration error
    fails the task; anything else (an outage, a bug) re-queues it while retries remain."""
    from agents.planner import ModelOutputError

    text = redact(str(error)).strip()
    first = text.splitlines()[0] if text else type(error).__name__
    retry_after = None
    if isinstance(error, ModelOutputError):
        reason = f"{node} failed after {attempts} attempts: {first}"
        retry = False
    elif isinstance(error, ProviderError):  # an outage is retried later; a refusal is final
        reason = f"{node} failed: {describe_provider_error(error)}"
        retry, retry_after = error.retryable, getattr(error, "retry_after", None)
    else:
        reason = f"{node} failed: {type(error).__name__}: {first}"
        retry = not isinstance(error, ConfigurationError | DelegateError)
    strategy = Strategy.IMMEDIATE.value if node == "execute" else "unknown"
    with db.session(org_id) as session:
        _, current = repo.get_status(session, org_id, task_id)
        if current is not ExecutionStatus.IN_PROGRESS:  # already recorded (e.g. by a node)
            done = (
                "Task failed" if current is ExecutionStatus.FAILED else "Task re-queued for retry"
            )
            return {
                "task_id": task_id,
                "success": False,
                "strategy": strategy,
                "status": current.value,
                "reason": reason,
                "message": done,
            }
        failed = repo.fail_task_execution(
            session, org_id, task_id, reason, should_retry=retry, retry_after=retry_after, node=node
        )
        return _failed_outcome(failed, reason, strategy)
