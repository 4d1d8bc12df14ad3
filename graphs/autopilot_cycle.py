"""One autopilot cycle's bookkeeping: its budget, what it created, ran and skipped, and the
one way a trigger becomes a task (once per trigger key, ever; store.autopilot_triggers)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from graphs.context import Context
from graphs.runner import TaskRunner
from store.autopilot_triggers import create_triggered_task, triggered_task
from store.db import Database
from store.enums import ExecutionStatus, ExecutionType
from store.errors import DelegateError, InvalidInput
from store.models import Task

#: Who the autopilot's tasks are created by (agents.workflows.AUTOPILOT).
AUTOPILOT = "autopilot"

log = logging.getLogger(__name__)


def setting(state: dict[str, Any], key: str, env: str, default: float) -> float:
    """A cycle's number: the input's, else the environment's, else the default; 0 or more."""
    return _number(state, key, env, default, float, "a number")


def budget_limit(state: dict[str, Any], key: str, env: str, default: int) -> int:
    """The cycle's limit: the input's, else the environment's, else the default."""
    return int(_number(state, key, env, default, int, "a whole number"))


def _number(
    state: dict[str, Any], key: str, env: str, default: float, kind: type, what: str
) -> float:
    raw: Any = state.get(key)
    name = key
    if raw is None:
        raw, name = os.environ.get(env, "").strip() or default, env
    try:
        value = kind(raw)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be {what}, not {raw!r}") from None
    if value < 0:
        raise InvalidInput(f"{name} must be 0 or more, not {value}")
    return float(value)


@dataclass(frozen=True)
class Trigger:
    """What makes the autopilot act: its kind, a stable key, and the facts a task carries."""

    kind: str
    """calendar_event | meeting_ended | unanswered_email."""
    key: str
    """Unique per organization and trigger, e.g. `autopilot:<org>:<event id>`."""
    title: str
    """What the trigger is about (a meeting's or an email's title), for what a cycle prints."""
    facts: dict[str, Any]
    """What the tasks' ai_context["trigger"] and `triggered` log entries say."""

    def record(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.facts}


class Cycle:
    """One cycle's counters against its budget, what it did, and the task runner it uses."""

    def __init__(
        self, context: Context, runner: TaskRunner, *, max_tasks: int, max_actions: int
    ) -> None:
        self.context, self.runner = context, runner
        self.db: Database = context.database()
        self.org_id: str = context.org_id()
        self.max_tasks, self.max_actions = max_tasks, max_actions
        self.created: list[dict[str, Any]] = []
        self.ran: list[dict[str, Any]] = []
        self.skipped: list[dict[str, Any]] = []
        self.stopped: str | None = None

    def room(self, *, tasks: int, actions: int) -> bool:
        """Whether the budget allows this much more; records the stop when it does not."""
        if len(self.created) + tasks <= self.max_tasks and len(self.ran) + actions <= (
            self.max_actions
        ):
            return True
        self.stopped = (
            f"budget reached: {len(self.created)} of {self.max_tasks} tasks created, "
            f"{len(self.ran)} of {self.max_actions} run"
        )
        log.info("autopilot cycle stopped at its budget: %s", self.stopped)
        return False

    def skip(self, trigger: Trigger, reason: str, **ids: Any) -> None:
        self.skipped.append({**ids, "title": trigger.title, "reason": reason})

    def existing(self, trigger: Trigger, step: str) -> Task | None:
        """The task this trigger's `step` created, if it did."""
        return triggered_task(self.db, self.org_id, f"{trigger.key}:{step}")

    def create(
        self,
        trigger: Trigger,
        step: str,
        title: str,
        *,
        description: str,
        execution_type: ExecutionType | None,
        lost: str,
        context: dict[str, Any] | None = None,
        **ids: Any,
    ) -> Task | None:
        """The trigger's `step` task, created now; None when another cycle created it first
        (recorded as skipped with the reason `lost`)."""
        task = create_triggered_task(
            self.db,
            self.org_id,
            f"{trigger.key}:{step}",
            trigger.record(),
            title,
            description=description,
            execution_type=execution_type,
            created_by=AUTOPILOT,
            context=context,
        )
        if task is None:
            self.skip(trigger, lost, **ids)
        else:
            self.created.append(
                {"task_id": task.id, "title": task.title, "trigger": trigger.record()}
            )
        return task

    def run(self, task: Task, *, run_subtasks: bool = True) -> str:
        """Run a task to its outcome (completed, paused for approval, failed ...)."""
        try:
            status = str(self.runner.execute(task.id, run_subtasks=run_subtasks).get("status"))
        except DelegateError as exc:
            status = f"error: {exc}"
        self.ran.append({"task_id": task.id, "title": task.title, "status": status})
        return status

    def completed_output(self, trigger: Trigger, step: str) -> tuple[Task | None, str]:
        """The step's task and its output text when it completed ('' otherwise)."""
        task = self.existing(trigger, step)
        if task is None or task.execution_status != ExecutionStatus.COMPLETED.value:
            return task, ""
        return task, str((task.result or {}).get("output") or "").strip()

    def outcome(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "ran": self.ran,
            "skipped": self.skipped,
            "stopped": self.stopped,
        }
