"""Extract tasks from a text and run the executable new ones: what `POST /api/chat` and
`delegate extract` do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agents.planner import ModelOutputError
from store.errors import DelegateError

if TYPE_CHECKING:
    from graphs.runner import TaskRunner


def extract_and_run(
    runner: TaskRunner,
    text: str,
    source: str = "chat",
    *,
    source_id: str | None = None,
    sender: str | None = None,
    run: bool = True,
) -> dict[str, Any]:
    """{"reply", "tasks"}: the tasks found (new or already open), each new executable one run
    to its outcome (manual ones wait for a person)."""
    from agents.extraction import SourceKind
    from graphs.context import ProcessContext
    from graphs.extract_tasks import ExtractInput, graph

    context = ProcessContext(
        organization_name=runner.organization,
        database_url=runner.db.url,
        model=runner.context.model,
    )
    request: ExtractInput = {"text": text, "source": SourceKind(source)}
    if source_id:
        request["source_id"] = source_id
    if sender:
        request["sender"] = sender
    try:
        found: list[dict[str, Any]] = graph.invoke(request, context=context)["tasks"]
    except ModelOutputError as exc:  # retried by the graph already: say so, create nothing
        return {"reply": f"I could not read tasks from that message: {exc}", "tasks": []}
    for task in found:
        if not (run and task["created"]) or task["execution_type"] == "manual":
            continue
        try:
            outcome = runner.execute(task["task_id"])
        except DelegateError as exc:
            task["error"] = str(exc)
            continue
        task["outcome"] = {k: v for k, v in outcome.items() if k != "task_id"}
        task["status"] = outcome.get("status")
    return {"reply": reply_for(found), "tasks": found}


def reply_for(tasks: list[dict[str, Any]]) -> str:
    """One short paragraph a chat product can show as Delegate's answer."""
    if not tasks:
        return "I found no task in that message."
    new = [t for t in tasks if t["created"]]
    known = [t for t in tasks if not t["created"]]
    parts = []
    if new:
        titles = "; ".join(f"{t['title']} ({_state(t)})" for t in new)
        parts.append(f"I created {len(new)} task{'s' if len(new) != 1 else ''}: {titles}.")
    if known:
        titles = "; ".join(t["title"] for t in known)
        parts.append(f"Already on the list: {titles}.")
    return " ".join(parts)


def _state(task: dict[str, Any]) -> str:
    if "error" in task:
        return f"could not run: {task['error']}"
    status = task.get("status")
    if status is None:
        return "waiting for a person" if task["execution_type"] == "manual" else "pending"
    return {
        "completed": "done",
        "paused": "waiting for your approval",
        "blocked": "needs a person",
        "queued": "queued",
        "failed": "failed",
    }.get(status, str(status))
