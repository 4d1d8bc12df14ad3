"""Asking a person before a side effect: the run pauses with a LangGraph interrupt carrying
the approval request, the task is paused once (LangGraph re-runs the node on resume), and the
answer is validated, recorded and learned from.

The task is saved paused before the interrupt is checkpointed; the run keeps its claim until
then, so a run killed in between is taken over after its lease, and the step, run again,
asks the same request (same ledger key) without pausing or logging it twice."""

from __future__ import annotations

from typing import Any

from langgraph.types import interrupt

from store import awaited_approvals, learned
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus
from store.errors import InvalidInput
from tools.gate.approval import (
    ActionSkipped,
    ApprovalRejected,
    ApprovalRequest,
    Decision,
    FinishedByPerson,
    RevisionRequested,
    approval_request,
    edited_args,
    parse_decision,
    requested_action,
)
from tools.gate.calls import GatedCall
from tools.gate.gate_log import GateLog, summarize_args


def ask(log: GateLog, task_title: str, call: GatedCall, key: str) -> Decision:
    """Pause the run for a person; on resume, return their validated decision."""
    payload = approval_request(
        call.tool,
        call.args,
        task_id=log.task_id,
        task_title=task_title,
        idempotency_key=key,
        agent_id=log.agent_id,
    )
    given = _mark_waiting(log, key, payload)
    value = given if given is not None else interrupt(payload)
    while True:
        try:
            decision = parse_decision(value, call.tool)
            if decision.kind == "edit":
                merged = edited_args(call.args, decision.args)
                decision = Decision("edit", args=call.validate(merged))
            break
        except InvalidInput as exc:
            # Ask again rather than fail the run: the same payload with what was wrong.
            value = interrupt(_with_error(payload, str(exc)))
    if _mark_resumed(log, key, decision):
        _learn(log, call, decision)
    return decision


def follow(log: GateLog, tool: str, key: str, decision: Decision) -> None:
    """Raise what a person's answer means unless it lets the call run (approve, edit)."""
    if decision.kind == "reject":
        log.write("approval_rejected", tool=tool, idempotency_key=key, reason=decision.message)
        raise ApprovalRejected(tool, decision.message)
    if decision.kind == "respond":
        log.write("revision_requested", tool=tool, idempotency_key=key, note=decision.message)
        raise RevisionRequested(tool, decision.message)
    if decision.kind == "ignore":
        log.write("action_skipped", tool=tool, idempotency_key=key)
        raise ActionSkipped(tool)
    if decision.kind == "resolve":
        raise FinishedByPerson(tool, decision.message)


def _with_error(payload: ApprovalRequest, error: str) -> dict[str, Any]:
    request = payload["action_requests"][0]
    description = f"> **Invalid answer: {error}**\n\n" + str(request.get("description", ""))
    return {**payload, "action_requests": [{**request, "description": description}]}


def _learn(log: GateLog, call: GatedCall, decision: Decision) -> None:
    """Keep a person's answer for the category (this agent or workflow)."""
    learned.learn_from_answer(
        log.db,
        log.org_id,
        log.agent_id,
        task_id=log.task_id,
        tool=call.tool,
        decision=decision.kind,
        proposed=call.args,
        final=decision.args if decision.kind == "edit" else call.args,
    )


def keep_answer(db: Database, org_id: str, task_id: str, key: str, answer: Any) -> None:
    """Keep a person's answer to the request `key` that a new run asked again at its entry
    (the request's own run was replaced): the step that asks it again takes this answer
    instead of pausing. Nothing is kept once the task waits on another request."""
    with db.transaction(org_id) as conn:
        awaited_approvals.keep_answer(conn, org_id, task_id, key, answer)


def _mark_waiting(log: GateLog, key: str, payload: Any) -> Any | None:
    """Pause the task once per request: LangGraph re-runs this code when it resumes. Returns
    the answer a person already gave to this request at the run's entry (`keep_answer`)."""
    action = requested_action(payload) or {"name": "?"}
    with log.db.session(log.org_id) as session:
        task = repo.get_task(session, log.org_id, log.task_id, for_update=True)
        context = dict(task.ai_context or {})
        pending = context.get("pending_approval") or {}
        if pending.get("idempotency_key") == key:
            return pending.get("answer")
        context["pending_approval"] = {
            "idempotency_key": key,
            "tool": action["name"],
        }
        task.ai_context = context
        repo.add_execution_log_entry(
            session,
            log.org_id,
            log.task_id,
            log.entry("approval_requested", approval=payload),
        )
        if task.status is ExecutionStatus.IN_PROGRESS:
            repo.pause_task_execution(
                session,
                log.org_id,
                log.task_id,
                f"waiting for a person to approve {action['name']}",
                log.agent_id,
                "agent",
                idempotency_key=key,
                # Until the interrupt is checkpointed: a run killed before is taken over.
                keep_claim=True,
            )
    return None


def _mark_resumed(log: GateLog, key: str, decision: Decision) -> bool:
    """Back to in_progress once, recording the person's decision; False when this resume
    was already recorded (LangGraph re-ran the node)."""
    with log.db.session(log.org_id) as session:
        task = repo.get_task(session, log.org_id, log.task_id, for_update=True)
        context = dict(task.ai_context or {})
        if (context.get("pending_approval") or {}).get("idempotency_key") != key:
            return False
        context.pop("pending_approval", None)
        task.ai_context = context
        details: dict[str, Any] = {"approval": decision.kind, "idempotency_key": key}
        if decision.kind == "edit":
            details["edited_args"] = summarize_args(decision.args)
        if decision.message:
            details["note" if decision.kind != "reject" else "reason"] = decision.message
        if task.status is ExecutionStatus.PAUSED:
            repo.start_task_execution(
                session, log.org_id, log.task_id, log.agent_id, "agent", **details
            )
        else:
            repo.add_execution_log_entry(
                session, log.org_id, log.task_id, log.entry("approval", **details)
            )
    return True
