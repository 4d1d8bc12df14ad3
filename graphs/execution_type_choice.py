"""Who chose a task's execution type, and whether a type the AI chose may act unasked.

A task a person typed runs as typed. A task left untyped gets the model's choice, recorded
with `execution_type_chosen_by: ai`; its outward side effects then wait for a person's
approval unless the automation rules (the task's, then its organization's, then the
confidence thresholds; tools/gate/automation.py) say it may act. By default no rule does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from store import tasks as repo
from store.db import Database
from store.enums import ExecutionType
from store.orgs import get_automation_rules
from tools.gate.automation import Decision, Outcome, TaskFacts, decide, parse_rules

#: The ai_context key (and log field) that says who chose the execution type.
CHOSEN_BY = "execution_type_chosen_by"
#: The ai_context key holding the automation decision for an AI-chosen type.
AUTOMATION = "automation"


def chosen_by_ai(ai_context: Mapping[str, Any] | None) -> bool:
    """Whether the task's execution type is the AI's choice (not a person's)."""
    return (ai_context or {}).get(CHOSEN_BY) == "ai"


def approval_required(ai_context: Mapping[str, Any] | None) -> bool:
    """Whether the task's outward side effects wait for a person although its type may not
    say so: the AI chose the type and the automation rules did not let it act."""
    if not chosen_by_ai(ai_context):
        return False
    decision = (ai_context or {}).get(AUTOMATION) or {}
    return decision.get("outcome") != Outcome.ACT.value


def automation_for(
    db: Database, org_id: str, task_id: str, execution_type: ExecutionType, confidence: float
) -> Decision:
    """The automation rules' decision for the type the AI chose for this task."""
    with db.session() as session:
        task_rules = repo.get_task(session, org_id, task_id).automation_rules
        org_rules = get_automation_rules(session, org_id)
    facts = TaskFacts(
        category=None,
        execution_type=execution_type,
        confidence=confidence,
        type_set_by_person=False,
    )
    return decide(facts, parse_rules(task_rules), parse_rules(org_rules, where="rules"))
