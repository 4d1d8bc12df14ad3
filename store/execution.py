"""The lifecycle's writes: start, complete, fail, block, pause and queue a task, record the
AI's classification, and append execution-log entries.

Every status change goes through `_transition`, which checks the lifecycle table and appends
the log entry in the spec's shape. The row is read and saved through store.task_rows (Core
statements in the caller's transaction): these writes run on every step of every run, so
each function takes an ORM session or, cheaper, a Core connection (Database.transaction) to
write in the caller's transaction; or the Database itself for a write that is a transaction of
its own, which on PostgreSQL is one autocommit UPDATE when it can be
(store.task_rows.change_alone: the run's remembered row, no parent to complete).

Text from outside (a provider's error, a model's answer) reaches the task's reasons, result
and log only through these functions, and each takes secrets out of it (store.redaction).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeAlias

from store import backoff, task_rows
from store.db import Database, Transaction
from store.enums import AssigneeType, ExecutionStatus
from store.errors import InvalidInput
from store.fencing import held_claim
from store.lifecycle import check_transition
from store.models import Task, utcnow
from store.parent_completion import finished_parent_result
from store.redaction import redact, redact_value
from store.task_rows import TaskRow

S = ExecutionStatus

DEFAULT_EXECUTOR_ID = "execute_task"
DEFAULT_EXECUTOR_TYPE = AssigneeType.WORKFLOW


#: Where a lifecycle write runs: in the caller's transaction (an ORM session or a Core
#: connection), or, given the Database, in a transaction of its own.
Target: TypeAlias = Transaction | Database


def _change(
    tx: Target, org_id: str, task_id: str, *changes: Callable[[TaskRow], None], parent: bool = False
) -> TaskRow:
    """Apply `changes` to the task and save it once (store.task_rows.change); with `parent`,
    a subtask that finished completes its parent if it was the last, in the same transaction.
    Given the Database: on PostgreSQL one autocommit statement when the write is all there is
    (store.task_rows.change_alone), else a transaction of its own."""
    if isinstance(tx, Database):
        alone = _no_parent_to_finish if parent else None
        written = task_rows.change_alone(tx, org_id, task_id, *changes, alone=alone)
        if written is not None:
            return written
        with tx.transaction(org_id) as conn:
            return _change(conn, org_id, task_id, *changes, parent=parent)
    changed = task_rows.change(tx, org_id, task_id, *changes)
    if parent and not _no_parent_to_finish(changed):
        _complete_parent_if_done(tx, org_id, changed.parent_task_id)
    return changed


def _no_parent_to_finish(task: TaskRow) -> bool:
    """Whether the write leaves no parent to check: the task has none, or it is not finished."""
    return not task.parent_task_id or task.status not in (S.COMPLETED, S.FAILED)


def log_entry(
    event: str,
    *,
    executor_id: str = DEFAULT_EXECUTOR_ID,
    executor_type: str = DEFAULT_EXECUTOR_TYPE,
    timestamp: datetime | None = None,
    **details: Any,
) -> dict[str, Any]:
    """An execution-log entry in the spec's shape."""
    return _entry(event, executor_id, executor_type, timestamp or utcnow(), {}, details)


def _entry(
    event: str,
    executor_id: str,
    executor_type: str,
    timestamp: datetime,
    clean: dict[str, Any],
    details: dict[str, Any],
) -> dict[str, Any]:
    """A log entry: `clean` values as they are (ours, or redacted already), then `details`
    with secrets taken out (every run writes several: redacting statuses is wasted work)."""
    entry: dict[str, Any] = {
        "event": event,
        "executor_id": executor_id,
        "executor_type": str(executor_type),
        "timestamp": timestamp.isoformat(),
        **clean,
    }
    entry.update({k: redact_value(v) for k, v in details.items() if v is not None})
    return entry


def _append(task: Task | TaskRow, entry: dict[str, Any]) -> None:
    claim = held_claim(task.id)
    if claim is not None:  # which claim wrote it: the log shows every owner's writes apart
        entry.setdefault("claim_token", claim.token)
    # Reassign (not .append) so the ORM sees the change and the version counter moves.
    task.execution_log = [*(task.execution_log or []), entry]


def append_log_entry(task: Task | TaskRow, entry: dict[str, Any]) -> None:
    """Append an entry to a task already loaded for update (an ORM Task or a TaskRow)."""
    if not isinstance(entry, dict) or not entry.get("event"):
        raise InvalidInput("an execution-log entry needs an 'event'")
    _append(task, log_entry(entry["event"], **{k: v for k, v in entry.items() if k != "event"}))


def record_classification(
    tx: Target,
    org_id: str,
    task_id: str,
    *,
    confidence: float,
    context: dict[str, Any],
    entry: dict[str, Any],
    execution_type: str | None = None,
) -> TaskRow:
    """Store the AI's decision (confidence, context keys merged) and log it, in one write;
    `execution_type` is the type the AI chose for a task that had none."""

    context = redact_value(context)

    def apply(task: TaskRow) -> None:
        task.ai_confidence = confidence
        task.ai_context = {**(task.ai_context or {}), **context}
        if execution_type is not None:
            task.execution_type = execution_type
        append_log_entry(task, entry)

    return _change(tx, org_id, task_id, apply)


def add_execution_log_entry(
    tx: Target, org_id: str, task_id: str, entry: dict[str, Any]
) -> TaskRow:
    """Append one entry to a task's execution log (adding a timestamp if it has none)."""
    if not isinstance(entry, dict) or not entry.get("event"):
        raise InvalidInput("an execution-log entry needs an 'event'")

    def apply(task: TaskRow) -> None:
        append_log_entry(task, entry)

    return _change(tx, org_id, task_id, apply)


def _transition(
    task: Task | TaskRow,
    target: ExecutionStatus,
    event: str,
    *,
    executor_id: str = DEFAULT_EXECUTOR_ID,
    executor_type: str = DEFAULT_EXECUTOR_TYPE,
    clean: dict[str, Any] | None = None,
    **details: Any,
) -> None:
    """The one place a status changes: check the table, set the status, log the move
    (`clean`: details redacted already)."""
    current = task.status
    check_transition(task.id, current, target)
    now = utcnow()
    task.execution_status = target.value
    if target is S.IN_PROGRESS and task.started_at is None:
        task.started_at = now
    elif target is S.BLOCKED:
        task.blocked_at = now
    elif target is S.FAILED:
        task.failed_at = now
    elif target is S.COMPLETED:
        task.completed_at = now
        if task.started_at is not None:
            task.actual_duration_minutes = round((now - task.started_at).total_seconds() / 60, 3)
    if target is not S.IN_PROGRESS:
        # The run's claim ends with its in_progress spell (the token stays: it only grows).
        task.claim_owner = None
        task.lease_expires_at = None
    moved = {"from_status": current.value, "to_status": target.value, **(clean or {})}
    _append(task, _entry(event, executor_id, executor_type, now, moved, details))


def queue_task(tx: Target, org_id: str, task_id: str, *, reason: str | None = None) -> TaskRow:
    """pending or blocked -> queued: waiting for a worker."""

    def apply(task: TaskRow) -> None:
        if task.status is S.BLOCKED:
            task.blocked_reason = None
        _transition(task, S.QUEUED, "queued", reason=reason)

    return _change(tx, org_id, task_id, apply)


#: One lifecycle change of a task row (store.task_rows.change applies it, then saves).
Change = Callable[[TaskRow], None]


def apply_changes(tx: Target, org_id: str, task_id: str, *changes: Change) -> TaskRow:
    """Several lifecycle changes of one task back to back (`starting`, then `completing`:
    a run that finishes as soon as it starts), written at once: one UPDATE, as one change.
    A parent whose subtasks are now all finished completes too."""
    return _change(tx, org_id, task_id, *changes, parent=True)


def start_task_execution(
    tx: Target,
    org_id: str,
    task_id: str,
    executor_id: str = DEFAULT_EXECUTOR_ID,
    executor_type: str = DEFAULT_EXECUTOR_TYPE,
    **details: Any,
) -> TaskRow:
    """Begin (or resume) executing a task: -> in_progress, with a `started` entry."""
    return _change(tx, org_id, task_id, starting(executor_id, executor_type, **details))


def starting(
    executor_id: str = DEFAULT_EXECUTOR_ID,
    executor_type: str = DEFAULT_EXECUTOR_TYPE,
    **details: Any,
) -> Change:
    """The change `start_task_execution` makes (for `apply_changes`)."""

    def apply(task: TaskRow) -> None:
        if task.status is S.IN_PROGRESS and held_claim(task.id) is not None:
            # This run took the task over from an owner that stopped (its claim expired):
            # carry on from where that run got to, saying so in the log.
            _append(
                task,
                log_entry(
                    "resumed",
                    executor_id=executor_id,
                    executor_type=executor_type,
                    from_status=S.IN_PROGRESS.value,
                    to_status=S.IN_PROGRESS.value,
                    taken_over=True,
                    attempt=task.retry_count + 1,
                    **details,
                ),
            )
            task.assigned_to_type = str(executor_type)
            task.assigned_to_id = executor_id
            return
        # A finished task reaches _transition too, so it fails with IllegalTransition like every
        # other illegal move (the lifecycle is enforced in one place).
        event = "resumed" if task.status in (S.PAUSED, S.BLOCKED) else "started"
        if task.status is S.BLOCKED:
            task.blocked_reason = None
        _transition(
            task,
            S.IN_PROGRESS,
            event,
            executor_id=executor_id,
            executor_type=executor_type,
            attempt=task.retry_count + 1,
            **details,
        )
        task.assigned_to_type = str(executor_type)
        task.assigned_to_id = executor_id

    return apply


def complete_task_execution(
    tx: Target,
    org_id: str,
    task_id: str,
    result: dict[str, Any],
    executor_id: str = DEFAULT_EXECUTOR_ID,
    executor_type: str = DEFAULT_EXECUTOR_TYPE,
    *,
    agent_id: str | None = None,
    **details: Any,
) -> TaskRow:
    """-> completed with its result (and `agent_id`, the agent that did the work, if given);
    a parent whose subtasks are now all finished completes too."""
    change = completing(result, executor_id, executor_type, agent_id=agent_id, **details)
    return apply_changes(tx, org_id, task_id, change)


def completing(
    result: dict[str, Any],
    executor_id: str = DEFAULT_EXECUTOR_ID,
    executor_type: str = DEFAULT_EXECUTOR_TYPE,
    *,
    agent_id: str | None = None,
    **details: Any,
) -> Change:
    """The change `complete_task_execution` makes (for `apply_changes`)."""
    result = redact_value(result)

    def apply(task: TaskRow) -> None:
        task.result = result
        task.failure_reason = None
        if agent_id is not None:
            task.agent_id = agent_id
        _transition(
            task,
            S.COMPLETED,
            "completed",
            executor_id=executor_id,
            executor_type=executor_type,
            clean=None if result is None else {"result": result},
            **details,
        )

    return apply


def _complete_parent_if_done(tx: Transaction, org_id: str, parent_id: str) -> None:
    """Complete a parent waiting on its subtasks once every one is finished
    (store.parent_completion says with what result)."""
    result = finished_parent_result(tx, org_id, parent_id)
    if result is not None:
        complete_task_execution(tx, org_id, parent_id, result)


def fail_task_execution(
    tx: Target,
    org_id: str,
    task_id: str,
    error: str,
    should_retry: bool = True,
    executor_id: str = DEFAULT_EXECUTOR_ID,
    executor_type: str = DEFAULT_EXECUTOR_TYPE,
    *,
    retry_delay: float | None = None,
    retry_after: float | None = None,
    now: datetime | None = None,
    **details: Any,
) -> TaskRow:
    """Record a failure: re-queue with retry_count + 1 while retries remain, else `failed`.

    A re-queued task waits `retry_delay` seconds from `now` (by default store.backoff's
    exponential backoff with jitter, and at least a provider's `retry_after`) before a
    worker takes it again (`next_attempt_at`)."""
    error = redact((error or "unknown error").strip())

    def apply(task: TaskRow) -> None:
        # Only a running (or blocked) task has a retry move back to the queue; a pending task never
        # ran, so failing it is illegal, and a paused one fails outright.
        retryable = task.status in (S.IN_PROGRESS, S.BLOCKED)
        if should_retry and retryable and task.retry_count < task.max_retries:
            task.retry_count += 1
            delay = retry_delay
            if delay is None:
                delay = backoff.retry_delay(task.retry_count, retry_after=retry_after)
            task.next_attempt_at = (now or utcnow()) + timedelta(seconds=delay)
            details["next_attempt_at"] = task.next_attempt_at.isoformat()
            _transition(
                task,
                S.QUEUED,
                "retry_scheduled",
                executor_id=executor_id,
                executor_type=executor_type,
                error=error,
                retry_count=task.retry_count,
                max_retries=task.max_retries,
                **details,
            )
        else:
            task.failure_reason = error
            _transition(
                task,
                S.FAILED,
                "failed",
                executor_id=executor_id,
                executor_type=executor_type,
                error=error,
                retry_count=task.retry_count,
                **details,
            )

    return _change(tx, org_id, task_id, apply, parent=True)


def block_task_execution(
    tx: Target,
    org_id: str,
    task_id: str,
    reason: str,
    executor_id: str = DEFAULT_EXECUTOR_ID,
    executor_type: str = DEFAULT_EXECUTOR_TYPE,
    *,
    result: dict[str, Any] | None = None,
    **details: Any,
) -> TaskRow:
    """-> blocked with a reason that says what would unblock it (and `result`, e.g. the draft
    a person is to finish, if given)."""
    reason = redact((reason or "").strip())
    if not reason:
        raise InvalidInput("blocking a task needs a reason")
    result = redact_value(result)

    def apply(task: TaskRow) -> None:
        task.blocked_reason = reason
        if result is not None:
            task.result = result
        _transition(
            task,
            S.BLOCKED,
            "blocked",
            executor_id=executor_id,
            executor_type=executor_type,
            reason=reason,
            **details,
        )

    return _change(tx, org_id, task_id, apply)


def pause_task_execution(
    tx: Target,
    org_id: str,
    task_id: str,
    reason: str,
    executor_id: str = DEFAULT_EXECUTOR_ID,
    executor_type: str = DEFAULT_EXECUTOR_TYPE,
    *,
    keep_claim: bool = False,
    **details: Any,
) -> TaskRow:
    """in_progress -> paused: waiting for a person's approval or for subtasks.

    With `keep_claim`, the claim of the run pausing outlives the pause: the run ends it once
    its interrupt is checkpointed, so a run killed before that is taken over after its lease
    (store.queue.stranded_filter) instead of leaving a paused task nothing resumes."""

    def apply(task: TaskRow) -> None:
        owner, until = task.claim_owner, task.lease_expires_at
        _transition(
            task,
            S.PAUSED,
            "paused",
            executor_id=executor_id,
            executor_type=executor_type,
            reason=reason,
            **details,
        )
        if keep_claim and held_claim(task_id) is not None:
            task.claim_owner, task.lease_expires_at = owner, until

    return _change(tx, org_id, task_id, apply)
