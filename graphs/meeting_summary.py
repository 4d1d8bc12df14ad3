"""Summarize a meeting: notes or transcript -> summary, decisions, action items -> subtasks.

Run for a task (`task_id`), the notes are the task's description and every action item
becomes a typed subtask of it, never twice: people's actions are manual, what the AI can do
through an integration is semi_automated, pure writing is fully_automated.
"""

from __future__ import annotations

from typing import Any, Literal

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import RetryPolicy
from pydantic import with_config
from typing_extensions import TypedDict

from agents.action_items import action_execution_type
from agents.models import get_chat_model
from agents.reporting import render_meeting_summary
from agents.workflow_schemas import ActionItem
from agents.workflow_writers import summarize_meeting
from graphs.context import Context
from graphs.workflow_support import MODEL_RETRY, STUDIO_SCHEMA, log_step, task_text
from store import tasks as repo
from store.enums import ExecutionType
from store.errors import Conflict
from store.tasks import normalize_title

WORKFLOW = "meeting_summary"
DEFAULT_TITLE = "Summarize the meeting and list its action items"
#: How much of the notes a subtask's description carries as context.
MAX_NOTES_IN_SUBTASK = 4000


@with_config(STUDIO_SCHEMA)
class MeetingInput(TypedDict, total=False):
    """Summarize a task's notes (`task_id`) or notes given directly."""

    task_id: str
    """A task whose description holds the notes; its action items become its subtasks."""
    notes: str
    """Meeting notes or a transcript (when no task_id is given)."""
    title: str
    """What the meeting was, e.g. 'Vendor sync, March 3' (optional)."""


@with_config(STUDIO_SCHEMA)
class MeetingOutput(TypedDict, total=False):
    """The summary, as data and as Markdown, and the subtasks it created."""

    summary: str
    """What the meeting was about and what came of it."""
    decisions: list[str]
    """The decisions taken, one sentence each."""
    action_items: list[dict[str, Any]]
    """[{owner, action, due, execution_type}], duplicates removed."""
    subtasks: list[dict[str, Any]]
    """The subtasks created for the action items: [{id, title, execution_type, status}]."""
    skipped: list[dict[str, Any]]
    """Action items not made into subtasks, with the reason (duplicate or over the limit)."""
    output: str
    """The summary as Markdown: summary, decisions, action items."""


class MeetingState(MeetingInput, MeetingOutput, total=False):
    """The whole state of one meeting_summary run."""


def summarize(state: MeetingState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Ask the model for the summary, decisions and action items; drop repeated items."""
    task = task_text(
        runtime,
        state.get("task_id"),
        default_title=state.get("title") or DEFAULT_TITLE,
        details=state.get("notes", ""),
    )
    result = summarize_meeting(get_chat_model(runtime.context.model), task.title, task.details)
    items = _unique_items(result.action_items)
    typed = [
        {**item.model_dump(mode="json"), "execution_type": action_execution_type(item.action)}
        for item in items
    ]
    summary = result.model_copy(update={"action_items": items})
    log_step(
        runtime,
        task.task_id,
        WORKFLOW,
        "summarize",
        "meeting_summarized",
        decisions=len(summary.decisions),
        action_items=len(items),
    )
    return {
        "task_id": task.task_id,
        "summary": summary.summary.strip(),
        "decisions": [d.strip() for d in summary.decisions if d.strip()],
        "action_items": typed,
        "subtasks": [],
        "skipped": [],
        "notes": task.details,
        "output": render_meeting_summary(summary, state.get("title") or "Meeting summary"),
    }


def _unique_items(items: list[ActionItem]) -> list[ActionItem]:
    seen: set[str] = set()
    unique = []
    for item in items:
        key = normalize_title(item.action)
        if key and key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def route(state: MeetingState) -> Literal["create_subtasks", "__end__"]:
    """Subtasks only when run for a task that has action items."""
    if state.get("task_id") and state.get("action_items"):
        return "create_subtasks"
    return "__end__"


def create_subtasks(state: MeetingState, runtime: Runtime[Context]) -> dict[str, Any]:
    """One subtask per action item, typed by who can do it; none twice, even on a re-run."""
    ctx = runtime.context
    task_id = state["task_id"]
    org_id = ctx.org_id()
    created: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    with ctx.database().session(org_id) as session:
        existing = {
            normalize_title(t.title)
            for t in repo.list_tasks(session, org_id, parent_task_id=task_id, limit=1000)
        }
        for item in state.get("action_items") or []:
            title = _subtask_title(item["action"])
            if normalize_title(title) in existing:
                skipped.append({"action": item["action"], "reason": "duplicate"})
                continue
            try:
                sub = repo.create_subtask(
                    session,
                    org_id,
                    task_id,
                    title,
                    _subtask_description(item, state.get("notes", "")),
                    item["execution_type"],
                )
            except Conflict as exc:
                skipped.append({"action": item["action"], "reason": str(exc)})
                continue
            existing.add(normalize_title(title))
            if sub.type is ExecutionType.MANUAL:
                sub.assigned_to_type = "user"
            else:
                repo.queue_task(session, org_id, sub.id, reason="action item from a meeting")
            created.append(
                {
                    "id": sub.id,
                    "title": sub.title,
                    "execution_type": sub.execution_type,
                    "status": sub.execution_status,
                    "owner": item.get("owner") or "unassigned",
                    "due": item.get("due"),
                }
            )
    log_step(
        runtime,
        task_id,
        WORKFLOW,
        "create_subtasks",
        "subtasks_created",
        subtask_ids=[c["id"] for c in created],
        skipped=len(skipped),
    )
    return {"subtasks": created, "skipped": skipped}


def _subtask_title(action: str) -> str:
    title = " ".join(action.split()).rstrip(".")
    return title[:497] + "..." if len(title) > 500 else title


def _subtask_description(item: dict[str, Any], notes: str) -> str:
    """Owner, due date and the meeting notes: the person-written text the subtask runs on."""
    lines = [f"Owner: {item.get('owner') or 'unassigned'}"]
    if item.get("due"):
        lines.append(f"Due: {item['due']}")
    if notes.strip():
        excerpt = notes.strip()
        if len(excerpt) > MAX_NOTES_IN_SUBTASK:
            excerpt = excerpt[:MAX_NOTES_IN_SUBTASK].rstrip() + " [...]"
        lines.append(f"Meeting notes:\n{excerpt}")
    return "\n".join(lines)


def build_graph(
    model_retry: RetryPolicy = MODEL_RETRY,
) -> StateGraph[MeetingState, Context, MeetingInput, MeetingOutput]:
    """The uncompiled graph, so callers can compile it with their own checkpointer."""
    builder = StateGraph(
        MeetingState,
        context_schema=Context,
        input_schema=MeetingInput,
        output_schema=MeetingOutput,
    )
    builder.add_node("summarize", summarize, retry_policy=model_retry)
    builder.add_node("create_subtasks", create_subtasks)
    builder.add_edge(START, "summarize")
    builder.add_conditional_edges("summarize", route)
    builder.add_edge("create_subtasks", END)
    return builder


graph = build_graph().compile(name=WORKFLOW)
