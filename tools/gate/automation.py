"""Automation rules: whether a task acts on its own, waits for a person's approval, or stays
with a person — decided from its category, execution type, confidence and the domains of
the people it came from or concerns.

Rules come from the task (`automation_rules`) and from its organization; the first rule
whose conditions all hold decides, the task's before the organization's. With no rule,
the confidence thresholds decide for a type the AI chose (high: act, middle: ask, low: a
person), and a type a person set is kept. A decision is never more automated than what a
person set: a task a person marked manual stays with a person, semi-automated asks. What
people's answers taught may promote a category (store.acceptance): a task of an AI-chosen
type that the thresholds alone would make ask then acts — never in a category a rule names,
never below the ask threshold, never for a type a person set.
Every decision names the rule (or threshold) that made it, for the execution log.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from store.enums import ExecutionType
from store.errors import InvalidInput


class Outcome(StrEnum):
    """What a rule decides for a task."""

    ACT = "act"
    """The AI acts on its own (fully automated)."""
    ASK = "ask"
    """The AI drafts; a person approves before any side effect (semi-automated)."""
    PERSON = "person"
    """A person does it (manual)."""


#: The execution type each outcome runs as.
EXECUTION_TYPE = {
    Outcome.ACT: ExecutionType.FULLY_AUTOMATED,
    Outcome.ASK: ExecutionType.SEMI_AUTOMATED,
    Outcome.PERSON: ExecutionType.MANUAL,
}
_RANK = {Outcome.PERSON: 0, Outcome.ASK: 1, Outcome.ACT: 2}
_OUTCOME_OF_TYPE = {t: o for o, t in EXECUTION_TYPE.items()}

Confidence = Annotated[float, Field(ge=0.0, le=1.0)]
Domain = Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.-]+$")]
_STRICT = ConfigDict(extra="forbid")


class Conditions(BaseModel):
    """All conditions must hold for a rule to apply; an absent condition always holds."""

    model_config = _STRICT

    category: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(
        default=None, description="The task's category: the route that does the work."
    )
    execution_type: list[ExecutionType] | None = None
    min_confidence: Confidence | None = None
    max_confidence: Confidence | None = None
    sender_domains: list[Domain] | None = Field(
        default=None, description="The task came from a message sent from one of these."
    )
    attendee_domains: list[Domain] | None = Field(
        default=None, description="Every attendee or recipient is in one of these domains."
    )


class Rule(BaseModel):
    """`when` these conditions hold, `then` this outcome."""

    model_config = _STRICT

    name: Annotated[str, Field(min_length=1, max_length=100)]
    when: Conditions = Field(default_factory=Conditions)
    then: Outcome


class Thresholds(BaseModel):
    """Confidence cut-offs for a type the AI chose: at or above `act` it acts, at or above
    `ask` it asks, below `ask` a person does it (`ask` is checked first, so an `act` below
    it acts only from `ask` up). No `act` means the AI's choice alone never acts: its
    outward actions wait for approval."""

    model_config = _STRICT

    act: Confidence | None = None
    ask: Confidence = 0.5


class AutomationRules(BaseModel):
    """A task's or an organization's automation rules."""

    model_config = _STRICT

    rules: list[Rule] = Field(default_factory=list, max_length=50)
    thresholds: Thresholds | None = None
    promote_after: int | None = Field(
        default=None,
        ge=0,
        le=1000,
        description="Acceptances in a row (approvals without edits, ratings 4-5) that promote "
        "a category: its actions that would wait for approval only because of the thresholds "
        "act on their own. 0: never; unset: 5.",
    )

    def pins(self, category: str | None) -> Rule | None:
        """The first rule naming the category in its conditions: the rules decide for it,
        so what is learned never promotes it."""
        return next(
            (r for r in self.rules if category and category in (r.when.category or [])), None
        )


def parse_rules(data: Any, *, where: str = "automation_rules") -> AutomationRules:
    """Validate stored or submitted rules; InvalidInput naming the first bad field."""
    try:
        return AutomationRules.model_validate(data or {})
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in (where, *error["loc"]))
        raise InvalidInput(f"{field}: {error['msg']}") from None


def rules_as_stored(rules: AutomationRules) -> dict[str, Any]:
    """The JSON object a task's or an organization's rules are stored as."""
    return rules.model_dump(mode="json", exclude_none=True)


@dataclass(frozen=True)
class TaskFacts:
    """What the rules look at in one task."""

    category: str | None
    execution_type: ExecutionType
    confidence: float
    type_set_by_person: bool
    sender_domain: str | None = None
    attendee_domains: tuple[str, ...] = ()
    promotion: str | None = None
    """Why people's answers promote the category (store.acceptance), or None."""


@dataclass(frozen=True)
class Decision:
    """The outcome for a task and what made it."""

    outcome: Outcome
    rule: str
    """The rule's name, `thresholds`, or `set by a person`."""
    source: str
    """task, organization, default, or learned (a promotion)."""
    reason: str

    @property
    def execution_type(self) -> ExecutionType:
        return EXECUTION_TYPE[self.outcome]

    def log_entry(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "execution_type": self.execution_type.value,
            "rule": self.rule,
            "source": self.source,
            "reason": self.reason,
        }


def _matches(rule: Rule, facts: TaskFacts) -> bool:
    when = rule.when
    if when.category is not None and (facts.category or "") not in when.category:
        return False
    if when.execution_type is not None and facts.execution_type not in when.execution_type:
        return False
    if when.min_confidence is not None and facts.confidence < when.min_confidence:
        return False
    if when.max_confidence is not None and facts.confidence > when.max_confidence:
        return False
    if when.sender_domains is not None and not _in_domains(
        facts.sender_domain, when.sender_domains
    ):
        return False
    if when.attendee_domains is not None:
        attendees = facts.attendee_domains
        if not attendees or not all(_in_domains(d, when.attendee_domains) for d in attendees):
            return False
    return True


def _in_domains(domain: str | None, allowed: list[str]) -> bool:
    if not domain:
        return False
    domain = domain.lower().rstrip(".")
    return any(domain == a.lower() or domain.endswith("." + a.lower()) for a in allowed)


def _capped(outcome: Outcome, facts: TaskFacts) -> Outcome:
    """Never more automated than a type a person set."""
    if not facts.type_set_by_person:
        return outcome
    ceiling = _OUTCOME_OF_TYPE[facts.execution_type]
    return outcome if _RANK[outcome] <= _RANK[ceiling] else ceiling


def _pinned(category: str | None, *rule_sets: AutomationRules) -> bool:
    return any(rules.pins(category) for rules in rule_sets)


def decide(facts: TaskFacts, task_rules: AutomationRules, org_rules: AutomationRules) -> Decision:
    """The first matching rule's outcome, else the thresholds' (or the person's type)."""
    for source, rules in (("task", task_rules), ("organization", org_rules)):
        for rule in rules.rules:
            if _matches(rule, facts):
                outcome = _capped(rule.then, facts)
                reason = f"rule '{rule.name}' ({source}) says {rule.then.value}"
                if outcome is not rule.then:
                    reason += f", kept at {outcome.value}: a person set {facts.execution_type}"
                return Decision(outcome, rule.name, source, reason)
    if facts.type_set_by_person:
        outcome = _OUTCOME_OF_TYPE[facts.execution_type]
        reason = f"no rule applies; a person set {facts.execution_type.value}"
        return Decision(outcome, "set by a person", "task", reason)
    thresholds = task_rules.thresholds or org_rules.thresholds or Thresholds()
    source = (
        "task" if task_rules.thresholds else "organization" if org_rules.thresholds else "default"
    )
    proposed = _OUTCOME_OF_TYPE[facts.execution_type]
    if facts.confidence < thresholds.ask:
        outcome = Outcome.PERSON
        reason = f"confidence {facts.confidence:.2f} is below the ask threshold {thresholds.ask}"
    elif proposed is Outcome.ACT and (thresholds.act is None or facts.confidence < thresholds.act):
        outcome = Outcome.ASK
        limit = (
            "no act threshold is set"
            if thresholds.act is None
            else (f"confidence {facts.confidence:.2f} is below the act threshold {thresholds.act}")
        )
        reason = f"the AI chose fully_automated, but {limit}: a person approves its actions"
    else:
        outcome = proposed
        reason = f"the AI chose {facts.execution_type.value} with confidence {facts.confidence:.2f}"
    if (
        outcome is Outcome.ASK
        and facts.promotion
        and not _pinned(facts.category, task_rules, org_rules)
    ):
        reason = (
            f"{facts.promotion} in {facts.category}: people accepted its last actions as they "
            f"were, so what the thresholds would hold for approval acts ({reason})"
        )
        return Decision(Outcome.ACT, facts.promotion, "learned", reason)
    return Decision(outcome, "thresholds", source, reason)
