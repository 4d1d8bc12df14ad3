"""The task lifecycle: the one table of legal status moves, enforced in one place."""

from store.enums import ExecutionStatus as S
from store.errors import IllegalTransition

#: Every legal (from -> to) move. completed and failed are final. in_progress -> queued is
#: the retry move of fail_task_execution (re-queued while retries remain); blocked -> queued
#: re-queues a task once a person unblocks it. pending, queued and blocked -> completed are a
#: person finishing the task by hand (store.person_actions.complete_by_person).
TRANSITIONS: dict[S, frozenset[S]] = {
    S.PENDING: frozenset({S.QUEUED, S.IN_PROGRESS, S.COMPLETED}),
    S.QUEUED: frozenset({S.IN_PROGRESS, S.COMPLETED}),
    S.IN_PROGRESS: frozenset({S.COMPLETED, S.FAILED, S.PAUSED, S.BLOCKED, S.QUEUED}),
    S.PAUSED: frozenset({S.IN_PROGRESS, S.COMPLETED, S.FAILED}),
    S.BLOCKED: frozenset({S.IN_PROGRESS, S.FAILED, S.QUEUED, S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.FAILED: frozenset(),
}

FINAL: frozenset[S] = frozenset(s for s, targets in TRANSITIONS.items() if not targets)


def can_transition(current: S, target: S) -> bool:
    """Whether the lifecycle allows moving from `current` to `target`."""
    return target in TRANSITIONS[current]


def check_transition(task_id: str, current: S, target: S) -> None:
    """Raise IllegalTransition unless `current -> target` is in the table."""
    if not can_transition(current, target):
        raise IllegalTransition(task_id, current.value, target.value)
