"""Who chose a task's execution type, and whether the task may act unasked.

Every classified task gets the automation rules' decision (the task's rules, then its
organization's, then the confidence thresholds; tools/gate/automation.py), from its
category (the route), execution type, confidence, and the domains of the sender it came
from or the attendees it concerns. A task left untyped gets the model's choice, recorded
with `execution_type_chosen_by: ai`, and its outward side effects wait for a person unless
the decision is to act (by default no rule says so). A type a person set is never made more
automated, but a rule may make it ask first, or leave it with a person: a decision of
`person` runs the task as manual whatever its type (nothing is sent, not even on approval).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from store import acceptance
from store.db import Database
from store.enums import ExecutionType
from store.orgs import rules_of_task
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
    say so: the automation rules did not let it act (for a type the AI chose, no decision
    counts as not acting)."""
    decision = (ai_context or {}).get(AUTOMATION)
    if not decision:
        return chosen_by_ai(ai_context)
    return decision.get("outcome") != Outcome.ACT.value


def left_with_person(ai_context: Mapping[str, Any] | None) -> str | None:
    """Why the automation rules leave the task with a person (their decision was `person`),
    or None: the run then follows manual, whatever type the task has."""
    decision = (ai_context or {}).get(AUTOMATION)
    if not decision or decision.get("outcome") != Outcome.PERSON.value:
        return None
    return str(decision.get("reason") or f"rule {decision.get('rule')} says person")


def runs_as(
    execution_type: ExecutionType | str | None, ai_context: Mapping[str, Any] | None
) -> ExecutionType | None:
    """The type a run follows: manual when the rules leave the task with a person, fully
    automated when they let it act (a rule, a threshold or a learned promotion), else its own
    (a decision never exceeds a type a person set, so this never overrides one upward)."""
    if left_with_person(ai_context):
        return ExecutionType.MANUAL
    decision = (ai_context or {}).get(AUTOMATION) or {}
    if decision.get("outcome") == Outcome.ACT.value:
        return ExecutionType.FULLY_AUTOMATED
    return ExecutionType(execution_type) if execution_type else None


def automation_for(
    db: Database,
    org_id: str,
    task_id: str,
    execution_type: ExecutionType,
    confidence: float,
    *,
    category: str | None = None,
    type_set_by_person: bool = False,
) -> Decision:
    """The automation rules' decision for this task as classified."""
    # Read only: on SQLite a write session would queue for the write lock behind every
    # other run's writes (a fleet has dozens at once), for nothing.
    with db.read_transaction(org_id) as conn:
        task_rules, context, org_rules = rules_of_task(conn, org_id, task_id)
    task_parsed, org_parsed = parse_rules(task_rules), parse_rules(org_rules, where="rules")
    promote_after = (
        task_parsed.promote_after
        if task_parsed.promote_after is not None
        else org_parsed.promote_after
    )
    facts = TaskFacts(
        category=category,
        execution_type=execution_type,
        confidence=confidence,
        type_set_by_person=type_set_by_person,
        sender_domain=_domain(_source(context).get("sender")),
        attendee_domains=tuple(
            d for d in (_domain(a) for a in _trigger(context).get("attendees") or []) if d
        ),
        promotion=(
            acceptance.promotion_rule(db, org_id, category, promote_after)
            if category and not type_set_by_person
            else None
        ),
    )
    return decide(facts, task_parsed, org_parsed)


def _source(context: Mapping[str, Any]) -> Mapping[str, Any]:
    source = context.get("source")
    return source if isinstance(source, Mapping) else {}


def _trigger(context: Mapping[str, Any]) -> Mapping[str, Any]:
    trigger = context.get("trigger")
    return trigger if isinstance(trigger, Mapping) else {}


def _domain(address: Any) -> str | None:
    """The domain of an address (`Name <a@b.com>` or `a@b.com`), lower case."""
    if not isinstance(address, str) or "@" not in address:
        return None
    return address.rsplit("@", 1)[1].strip(" >").lower() or None
