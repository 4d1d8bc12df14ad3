"""The autopilot: one cycle watches the organization's calendar and inbox and does the work
nobody wrote down, within a budget.

scan (the calendar around now, the inbox's waiting mail) -> act, three triggers in turn:
- a meeting in the next 24 hours without an agenda: an agenda drafted, then sent to its
  attendees (graphs.autopilot_meetings);
- a meeting that ended within the summary window: a summary with its action items as tasks,
  then sent to its attendees (graphs.autopilot_meetings);
- an email waiting longer than the reply delay, unanswered, that the model calls important
  and from a person: a drafted reply waiting for approval (graphs.autopilot_mail).
Every task says what triggered it (ai_context["trigger"], a `triggered` log entry) and is keyed
by its trigger (store.autopilot_triggers), so a trigger creates its task once however often or
concurrently cycles run. Sends pass the policy gate: the attendees of a meeting the user
organised are trusted; anything else waits for a person. A cycle stops at its budget (tasks
created, tasks run) and says so. The worker runs cycles (`delegate worker --autopilot-every`);
a LangGraph server runs this graph as a cron (`delegate autopilot --schedule`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from pydantic import with_config
from typing_extensions import TypedDict

from graphs.autopilot_cycle import AUTOPILOT, Cycle, budget_limit, setting
from graphs.autopilot_mail import reply_for
from graphs.autopilot_meetings import agenda_for, just_ended, needs_agenda, summary_for
from graphs.context import Context
from graphs.runner import task_runner
from graphs.workflow_support import STUDIO_SCHEMA
from store.db import Database
from store.errors import InvalidInput
from tools.backends import ProviderError
from tools.google.backends import get_calendar, get_inbox

HORIZON = timedelta(hours=24)
MAX_TASKS_ENV = "DELEGATE_AUTOPILOT_MAX_TASKS"
MAX_ACTIONS_ENV = "DELEGATE_AUTOPILOT_MAX_ACTIONS"
SUMMARY_HOURS_ENV = "DELEGATE_AUTOPILOT_SUMMARY_HOURS"
REPLY_AFTER_HOURS_ENV = "DELEGATE_AUTOPILOT_REPLY_AFTER_HOURS"
INBOX_DAYS_ENV = "DELEGATE_AUTOPILOT_INBOX_DAYS"
DEFAULT_MAX_TASKS = 10
DEFAULT_MAX_ACTIONS = 10
DEFAULT_SUMMARY_HOURS = 24.0
DEFAULT_REPLY_AFTER_HOURS = 4.0
DEFAULT_INBOX_DAYS = 7.0
#: Inbox messages one cycle looks at (newest first).
MAX_EMAILS = 20


@with_config(STUDIO_SCHEMA)
class AutopilotInput(TypedDict, total=False):
    """One cycle's clock, windows and budget (defaults: now, and the environment's)."""

    now: str
    """ISO-8601 time the cycle treats as now."""
    max_tasks: int
    """Tasks this cycle may create (DELEGATE_AUTOPILOT_MAX_TASKS, default 10)."""
    max_actions: int
    """Tasks this cycle may run (DELEGATE_AUTOPILOT_MAX_ACTIONS, default 10)."""
    summary_hours: float
    """Meetings that ended within this many hours get a summary (DELEGATE_AUTOPILOT_SUMMARY_HOURS,
    default 24)."""
    reply_after_hours: float
    """An email waiting this long unanswered may get a reply drafted
    (DELEGATE_AUTOPILOT_REPLY_AFTER_HOURS, default 4)."""
    inbox_days: float
    """Mail older than this many days is left alone (DELEGATE_AUTOPILOT_INBOX_DAYS, default 7)."""


@with_config(STUDIO_SCHEMA)
class AutopilotOutput(TypedDict, total=False):
    """What the cycle did."""

    created: list[dict[str, Any]]
    """[{task_id, title, trigger}] created this cycle."""
    ran: list[dict[str, Any]]
    """[{task_id, title, status}] run this cycle."""
    skipped: list[dict[str, Any]]
    """[{event_id | email_id, title, reason}] triggers left alone."""
    stopped: str | None
    """Why the cycle stopped early (its budget), or None."""


class AutopilotState(AutopilotInput, AutopilotOutput, total=False):
    """The whole state of one cycle."""

    events: list[dict[str, Any]]
    """The meetings that need an agenda, earliest first."""
    ended: list[dict[str, Any]]
    """The meetings that ended within the summary window, earliest first."""
    emails: list[dict[str, Any]]
    """Inbox messages waiting longer than the reply delay, newest first."""
    unavailable: list[dict[str, Any]]
    """[{title, reason}] for a calendar or mailbox that could not be read this cycle."""


def _now(state: AutopilotInput) -> datetime:
    raw = state.get("now")
    if not raw:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"now must be an ISO-8601 time, not {raw!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _hours(state: AutopilotInput, key: str, env: str, default: float) -> timedelta:
    return timedelta(hours=setting(dict(state), key, env, default))


def scan(state: AutopilotState, runtime: Runtime[Context]) -> dict[str, Any]:
    """The meetings around now that need an agenda or a summary, and the waiting mail."""
    ctx = runtime.context
    now = _now(state)
    window = _hours(state, "summary_hours", SUMMARY_HOURS_ENV, DEFAULT_SUMMARY_HOURS)
    wait = _hours(state, "reply_after_hours", REPLY_AFTER_HOURS_ENV, DEFAULT_REPLY_AFTER_HOURS)
    days = setting(dict(state), "inbox_days", INBOX_DAYS_ENV, DEFAULT_INBOX_DAYS)
    db, org_id = ctx.database(), ctx.org_id()
    oldest = now - wait - timedelta(days=days)
    unavailable: list[dict[str, Any]] = []
    # One service down must not cost the cycle the other's triggers.
    try:
        around = get_calendar(db, org_id).list_events(now - window, now + HORIZON, 250)
    except ProviderError as exc:
        around = []
        unavailable.append(_unreadable("calendar", exc))
    try:
        emails = get_inbox(db, org_id).received(oldest, now - wait, MAX_EMAILS)
    except ProviderError as exc:
        emails = []
        unavailable.append(_unreadable("inbox", exc))
    return {
        "events": [e for e in around if needs_agenda(e, now, HORIZON)],
        "ended": [e for e in around if just_ended(e, now, window)],
        "emails": emails,
        "unavailable": unavailable,
    }


def _unreadable(title: str, exc: ProviderError) -> dict[str, Any]:
    return {"title": title, "reason": f"could not be read this cycle: {exc}"}


def act(state: AutopilotState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Agendas, then summaries, then replies: each trigger once, within the cycle's budget."""
    ctx = runtime.context
    request = dict(state)
    limits = {
        "max_tasks": budget_limit(request, "max_tasks", MAX_TASKS_ENV, DEFAULT_MAX_TASKS),
        "max_actions": budget_limit(request, "max_actions", MAX_ACTIONS_ENV, DEFAULT_MAX_ACTIONS),
    }
    with task_runner(ctx.database(), organization=ctx.organization(), model=ctx.model) as runner:
        cycle = Cycle(ctx, runner, **limits)
        cycle.skipped.extend(state.get("unavailable") or [])
        inbox = get_inbox(cycle.db, cycle.org_id)
        work: list[tuple[Callable[[dict[str, Any]], None], dict[str, Any]]] = [
            *((partial(agenda_for, cycle=cycle), e) for e in state.get("events") or []),
            *((partial(summary_for, cycle=cycle), e) for e in state.get("ended") or []),
            *((partial(reply_for, cycle=cycle, inbox=inbox), m) for m in state.get("emails") or []),
        ]
        for flow, item in work:
            if cycle.stopped:
                break
            try:
                flow(item)
            except ProviderError as exc:  # this trigger waits for the next cycle
                title = item.get("summary") or item.get("subject") or "(untitled)"
                cycle.skipped.append({"title": title, "reason": f"a service failed: {exc}"})
    return cycle.outcome()


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
