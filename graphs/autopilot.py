"""The autopilot: one cycle watches the organization's calendar and does the work nobody wrote
down, within a budget.

scan (meetings starting in the next 24 hours whose description has no agenda) -> act (for
each: create "Draft meeting agenda for <title>" and run it, then create "Send agenda to
attendees of <title>" carrying the agenda and the attendees' addresses and run it under the
policy gate). Every task says what triggered it (ai_context["trigger"], a `triggered` log
entry) and is keyed by its trigger (store.autopilot_triggers), so a trigger creates its task
once however often or concurrently cycles run. The attendees of a meeting the organization's
user organised are named in the send task's own text (the data-flow rule's trusted source) and
it is sent on its own; a meeting someone else organised gets a semi-automated send that waits
for a person's approval. A cycle stops at its budget (tasks created, tasks run) and says so.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from pydantic import with_config
from typing_extensions import TypedDict

from graphs.context import Context
from graphs.runner import task_runner
from graphs.workflow_support import STUDIO_SCHEMA
from store.autopilot_triggers import create_triggered_task, triggered_task
from store.db import Database
from store.enums import ExecutionStatus, ExecutionType
from store.errors import DelegateError, InvalidInput
from tools.google.backends import get_calendar

AUTOPILOT = "autopilot"  # agents.workflows.AUTOPILOT
HORIZON = timedelta(hours=24)
MAX_TASKS_ENV = "DELEGATE_AUTOPILOT_MAX_TASKS"
MAX_ACTIONS_ENV = "DELEGATE_AUTOPILOT_MAX_ACTIONS"
DEFAULT_MAX_TASKS = 10
DEFAULT_MAX_ACTIONS = 10
#: A description "has an agenda" when a line of it starts with the word Agenda.
_AGENDA_LINE = re.compile(r"^\s*agenda\b", re.IGNORECASE | re.MULTILINE)

log = logging.getLogger(__name__)


@with_config(STUDIO_SCHEMA)
class AutopilotInput(TypedDict, total=False):
    """One cycle's clock and budget (defaults: now, and the environment's budget)."""

    now: str
    """ISO-8601 time the cycle treats as now."""
    max_tasks: int
    """Tasks this cycle may create (DELEGATE_AUTOPILOT_MAX_TASKS, default 10)."""
    max_actions: int
    """Tasks this cycle may run (DELEGATE_AUTOPILOT_MAX_ACTIONS, default 10)."""


@with_config(STUDIO_SCHEMA)
class AutopilotOutput(TypedDict, total=False):
    """What the cycle did."""

    created: list[dict[str, Any]]
    """[{task_id, title, trigger}] created this cycle."""
    ran: list[dict[str, Any]]
    """[{task_id, title, status}] run this cycle."""
    skipped: list[dict[str, Any]]
    """[{event_id, title, reason}] triggers left alone."""
    stopped: str | None
    """Why the cycle stopped early (its budget), or None."""


class AutopilotState(AutopilotInput, AutopilotOutput, total=False):
    """The whole state of one cycle."""

    events: list[dict[str, Any]]
    """The meetings that need an agenda, earliest first."""


def budget_limit(state: AutopilotInput, key: str, env: str, default: int) -> int:
    """The cycle's limit: the input's, else the environment's, else the default."""
    raw: Any = state.get(key)  # type: ignore[misc]
    name = key
    if raw is None:
        raw, name = os.environ.get(env, "").strip() or default, env
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise InvalidInput(f"{name} must be 0 or more, not {value}")
    return value


def _now(state: AutopilotInput) -> datetime:
    raw = state.get("now")
    if not raw:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"now must be an ISO-8601 time, not {raw!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def has_agenda(description: str) -> bool:
    """Whether an event's description already carries an agenda."""
    return bool(_AGENDA_LINE.search(description or ""))


def scan(state: AutopilotState, runtime: Runtime[Context]) -> dict[str, Any]:
    """The meetings starting in the next 24 hours whose description has no agenda."""
    ctx = runtime.context
    now = _now(state)
    calendar = get_calendar(ctx.database(), ctx.org_id())
    events = [
        e
        for e in calendar.list_events(now, now + HORIZON)
        if now <= datetime.fromisoformat(e["start"]) < now + HORIZON
        and not has_agenda(e.get("description") or "")
    ]
    return {"events": events}


class _Cycle:
    """One cycle's counters against its budget, and what it did."""

    def __init__(self, max_tasks: int, max_actions: int) -> None:
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


def act(state: AutopilotState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Draft and send each meeting's agenda, once per trigger, within the cycle's budget."""
    ctx = runtime.context
    cycle = _Cycle(
        budget_limit(state, "max_tasks", MAX_TASKS_ENV, DEFAULT_MAX_TASKS),
        budget_limit(state, "max_actions", MAX_ACTIONS_ENV, DEFAULT_MAX_ACTIONS),
    )
    db, org_id = ctx.database(), ctx.org_id()
    with task_runner(db, organization=ctx.organization(), model=ctx.model) as runner:
        for event in state.get("events") or []:
            if cycle.stopped:
                break
            _agenda_for(event, cycle, runner, db, org_id)
    return {
        "created": cycle.created,
        "ran": cycle.ran,
        "skipped": cycle.skipped,
        "stopped": cycle.stopped,
    }


def _trigger(event: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "calendar_event", "event_id": event["id"], "starts_at": event["start"]}


def _skip(cycle: _Cycle, event: dict[str, Any], reason: str) -> None:
    cycle.skipped.append({"event_id": event["id"], "title": event["summary"], "reason": reason})


def _run(cycle: _Cycle, runner: Any, task_id: str, title: str) -> str:
    try:
        status = str(runner.execute(task_id).get("status"))
    except DelegateError as exc:
        status = f"error: {exc}"
    cycle.ran.append({"task_id": task_id, "title": title, "status": status})
    return status


def _agenda_for(event: dict[str, Any], cycle: _Cycle, runner: Any, db: Any, org_id: str) -> None:
    attendees = [a for a in event.get("attendees") or [] if a]
    title = event.get("summary") or "(untitled meeting)"
    if not attendees:
        _skip(cycle, event, "no attendees to send an agenda to")
        return
    base = f"autopilot:{org_id}:{event['id']}"
    if triggered_task(db, org_id, f"{base}:send") is not None:
        _skip(cycle, event, "agenda already sent or waiting for approval")
        return
    draft = triggered_task(db, org_id, f"{base}:agenda")
    if draft is None:
        if not cycle.room(tasks=1, actions=1):
            return
        draft = create_triggered_task(
            db,
            org_id,
            f"{base}:agenda",
            _trigger(event),
            f"Draft meeting agenda for {title}",
            description=(
                f"Write a short agenda for the meeting '{title}' starting {event['start']} "
                f"and ending {event['end']}.\n\n{event.get('description') or ''}"
            ),
            execution_type=ExecutionType.FULLY_AUTOMATED,
            created_by=AUTOPILOT,
        )
        if draft is None:
            _skip(cycle, event, "another cycle is drafting this agenda")
            return
        cycle.created.append(
            {"task_id": draft.id, "title": draft.title, "trigger": _trigger(event)}
        )
        _run(cycle, runner, draft.id, draft.title)
        draft = triggered_task(db, org_id, f"{base}:agenda")
    if draft is None or draft.execution_status != ExecutionStatus.COMPLETED.value:
        _skip(cycle, event, "the agenda draft has not completed")
        return
    agenda = str((draft.result or {}).get("output") or "").strip()
    if not agenda:
        _skip(cycle, event, "the agenda draft produced no agenda")
        return
    if not cycle.room(tasks=1, actions=1):
        return
    # A calendar that cannot say who organised a meeting gets the cautious answer.
    mine = event.get("organized_by_me") is True
    send = create_triggered_task(
        db,
        org_id,
        f"{base}:send",
        _trigger(event),
        f"Send agenda to attendees of {title}",
        description=(
            f"Email the agenda below for the meeting '{title}' ({event['start']}) to its "
            f"attendees: {', '.join(attendees)}.\n\n{agenda}"
        ),
        # Someone else's meeting: a person approves before its attendees hear from us.
        execution_type=ExecutionType.FULLY_AUTOMATED if mine else ExecutionType.SEMI_AUTOMATED,
        created_by=AUTOPILOT,
    )
    if send is None:
        _skip(cycle, event, "another cycle is sending this agenda")
        return
    cycle.created.append({"task_id": send.id, "title": send.title, "trigger": _trigger(event)})
    _run(cycle, runner, send.id, send.title)


def build_graph() -> StateGraph[AutopilotState, Context, AutopilotInput, AutopilotOutput]:
    builder = StateGraph(
        AutopilotState,
        context_schema=Context,
        input_schema=AutopilotInput,
        output_schema=AutopilotOutput,
    )
    builder.add_node("scan", scan)
    builder.add_node("act", act)
    builder.add_edge(START, "scan")
    builder.add_edge("scan", "act")
    builder.add_edge("act", END)
    return builder


graph = build_graph().compile(name=AUTOPILOT)


def run_cycle(
    db: Database,
    *,
    organization: str,
    model: str | None = None,
    request: AutopilotInput | None = None,
) -> AutopilotOutput:
    """Run one cycle in this process (the CLI and the worker) for this organization."""
    from graphs.context import ProcessContext

    context = ProcessContext(organization_name=organization, database_url=db.url)
    if model:
        context.model = model
    result: dict[str, Any] = graph.invoke(request or {}, context=context)
    return AutopilotOutput(**result)  # type: ignore[typeddict-item]
