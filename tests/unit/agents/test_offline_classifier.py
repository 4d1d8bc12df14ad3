"""The offline classifier: accuracy per class on the public and extra sets, reasons, subtasks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agents.evaluation import evaluate, load_labelled
from agents.models import get_chat_model
from agents.offline.classifier import classify
from agents.offline.text import TaskText
from store.enums import ExecutionType, Strategy

PUBLIC_SET = Path("/work/shared/eval/classify_public.jsonl")
EXTRA_SET = Path(__file__).parent / "data" / "classify_extra.jsonl"


def _strategy_scores(path: Path) -> dict[str, Any]:
    scores: dict[str, Any] = evaluate(get_chat_model("offline"), load_labelled([path])).as_dict()
    return scores["strategy"]


@pytest.mark.skipif(not PUBLIC_SET.exists(), reason="public eval set not present")
@pytest.mark.parametrize("strategy", [s.value for s in Strategy])
def test_public_set_recall_per_class_is_at_least_90_percent(strategy: str) -> None:
    bucket = _strategy_scores(PUBLIC_SET)["per_class"][strategy]
    assert bucket["support"] > 0
    assert bucket["recall"] >= 0.9


@pytest.mark.parametrize("strategy", [s.value for s in Strategy])
def test_extra_set_recall_per_class_is_at_least_90_percent(strategy: str) -> None:
    bucket = _strategy_scores(EXTRA_SET)["per_class"][strategy]
    assert bucket["support"] >= 10
    assert bucket["recall"] >= 0.9


def test_blocked_purchase_reason_says_what_would_unblock_it() -> None:
    decision = classify(TaskText("Order new office chairs"))
    assert decision.strategy is Strategy.BLOCKED
    assert decision.execution_type is ExecutionType.MANUAL
    assert "purchasing authority" in decision.reason
    assert "unblock by ordering new office chairs" in decision.reason


def test_blocked_phone_call_reason_offers_an_alternative() -> None:
    decision = classify(TaskText("Call customer about complaint"))
    assert decision.strategy is Strategy.BLOCKED
    assert "phone call" in decision.reason
    assert "unblock by calling customer about complaint" in decision.reason


def test_signature_by_participle_is_blocked() -> None:
    decision = classify(TaskText("Get the NDA signed by the CEO"))
    assert decision.strategy is Strategy.BLOCKED
    assert "signatory" in decision.reason


def test_decompose_uses_the_listed_items_as_distinct_typed_subtasks() -> None:
    decision = classify(
        TaskText(
            "Plan the product launch event",
            "Venue, invitations, press kit, demo script and follow-up.",
        )
    )
    titles = [s["title"] for s in decision.subtasks]
    assert decision.strategy is Strategy.DECOMPOSE
    assert len(titles) == 5 == len(set(titles))
    kinds = {s["title"].split(" for ")[0]: s["execution_type"] for s in decision.subtasks}
    assert kinds["Book the venue"] == "manual"
    assert kinds["Send the invitations"] == "semi_automated"
    assert kinds["Write the press kit"] == "fully_automated"
    assert any("follow-up" in t for t in titles)


def test_decompose_without_items_plans_for_the_kind_of_undertaking() -> None:
    decision = classify(TaskText("Hire a head of customer success"))
    titles = [s["title"] for s in decision.subtasks]
    assert decision.strategy is Strategy.DECOMPOSE
    assert 3 <= len(titles) <= 8 and len(set(titles)) == len(titles)
    assert any("job description" in t and "head of customer success" in t for t in titles)
    assert {s["execution_type"] for s in decision.subtasks} >= {"manual", "fully_automated"}


def test_outbound_immediate_task_needs_approval() -> None:
    decision = classify(TaskText("Post the release notes in #general on Slack"))
    assert decision.strategy is Strategy.IMMEDIATE
    assert decision.execution_type is ExecutionType.SEMI_AUTOMATED


def test_drafting_is_fully_automated() -> None:
    decision = classify(TaskText("Draft email to customer about product delay"))
    assert decision.strategy is Strategy.IMMEDIATE
    assert decision.execution_type is ExecutionType.FULLY_AUTOMATED


def test_document_object_turns_prepare_into_an_immediate_deliverable() -> None:
    assert classify(TaskText("Prepare a summary of the sales numbers")).strategy is (
        Strategy.IMMEDIATE
    )
    assert classify(TaskText("Prepare the quarterly board meeting")).strategy is (
        Strategy.DECOMPOSE
    )


def test_confidence_is_lower_without_any_signal() -> None:
    clear = classify(TaskText("Pay the outstanding AWS invoice"))
    vague = classify(TaskText("Zorble the quux"))
    assert 0.0 <= vague.confidence < clear.confidence <= 1.0


def test_setting_up_a_meeting_with_attendees_is_immediate_through_the_calendar() -> None:
    decision = classify(
        TaskText(
            "Set up a meeting with lee@example.com and ana@example.com on Friday to review "
            "the budget"
        )
    )
    assert decision.strategy is Strategy.IMMEDIATE
    assert decision.execution_type is ExecutionType.SEMI_AUTOMATED
    assert "calendar integration" in decision.reason


def test_booking_a_kickoff_whose_details_are_an_agenda_is_immediate() -> None:
    decision = classify(TaskText("Book a 1 hour project kickoff", "Intros, goals, timeline, risks"))
    assert decision.strategy is Strategy.IMMEDIATE
    assert decision.subtasks == []


def test_organizing_the_company_offsite_still_decomposes() -> None:
    decision = classify(TaskText("Organize the company offsite"))
    assert decision.strategy is Strategy.DECOMPOSE


def test_an_annual_kickoff_for_hundreds_of_people_is_an_event_not_a_meeting() -> None:
    decision = classify(TaskText("Organise the annual sales kickoff for 200 people"))
    assert decision.strategy is Strategy.DECOMPOSE
