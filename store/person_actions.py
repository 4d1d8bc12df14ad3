"""What a person does to a task by hand: finish it (`done`) or send a blocked task back to the
AI with a note (`retry`). Each is one write with a log entry naming who did what.

The notes of retries are kept in the task's `ai_context["person_notes"]` so every later run
puts them in front of the model (graphs.execute_task reads them when a run starts).
"""

from __future__ import annotations

from typing import Any

from store import task_rows
from store.db import Transaction
from store.enums import AssigneeType, ExecutionStatus
from store.errors import Conflict, InvalidInput
from store.execution import append_log_entry, complete_task_execution
from store.task_rows import TaskRow

S = ExecutionStatus

#: Statuses a person may finish by hand: work nobody is running right now.
PERSON_COMPLETABLE = frozenset({S.PENDING, S.QUEUED, S.BLOCKED, S.PAUSED})

#: Where the notes of retries live in a task's ai_context.
NOTES_KEY = "person_notes"

MAX_NOTE = 20_000


def _clean_note(note: str | None) -> str:
    note = (note or "").strip()
    if "\x00" in note:
        raise InvalidInput("a note must not contain NUL characters")
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"a note must be at most {MAX_NOTE} characters")
    return note


def complete_by_person(
    tx: Transaction, org_id: str, task_id: str, *, note: str | None, by: str
) -> TaskRow:
    """A person did the task: -> completed with what they did (`note`) as its result.

    Refused (nothing changes) while a run is in progress and for a finished task. A paused
    task's pending approval is dropped with it: the action it proposed never runs."""
    note = _clean_note(note)
    task = task_rows.load_for_update(tx, org_id, task_id)
    if task.status is S.IN_PROGRESS:
        raise Conflict(f"task {task.id} is running; wait until it stops, then mark it done")
    if task.status not in PERSON_COMPLETABLE:
        raise Conflict(
            f"task {task.id} is {task.status.value} already; only a pending, queued, blocked "
            "or paused task can be marked done"
        )
    result: dict[str, Any] = {
        "output": note or f"Marked done by {by}.",
        "completed_by": by,
    }
    return complete_task_execution(
        tx,
        org_id,
        task.id,
        result,
        executor_id=by,
        executor_type=AssigneeType.USER,
        from_person=True,
    )


def add_retry_note(
    tx: Transaction, org_id: str, task_id: str, *, note: str | None, by: str
) -> TaskRow:
    """Record a person's note for another attempt at a blocked task (in its log and in the
    context later runs give the model). The run itself is the caller's next step."""
    note = _clean_note(note)
    if not note:
        raise InvalidInput("retrying needs a note: what the AI should know or do differently")

    def apply(task: TaskRow) -> None:
        if task.status is not S.BLOCKED:
            raise Conflict(
                f"task {task.id} is {task.status.value}; only a blocked task can be retried "
                "with a note"
            )
        notes = [*(task.ai_context or {}).get(NOTES_KEY, []), {"note": note, "by": by}]
        task.ai_context = {**(task.ai_context or {}), NOTES_KEY: notes}
        append_log_entry(
            task,
            {
                "event": "retry_requested",
                "executor_id": by,
                "executor_type": AssigneeType.USER.value,
                "note": note,
            },
        )

    return task_rows.change(tx, org_id, task_id, apply)


def person_notes(ai_context: dict[str, Any] | None) -> list[str]:
    """The notes people gave with their retries, oldest first."""
    return [str(n.get("note", "")) for n in (ai_context or {}).get(NOTES_KEY, []) if n]
