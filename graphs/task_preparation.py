"""execute_task's first node: load (or create) the task, claim it when a LangGraph server run
starts it, and mark it in_progress."""

from __future__ import annotations

import uuid
from typing import Any

from langgraph.config import get_config
from langgraph.runtime import Runtime
from langgraph.types import interrupt
from sqlalchemy.orm import Session

from agents.prompts import with_person_notes
from graphs import run_claims
from graphs.context import Context
from graphs.execution_type_choice import chosen_by_ai
from graphs.task_run import EXECUTOR_ID, OUTCOME_KEYS, TaskRun
from store import claims
from store import tasks as repo
from store.awaited_approvals import awaited_approval
from store.db import Database, Transaction
from store.enums import Priority
from store.errors import InvalidInput
from store.fencing import held_claim
from store.models import Task
from store.person_actions import person_notes
from tools.gate import ask_person


def prepare(state: TaskRun, runtime: Runtime[Context]) -> dict[str, Any]:
    """Load (or create) the task and mark it in_progress; reset what an earlier run left.

    A task created from a title takes the run's thread id as its id (when that is free), so
    a thread started through the LangGraph API and the task it creates share one id."""
    ctx = runtime.context
    db = ctx.database()
    org_id = ctx.org_id()
    task_id = state.get("task_id")
    if not task_id and not (state.get("title") or "").strip():
        raise InvalidInput("give a task_id to run a task, or a title to create one and run it")
    if task_id:
        answered = _ask_again_what_it_waits_on(db, org_id, task_id)
        if held_claim(task_id) is not None:  # a TaskRunner claimed it: the start is the write
            fresh = _start(db, org_id, task_id)
        else:
            with db.transaction(org_id) as conn:
                if not _is_uuid(task_id):
                    task_id = repo.resolve_task_id(conn, org_id, task_id)
                fresh = _claim_and_start(conn, db, org_id, task_id, answered=answered)
    else:
        with db.session(org_id) as session:  # created, claimed and started in one transaction
            thread_id = str(get_config().get("configurable", {}).get("thread_id") or "")
            task = repo.create_task(
                session,
                org_id,
                state.get("title", ""),
                description=state.get("description", ""),
                execution_type=state.get("execution_type") or None,  # unset: the AI chooses
                priority=state.get("priority") or Priority.MEDIUM,
                task_id=thread_id if _is_free_uuid(session, thread_id) else None,
            )
            fresh = _claim_and_start(session, db, org_id, task.id)
    # Write only what changed: every channel written is a row in the checkpoint's writes.
    update: dict[str, Any] = {k: v for k, v in fresh.items() if state.get(k) != v}
    update.update({k: None for k in OUTCOME_KEYS if state.get(k) is not None})
    return update


def _ask_again_what_it_waits_on(db: Database, org_id: str, task_id: str) -> bool:
    """A new server run on a task paused at an approval (a LangGraph API client may start one
    on its thread, which replaces the interrupt there; or the server died before it saved the
    interrupt): ask the same request again, so it stays pending and visible, and keep the
    answer for the step that asks it (that step then acts on it instead of pausing). True
    once a person answered (also before this run: an answer kept with the request)."""
    if run_claims.server_run_id() is None or not _is_uuid(task_id):
        return False
    with db.read_transaction(org_id) as conn:
        asked = awaited_approval(conn, org_id, task_id)
    if asked is None or asked.request is None:
        return False
    if asked.answer is None:
        answer = interrupt(asked.request)
        ask_person.keep_answer(db, org_id, task_id, asked.idempotency_key, answer)
    return True


def _claim_and_start(
    tx: Transaction, db: Database, org_id: str, task_id: str, *, answered: bool = False
) -> dict[str, Any]:
    """Start the task; a LangGraph server run claims it first, in the same transaction (a
    TaskRunner has claimed it already). A refused claim or start writes nothing."""
    claim = run_claims.claim_for_server_run(tx, db, org_id, task_id, answered=answered)
    if claim is None:
        return _start(tx, org_id, task_id)
    try:
        with claims.holding(claim):
            return _start(tx, org_id, task_id)
    except BaseException:
        run_claims.abandon_run_claim(db, claim)  # rolled back with the transaction
        raise


def _start(tx: Transaction | Database, org_id: str, task_id: str) -> dict[str, Any]:
    """Mark the task in_progress (given the Database: in a transaction of its own, on
    PostgreSQL one statement); the state fields a run reads from it."""
    started = repo.start_task_execution(
        tx, org_id, task_id, EXECUTOR_ID, "workflow", node="prepare"
    )
    parent_id = started.parent_task_id
    return {
        "task_id": started.id,
        "title": started.title,
        "description": with_person_notes(started.description, person_notes(started.ai_context)),
        # A type the AI chose before is chosen again: the person never set one.
        "execution_type": None if chosen_by_ai(started.ai_context) else started.execution_type,
        "depth": started.depth,
        "parent_title": _title_of(tx, org_id, parent_id) if parent_id else None,
        "reply_to": (started.ai_context or {}).get("reply_to"),
    }


def _title_of(tx: Transaction | Database, org_id: str, task_id: str) -> str | None:
    if isinstance(tx, Database):
        with tx.read_transaction(org_id) as conn:
            return repo.get_title(conn, org_id, task_id)
    return repo.get_title(tx, org_id, task_id)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _is_free_uuid(session: Session, value: str) -> bool:
    return _is_uuid(value) and session.get(Task, value) is None
