"""The organization's automation rules: read them, replace them (validated whole)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.errors import ERROR_RESPONSES, MAX_BODY_BYTES
from app.api.state import CallerDep, StateDep
from store.orgs import get_automation_rules, set_automation_rules
from tools.gate.automation import AutomationRules, parse_rules, rules_as_stored

router = APIRouter(
    prefix="/api", tags=["rules"], responses=ERROR_RESPONSES, max_body_size=MAX_BODY_BYTES
)


@router.get("/rules", response_model=AutomationRules, response_model_exclude_none=True)
def get_rules(caller: CallerDep, state: StateDep) -> AutomationRules:
    """The rules every task of the organization follows after its own, and the thresholds."""
    with state.db.session(caller.org_id) as session:
        return parse_rules(get_automation_rules(session, caller.org_id), where="rules")


@router.put("/rules", response_model=AutomationRules, response_model_exclude_none=True)
def put_rules(body: AutomationRules, caller: CallerDep, state: StateDep) -> AutomationRules:
    """Replace the organization's rules (a bad rule is a 422 naming its field)."""
    with state.db.session(caller.org_id) as session:
        stored = set_automation_rules(session, caller.org_id, rules_as_stored(body))
    return parse_rules(stored, where="rules")
