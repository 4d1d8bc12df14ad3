"""Execute one task: classify it, then do it now, split it into subtasks, or block it.

Thread id = task id: the checkpoint history of a thread and the task's execution log
describe the same run. Every node writes its log entries with `node` set to its own name.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from langgraph.errors import NodeError
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command, RetryPolicy

from agents.classification import Classification
from agents.models import get_chat_model
from agents.planner import ModelOutputError, classify_task, write_deliverable
from agents.registry import WRITER, AgentSpec, get_agent
from agents.routes import DELIVERING_TOOLS, is_workflow
from agents.runner import record_agent, run_agent
from graphs import run_claims
from graphs.context import Context
from graphs.execution_type_choice import (
    AUTOMATION,
    CHOSEN_BY,
    approval_required,
    automation_for,
    left_with_person,
    runs_as,
)
from graphs.task_outcomes import (
    NEEDS_INTERVENTION,
    block_unfinished,
    blocked_outcome,
    finished_by_person,
    provider_failed,
    record_failure,
    stop_for_person,
    unfilled_gaps,
)
from graphs.task_preparation import prepare
from graphs.task_run import EXECUTOR_ID, Outcome, TaskInput, TaskRun, entry
from graphs.workflow_dispatch import run_workflow
from graphs.workflow_support import MODEL_RETRY
from store import tasks as repo
from store.enums import ExecutionStatus, ExecutionType, Strategy
from store.errors import Conflict, DelegateError, PolicyDenied
from store.fencing import StaleClaim
from store.redaction import redact, redact_value
from store.tasks import MAX_SUBTASK_DEPTH, MAX_SUBTASKS_PER_PARENT, normalize_title
from tools.backends import ProviderError, ReplyTarget
from tools.gate.approval import ApprovalRejected, FinishedByPerson
from tools.gate.calls import TaskFacts


def _log_failed_attempt(
    runtime: Runtime[Context], state: TaskRun, node: str, exc: Exception
) -> None:
    """Write the failed attempt to the log; the retry policy then tries again (or gives up
    and `on_node_error` fails the task)."""
    ctx = runtime.context
    attempt = runtime.execution_info.node_attempt if runtime.execution_info else 1
    with ctx.database().session(ctx.org_id()) as session:
        repo.add_execution_log_entry(
            session,
            ctx.org_id(),
            state["task_id"],
            entry(
                node,
                "attempt_failed",
                attempt=attempt,
                max_attempts=MODEL_RETRY.max_attempts,
                error=str(exc),
            ),
        )


def on_node_error(state: TaskRun, runtime: Runtime[Context], error: NodeError) -> Command[Any]:
    """LangGraph's error handler for every node, after its retries: fail (or re-queue) the
    task with the reason, so a run through any API leaves the store telling the truth."""
    cause = error.error
    task_id = state.get("task_id")
    if not task_id or (error.node == "prepare" and isinstance(cause, DelegateError)):
        raise cause  # nothing was changed yet (e.g. the task is already completed)
    if isinstance(cause, StaleClaim):
        raise cause  # another run took the task over: this one may change nothing more
    ctx = runtime.context
    db, org_id = ctx.database(), ctx.org_id()
    # Only ModelOutputError is retried, so reaching here with one means every attempt failed.
    attempts = MODEL_RETRY.max_attempts
    with run_claims.holding_run_claim(db, org_id, task_id, last=True, claim=False):
        outcome = record_failure(db, org_id, task_id, error.node, cause, attempts)
    return Command(update=outcome, goto=END)


def classify(state: TaskRun, runtime: Runtime[Context]) -> dict[str, Any]:
    """Ask the model for {strategy, execution_type, confidence, reason, route, deliver,
    subtasks}."""
    ctx = runtime.context
    try:
        decision = classify_task(
            get_chat_model(ctx.model),
            state["title"],
            state.get("description", ""),
            state.get("execution_type"),
            state.get("parent_title"),
        )
    except ModelOutputError as exc:
        _log_failed_attempt(runtime, state, "classify", exc)
        raise
    decision = _guard_decomposition(decision, state)
    db, org_id = ctx.database(), ctx.org_id()
    ai_typed = not state.get("execution_type")
    automation = automation_for(
        db,
        org_id,
        state["task_id"],
        decision.execution_type if ai_typed else ExecutionType(state["execution_type"]),
        decision.confidence,
        category=decision.route,
        type_set_by_person=not ai_typed,
    )
    typing: dict[str, Any] = {
        CHOSEN_BY: "ai" if ai_typed else "person",
        AUTOMATION: automation.log_entry(),
    }
    # The AI's type, unless the rules leave the task with a person: then it is manual.
    ai_type = runs_as(decision.execution_type, typing) if ai_typed else None
    repo.record_classification(
        db,
        org_id,
        state["task_id"],
        confidence=decision.confidence,
        context={
            "classification": decision.model_dump(mode="json"),
            "model": ctx.model,
            **typing,
        },
        entry=entry(
            "classify",
            "classified",
            strategy=decision.strategy.value,
            execution_type=decision.execution_type.value,
            confidence=decision.confidence,
            reason=decision.reason,
            route=decision.route,
            deliver=decision.deliver,
            **typing,
        ),
        execution_type=ai_type.value if ai_type else None,
    )
    update: dict[str, Any] = {"classification": decision.model_dump(mode="json"), **typing}
    if ai_type:
        update["execution_type"] = ai_type.value
    return update


def _guard_decomposition(decision: Classification, state: TaskRun) -> Classification:
    """Keep decomposition bounded: no splitting past the depth limit, no duplicate subtasks."""
    if decision.strategy is not Strategy.DECOMPOSE:
        return decision
    depth = state.get("depth") or 0
    seen = {normalize_title(state.get("title", ""))}
    unique = []
    for sub in decision.subtasks:
        key = normalize_title(sub.title)
        if key and key not in seen:
            seen.add(key)
            unique.append(sub)
    unique = unique[:MAX_SUBTASKS_PER_PARENT]
    if depth + 1 > MAX_SUBTASK_DEPTH or len(unique) < 2:
        return decision.model_copy(
            update={
                "strategy": Strategy.IMMEDIATE,
                "subtasks": [],
                "reason": decision.reason + " (decomposition limit reached; doing it directly)",
            }
        )
    return decision.model_copy(update={"subtasks": unique})


def route(state: TaskRun) -> Literal["execute", "decompose", "block"]:
    """Follow the classification's strategy."""
    strategy = Strategy((state.get("classification") or {}).get("strategy", "immediate"))
    if strategy is Strategy.DECOMPOSE:
        return "decompose"
    if strategy is Strategy.BLOCKED:
        return "block"
    return "execute"


def execute(state: TaskRun, runtime: Runtime[Context]) -> dict[str, Any]:
    """Do the task now through the route the classification named, and complete it.

    A workflow route runs that workflow graph as a subgraph; an agent route runs that agent
    inside this node, so a side effect waiting for approval pauses the run here (the task is
    `paused`); LangGraph re-runs the node on resume and the agent continues from its
    checkpoint. An agent gets its message-delivering tools only when the classification says
    to deliver. A policy denial or a rejection blocks the task for a person; a provider's
    refusal fails it with the provider's reason.
    """
    ctx = runtime.context
    decision = state.get("classification") or {}
    # A split the guard refused comes without a route: the writer, which sends nothing.
    route = decision.get("route") or WRITER.id
    deliver = bool(decision.get("deliver"))
    if is_workflow(route):
        return run_workflow(route, state, runtime, deliver=deliver)
    db, org_id = ctx.database(), ctx.org_id()
    task = TaskFacts(
        id=state["task_id"],
        org_id=org_id,
        title=state["title"],
        description=state.get("description", ""),
        execution_type=runs_as(state.get("execution_type"), state) or ExecutionType.SEMI_AUTOMATED,
        approval_required=approval_required(state),
        with_person_because=left_with_person(state),
        replying_to=ReplyTarget.from_context(state.get("reply_to")),
    )
    spec = _agent_for(route, deliver)
    if spec.tools:  # the writer's choice is recorded with its result, in one transaction
        record_agent(db, task, spec, "execute")
    model = get_chat_model(spec.model or ctx.model)
    try:
        if spec.tools:
            done = run_agent(spec, db=db, task=task, model=model, step="execute")
            output, actions = done.output, done.actions
        else:
            output, actions = write_deliverable(model, task.title, task.description), []
    except ModelOutputError as exc:
        _log_failed_attempt(runtime, state, "execute", exc)
        raise
    except (PolicyDenied, ApprovalRejected) as exc:
        return stop_for_person(db, org_id, state["task_id"], spec.id, exc)
    except FinishedByPerson as exc:
        return finished_by_person(db, org_id, state["task_id"], exc)
    except ProviderError as exc:
        return provider_failed(db, org_id, state["task_id"], spec.id, exc)
    # The run's state is what the LangGraph API shows: as clean as the stored result.
    result = redact_value(
        {
            "strategy": Strategy.IMMEDIATE.value,
            "output": output,
            "confidence": decision.get("confidence"),
            "agent": spec.id,
            "actions": actions,
        }
    )
    gaps = unfilled_gaps(str(result.get("output") or ""))
    if gaps is not None:
        return block_unfinished(db, org_id, state["task_id"], spec.id, result, gaps)
    repo.complete_task_execution(
        db,
        org_id,
        state["task_id"],
        result,
        EXECUTOR_ID,
        "workflow",
        agent_id=spec.id,
        node="execute",
    )
    outcome: Outcome = {
        "task_id": state["task_id"],
        "success": True,
        "strategy": Strategy.IMMEDIATE.value,
        "status": ExecutionStatus.COMPLETED.value,
        "result": result,
        "message": "Task completed",
    }
    return dict(outcome)


def _agent_for(route: str, deliver: bool) -> AgentSpec:
    """The routed agent, without its message-delivering tools when only a draft is wanted."""
    spec = get_agent(route)
    if deliver:
        return spec
    return replace(spec, tools=tuple(t for t in spec.tools if t not in DELIVERING_TOOLS))


def decompose(state: TaskRun, runtime: Runtime[Context]) -> dict[str, Any]:
    """Create the typed subtasks; automated ones are queued, manual ones wait for people."""
    ctx = runtime.context
    decision = Classification.model_validate(state["classification"])
    db, org_id = ctx.database(), ctx.org_id()
    created: list[dict[str, Any]] = []
    with db.session(org_id) as session:
        for plan in decision.subtasks:
            try:
                sub = repo.create_subtask(
                    session,
                    org_id,
                    state["task_id"],
                    plan.title,
                    plan.description,
                    plan.execution_type,
                )
            except Conflict:
                continue  # a duplicate or over the limit: the guard keeps the rest
            # The plan's types are the AI's choice: the subtask's run chooses again, and its
            # outward actions wait for a person unless the automation rules let them act.
            sub.ai_context = {**(sub.ai_context or {}), CHOSEN_BY: "ai"}
            if sub.type is not ExecutionType.MANUAL:
                repo.queue_task(session, org_id, sub.id, reason="automated subtask")
            else:
                sub.assigned_to_type = "user"
            created.append(
                {
                    "id": sub.id,
                    "title": sub.title,
                    "description": sub.description,
                    "execution_type": sub.execution_type,
                    "status": sub.execution_status,
                }
            )
        repo.pause_task_execution(
            session,
            org_id,
            state["task_id"],
            f"waiting on {len(created)} subtasks",
            node="decompose",
            subtask_ids=[c["id"] for c in created],
        )
    outcome: Outcome = {
        "task_id": state["task_id"],
        "success": True,
        "strategy": Strategy.DECOMPOSE.value,
        "status": ExecutionStatus.PAUSED.value,
        "subtasks": created,
        "message": f"Created {len(created)} subtasks",
    }
    return dict(outcome)


def block(state: TaskRun, runtime: Runtime[Context]) -> dict[str, Any]:
    """Hand the task to a person, saying what would unblock it."""
    ctx = runtime.context
    decision = state.get("classification") or {}
    reason = redact(decision.get("reason") or "needs a person")
    db, org_id = ctx.database(), ctx.org_id()
    repo.block_task_execution(
        db, org_id, state["task_id"], reason, EXECUTOR_ID, "workflow", node="block"
    )
    return blocked_outcome(state["task_id"], reason, NEEDS_INTERVENTION)


def build_graph(
    model_retry: RetryPolicy = MODEL_RETRY,
) -> StateGraph[TaskRun, Context, TaskInput, Outcome]:
    """The uncompiled graph, so callers can compile it with their own checkpointer."""
    builder = StateGraph(
        TaskRun, context_schema=Context, input_schema=TaskInput, output_schema=Outcome
    )
    # LangGraph's typed overloads don't list handlers taking `error: NodeError` yet.
    builder.set_node_defaults(error_handler=on_node_error)  # type: ignore[arg-type]
    # A run the LangGraph server started holds its claim in every node (graphs/run_claims.py).
    claimed = run_claims.under_run_claim
    builder.add_node("prepare", prepare)
    builder.add_node("classify", claimed(classify), retry_policy=model_retry)
    builder.add_node("execute", claimed(execute, last=True), retry_policy=model_retry)
    builder.add_node("decompose", claimed(decompose, last=True))
    builder.add_node("block", claimed(block, last=True))
    builder.add_edge(START, "prepare")
    builder.add_edge("prepare", "classify")
    builder.add_conditional_edges("classify", route)
    for node in ("execute", "decompose", "block"):
        builder.add_edge(node, END)
    return builder


graph = build_graph().compile(name="execute_task")
