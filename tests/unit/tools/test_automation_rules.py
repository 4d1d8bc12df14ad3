"""tools.gate.automation: every condition and outcome, precedence, caps, and bad rules."""

from __future__ import annotations

from typing import Any

import pytest

from store.enums import ExecutionType as T
from store.errors import InvalidInput
from tools.gate.automation import (
    AutomationRules,
    Decision,
    Outcome,
    TaskFacts,
    decide,
    parse_rules,
)

NONE = AutomationRules()


def facts(**overrides: Any) -> TaskFacts:
    base: dict[str, Any] = {
        "category": "email",
        "execution_type": T.FULLY_AUTOMATED,
        "confidence": 0.8,
        "type_set_by_person": False,
        "sender_domain": "corp.com",
        "attendee_domains": ("corp.com",),
    }
    return TaskFacts(**{**base, **overrides})


def one_rule(when: dict[str, Any], then: str = "act") -> AutomationRules:
    return parse_rules({"rules": [{"name": "the rule", "when": when, "then": then}]})


# Each condition: (the rule's `when`, facts it matches, facts it does not match).
CONDITIONS = [
    ({"category": ["email", "slack"]}, {"category": "slack"}, {"category": "calendar"}),
    ({"execution_type": ["semi_automated"]}, {"execution_type": T.SEMI_AUTOMATED}, {}),
    ({"min_confidence": 0.9}, {"confidence": 0.95}, {"confidence": 0.85}),
    ({"max_confidence": 0.3}, {"confidence": 0.2}, {"confidence": 0.4}),
    (
        {"sender_domains": ["corp.com"]},
        {"sender_domain": "mail.corp.com"},
        {"sender_domain": "evil.com"},
    ),
    ({"sender_domains": ["corp.com"]}, {"sender_domain": "CORP.com"}, {"sender_domain": None}),
    (
        {"attendee_domains": ["corp.com"]},
        {"attendee_domains": ("corp.com", "eu.corp.com")},
        {"attendee_domains": ("corp.com", "partner.io")},
    ),
    ({"attendee_domains": ["corp.com"]}, {}, {"attendee_domains": ()}),
    ({"sender_domains": ["corp.com"]}, {}, {"sender_domain": "notcorp.com"}),
]


@pytest.mark.parametrize(("when", "matching", "other"), CONDITIONS)
def test_a_rule_applies_exactly_when_its_condition_holds(
    when: dict[str, Any], matching: dict[str, Any], other: dict[str, Any]
) -> None:
    rules = one_rule(when, then="person")

    assert decide(facts(**matching), rules, NONE).rule == "the rule"
    assert decide(facts(**other), rules, NONE).rule != "the rule"


@pytest.mark.parametrize(
    ("then", "execution_type"),
    [("act", T.FULLY_AUTOMATED), ("ask", T.SEMI_AUTOMATED), ("person", T.MANUAL)],
)
def test_each_outcome_runs_as_its_execution_type(then: str, execution_type: T) -> None:
    decision = decide(facts(), one_rule({}, then=then), NONE)

    assert decision.outcome == Outcome(then)
    assert decision.execution_type == execution_type


def test_all_conditions_of_a_rule_must_hold() -> None:
    rules = one_rule({"category": ["email"], "min_confidence": 0.9})

    assert decide(facts(confidence=0.95), rules, NONE).rule == "the rule"
    assert decide(facts(confidence=0.5), rules, NONE).rule != "the rule"


def test_the_task_s_rules_come_before_the_organization_s() -> None:
    task = parse_rules({"rules": [{"name": "task says ask", "then": "ask"}]})
    org = parse_rules({"rules": [{"name": "org says act", "then": "act"}]})

    decision = decide(facts(), task, org)

    assert (decision.rule, decision.source, decision.outcome) == ("task says ask", "task", "ask")


def test_the_first_matching_rule_wins() -> None:
    org = parse_rules(
        {
            "rules": [
                {"name": "slack acts", "when": {"category": ["slack"]}, "then": "act"},
                {"name": "email asks", "when": {"category": ["email"]}, "then": "ask"},
                {"name": "everything else", "then": "person"},
            ]
        }
    )

    assert decide(facts(), NONE, org).rule == "email asks"
    assert decide(facts(category="browser"), NONE, org).rule == "everything else"


@pytest.mark.parametrize(
    ("confidence", "outcome"), [(0.95, Outcome.ACT), (0.7, Outcome.ASK), (0.3, Outcome.PERSON)]
)
def test_thresholds_route_an_ai_chosen_type_by_confidence(
    confidence: float, outcome: Outcome
) -> None:
    org = parse_rules({"thresholds": {"act": 0.9, "ask": 0.6}})

    decision = decide(facts(confidence=confidence), NONE, org)

    assert (decision.outcome, decision.rule, decision.source) == (
        outcome,
        "thresholds",
        "organization",
    )


def test_without_an_act_threshold_the_ai_alone_never_acts() -> None:
    decision = decide(facts(confidence=0.99), NONE, NONE)

    assert decision.outcome is Outcome.ASK
    assert "no act threshold" in decision.reason


def test_an_ai_chosen_manual_type_stays_with_a_person_whatever_the_confidence() -> None:
    org = parse_rules({"thresholds": {"act": 0.5}})

    assert (
        decide(facts(execution_type=T.MANUAL, confidence=1.0), NONE, org).outcome is Outcome.PERSON
    )


@pytest.mark.parametrize(
    ("person_set", "expected"),
    [(T.FULLY_AUTOMATED, Outcome.ACT), (T.SEMI_AUTOMATED, Outcome.ASK), (T.MANUAL, Outcome.PERSON)],
)
def test_a_type_a_person_set_is_kept_when_no_rule_applies(person_set: T, expected: Outcome) -> None:
    decision = decide(
        facts(execution_type=person_set, type_set_by_person=True, confidence=0.1), NONE, NONE
    )

    assert decision.outcome is expected
    assert decision.rule == "set by a person"


def test_a_rule_never_makes_a_task_more_automated_than_a_person_set() -> None:
    org = one_rule({}, then="act")

    decision = decide(facts(execution_type=T.MANUAL, type_set_by_person=True), NONE, org)

    assert decision.outcome is Outcome.PERSON
    assert "a person set manual" in decision.reason


def test_a_rule_may_make_a_task_less_automated_than_a_person_set() -> None:
    org = one_rule({"category": ["email"]}, then="ask")

    decision = decide(facts(type_set_by_person=True), NONE, org)

    assert decision.outcome is Outcome.ASK


def test_the_log_entry_names_the_rule_and_the_reason() -> None:
    entry = decide(facts(), one_rule({}, then="ask"), NONE).log_entry()

    assert entry == {
        "outcome": "ask",
        "execution_type": "semi_automated",
        "rule": "the rule",
        "source": "task",
        "reason": "rule 'the rule' (task) says ask",
    }
    assert isinstance(decide(facts(), NONE, NONE), Decision)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"rules": [{"name": "x", "then": "explode"}]}, "automation_rules.rules.0.then"),
        ({"rules": [{"then": "act"}]}, "automation_rules.rules.0.name"),
        ({"rules": [{"name": "x", "then": "act", "when": {"colour": ["red"]}}]}, "when.colour"),
        (
            {"rules": [{"name": "x", "then": "act", "when": {"min_confidence": 2}}]},
            "min_confidence",
        ),
        (
            {"rules": [{"name": "x", "then": "act", "when": {"sender_domains": ["a b"]}}]},
            "sender_domains.0",
        ),
        ({"thresholds": {"ask": -0.1}}, "automation_rules.thresholds.ask"),
        ({"surprise": True}, "automation_rules.surprise"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_field(bad: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput, match=field.replace(".", r"\.")):
        parse_rules(bad)


def test_an_act_threshold_below_ask_acts_only_from_ask_up() -> None:
    org = parse_rules({"thresholds": {"act": 0.2, "ask": 0.6}})

    assert decide(facts(confidence=0.4), NONE, org).outcome is Outcome.PERSON
    assert decide(facts(confidence=0.7), NONE, org).outcome is Outcome.ACT


# Every rule outcome against every type a person can set (and none): what the task runs as.
# A rule may make a task less automated than a person set, never more.
RULE_OUTCOME_TABLE = [
    # (rule says, type a person set or None for the AI's choice, outcome)
    ("act", None, Outcome.ACT),
    ("ask", None, Outcome.ASK),
    ("person", None, Outcome.PERSON),
    ("act", T.FULLY_AUTOMATED, Outcome.ACT),
    ("ask", T.FULLY_AUTOMATED, Outcome.ASK),
    ("person", T.FULLY_AUTOMATED, Outcome.PERSON),
    ("act", T.SEMI_AUTOMATED, Outcome.ASK),
    ("ask", T.SEMI_AUTOMATED, Outcome.ASK),
    ("person", T.SEMI_AUTOMATED, Outcome.PERSON),
    ("act", T.MANUAL, Outcome.PERSON),
    ("ask", T.MANUAL, Outcome.PERSON),
    ("person", T.MANUAL, Outcome.PERSON),
]


@pytest.mark.parametrize(("then", "person_set", "expected"), RULE_OUTCOME_TABLE)
def test_a_rule_s_outcome_against_the_type_a_person_set(
    then: str, person_set: T | None, expected: Outcome
) -> None:
    typed = {"execution_type": person_set, "type_set_by_person": True} if person_set else {}

    decision = decide(facts(**typed), NONE, one_rule({}, then=then))

    assert (decision.outcome, decision.rule, decision.source) == (
        expected,
        "the rule",
        "organization",
    )
    assert (
        decision.execution_type
        is {
            Outcome.ACT: T.FULLY_AUTOMATED,
            Outcome.ASK: T.SEMI_AUTOMATED,
            Outcome.PERSON: T.MANUAL,
        }[expected]
    )


# The thresholds against every type the AI can choose, in each confidence band
# (act 0.9, ask 0.6): the AI's choice is never made more automated either.
THRESHOLD_TABLE = [
    (T.FULLY_AUTOMATED, 0.95, Outcome.ACT),
    (T.FULLY_AUTOMATED, 0.7, Outcome.ASK),
    (T.FULLY_AUTOMATED, 0.3, Outcome.PERSON),
    (T.SEMI_AUTOMATED, 0.95, Outcome.ASK),
    (T.SEMI_AUTOMATED, 0.7, Outcome.ASK),
    (T.SEMI_AUTOMATED, 0.3, Outcome.PERSON),
    (T.MANUAL, 0.95, Outcome.PERSON),
    (T.MANUAL, 0.7, Outcome.PERSON),
    (T.MANUAL, 0.3, Outcome.PERSON),
]


@pytest.mark.parametrize(("ai_chose", "confidence", "expected"), THRESHOLD_TABLE)
def test_the_thresholds_against_the_type_the_ai_chose(
    ai_chose: T, confidence: float, expected: Outcome
) -> None:
    org = parse_rules({"thresholds": {"act": 0.9, "ask": 0.6}})

    decision = decide(facts(execution_type=ai_chose, confidence=confidence), NONE, org)

    assert (decision.outcome, decision.rule) == (expected, "thresholds")


@pytest.mark.parametrize(
    ("when", "value"),
    [
        ({"min_confidence": 0.9}, {"confidence": 0.9}),
        ({"max_confidence": 0.3}, {"confidence": 0.3}),
        ({"sender_domains": ["corp.com"]}, {"sender_domain": "corp.com."}),
        ({"execution_type": ["manual", "fully_automated"]}, {}),
    ],
)
def test_a_condition_s_boundary_value_holds(when: dict[str, Any], value: dict[str, Any]) -> None:
    assert decide(facts(**value), one_rule(when, then="ask"), NONE).rule == "the rule"


def test_a_rule_without_conditions_applies_to_every_task() -> None:
    rules = one_rule({}, then="person")

    for category in ("email_drafting", "slack", None):
        assert decide(facts(category=category, sender_domain=None), rules, NONE).rule == "the rule"


def test_a_task_s_thresholds_come_before_the_organization_s() -> None:
    task = parse_rules({"thresholds": {"act": 0.5}})
    org = parse_rules({"thresholds": {"act": 0.99}})

    decision = decide(facts(confidence=0.8), task, org)

    assert (decision.outcome, decision.source) == (Outcome.ACT, "task")


PROMOTED = "learned: promoted after 5 acceptances"


@pytest.mark.parametrize("ai_chose", [T.FULLY_AUTOMATED, T.SEMI_AUTOMATED])
def test_a_promoted_category_acts_where_the_thresholds_would_ask(ai_chose: T) -> None:
    decision = decide(facts(execution_type=ai_chose, promotion=PROMOTED), NONE, NONE)

    assert (decision.outcome, decision.rule, decision.source) == (Outcome.ACT, PROMOTED, "learned")
    assert decision.reason.startswith(PROMOTED)


def test_a_promotion_never_acts_below_the_ask_threshold() -> None:
    decision = decide(facts(confidence=0.2, promotion=PROMOTED), NONE, NONE)

    assert decision.outcome is Outcome.PERSON


def test_a_promotion_never_overrides_a_type_a_person_set() -> None:
    decision = decide(
        facts(execution_type=T.SEMI_AUTOMATED, type_set_by_person=True, promotion=PROMOTED),
        NONE,
        NONE,
    )

    assert decision.outcome is Outcome.ASK


def test_a_category_a_rule_names_is_never_promoted() -> None:
    # The rule does not match this task (confidence too low) but pins its category.
    org = one_rule({"category": ["email"], "min_confidence": 0.99}, then="act")

    decision = decide(facts(promotion=PROMOTED), NONE, org)

    assert (decision.outcome, decision.rule) == (Outcome.ASK, "thresholds")
    assert org.pins("email") is not None and org.pins("slack") is None


def test_a_matching_rule_decides_before_a_promotion() -> None:
    decision = decide(facts(promotion=PROMOTED), NONE, one_rule({}, then="ask"))

    assert (decision.outcome, decision.rule) == (Outcome.ASK, "the rule")


@pytest.mark.parametrize("bad", [-1, 1001, "five"])
def test_a_bad_promote_after_is_refused_naming_the_field(bad: Any) -> None:
    with pytest.raises(InvalidInput, match=r"automation_rules\.promote_after"):
        parse_rules({"promote_after": bad})
