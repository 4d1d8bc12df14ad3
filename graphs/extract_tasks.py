"""Extract tasks from a chat message, an email or meeting notes, and record the new ones.

extract (the model lists the work the text asks for) -> record (create each task that is
not already open, with where it came from, why it is a task and the quoted source). The
same message sent twice creates nothing new. Running the new tasks is the caller's choice
(`POST /api/chat` and `delegate extract` run the executable ones).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from pydantic import with_config
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from agents.extraction import ExtractedTask, SourceKind, extract_tasks
from agents.models import get_chat_model
from graphs.context import Context
from graphs.workflow_support import MODEL_RETRY, STUDIO_SCHEMA
from store import tasks as repo
from store.extracted_tasks import (
    SourceAlreadyRecorded,
    open_task_titles,
    record_source,
    source_digest,
    tasks_from_source,
    title_key,
)
from store.models import Task

EXTRACTOR = "extract_tasks"  # agents.workflows.EXTRACT_TASKS


@with_config(STUDIO_SCHEMA)
class ExtractInput(TypedDict, total=False):
    """The text to read."""

    text: str
    """A chat message, an email (subject and body) or meeting notes."""
    source: SourceKind
    """What the text is (chat, email or meeting); chat when left out."""
    source_id: str
    """The message's id at its source (an email's id), kept with each task."""
    sender: str
    """Who sent it (an email's From), for the automation rules' sender domains."""


@with_config(STUDIO_SCHEMA)
class ExtractOutput(TypedDict, total=False):
    """What was found and what was created."""

    tasks: list[dict[str, Any]]
    """[{task_id, title, execution_type, due_date, confidence, created, duplicate_of}]."""


class ExtractState(ExtractInput, ExtractOutput, total=False):
    """The whole state of one extraction."""

    found: list[dict[str, Any]]
    """The model's tasks, bounded (ExtractedTask as data)."""


def extract(state: ExtractState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Ask the model for the tasks in the text (retried on unusable answers)."""
    text = (state.get("text") or "").strip()
    if not text:
        raise ValueError("text: give the message, email or notes to read")
    kind = SourceKind(state.get("source") or SourceKind.CHAT)
    found = extract_tasks(get_chat_model(runtime.context.model), text, kind)
    return {"found": [t.model_dump(mode="json") for t in found]}


def _due(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value[:10]), datetime.min.time(), UTC)
    except ValueError:
        return None


def record(state: ExtractState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Create the tasks that are not already open; the same message creates nothing twice,
    even when it arrives twice at once (the second request finds the first one's tasks)."""
    ctx = runtime.context
    kind = str(state.get("source") or SourceKind.CHAT.value)
    digest = source_digest(kind, state.get("text") or "")
    org_id = ctx.org_id()
    db = ctx.database()
    try:
        with db.session(org_id) as session:
            earlier = tasks_from_source(session, org_id, digest)
            if earlier:
                return {"tasks": _already_created(earlier)}
            results = _create_new(session, org_id, state, kind, digest)
            created = [r["task_id"] for r in results if r["created"]]
            record_source(session, org_id, digest, created)
    except SourceAlreadyRecorded:
        with db.session(org_id) as session:
            return {"tasks": _already_created(tasks_from_source(session, org_id, digest))}
    return {"tasks": results}


def _create_new(
    session: Session, org_id: str, state: ExtractState, kind: str, digest: str
) -> list[dict[str, Any]]:
    """Create each found task that is not already open under its title; a summary of each."""
    results: list[dict[str, Any]] = []
    open_titles = open_task_titles(session, org_id)
    for data in state.get("found") or []:
        item = ExtractedTask.model_validate(data)
        existing = open_titles.get(title_key(item.title))
        if existing is not None:
            results.append(
                _summary(
                    existing,
                    item.title,
                    item.execution_type,
                    None,
                    item.confidence,
                    created=False,
                    duplicate_of=existing,
                )
            )
            continue
        # Unless the text makes it manual, the type is the AI's to choose when the task
        # runs, and what it would send waits for a person unless the automation rules
        # (e.g. a trusted sender's domain) let it act.
        task = repo.create_task(
            session,
            org_id,
            item.title,
            description=item.description,
            due_date=_due(item.due_date),
            created_by=EXTRACTOR,
            execution_type=item.execution_type,
        )
        task.ai_confidence = item.confidence
        task.ai_context = {
            "source": {
                "kind": kind,
                "digest": digest,
                "id": state.get("source_id"),
                "sender": state.get("sender"),
                "quote": item.quote,
            },
            "why": item.why,
            "extracted_by": EXTRACTOR,
        }
        open_titles[title_key(item.title)] = task.id
        results.append(
            _summary(
                task.id,
                task.title,
                task.execution_type,
                task.due_date,
                item.confidence,
                created=True,
            )
        )
    return results


def _already_created(tasks: list[Task]) -> list[dict[str, Any]]:
    return [
        _summary(
            t.id,
            t.title,
            t.execution_type,
            t.due_date,
            t.ai_confidence,
            created=False,
            duplicate_of=t.id,
        )
        for t in tasks
    ]


def _summary(
    task_id: str,
    title: str,
    execution_type: str | None,
    due: datetime | None,
    confidence: float | None,
    *,
    created: bool,
    duplicate_of: str | None = None,
) -> dict[str, Any]:
    return {
        "task_id": task_id,
        "title": title,
        "execution_type": str(execution_type) if execution_type else None,
        "due_date": due.date().isoformat() if due else None,
        "confidence": confidence,
        "created": created,
        "duplicate_of": duplicate_of,
    }


def build_graph() -> StateGraph[ExtractState, Context, ExtractInput, ExtractOutput]:
    builder = StateGraph(
        ExtractState, context_schema=Context, input_schema=ExtractInput, output_schema=ExtractOutput
    )
    builder.add_node("extract", extract, retry_policy=MODEL_RETRY)
    builder.add_node("record", record)
    builder.add_edge(START, "extract")
    builder.add_edge("extract", "record")
    builder.add_edge("record", END)
    return builder


graph = build_graph().compile(name=EXTRACTOR)
