"""store.acceptance: which answers and ratings accept or reject a category's work, and when
its run of answers demotes (approval required) or promotes it."""

from __future__ import annotations

from typing import Any

import pytest

from store import acceptance, learned
from store.acceptance import Acceptance, Signal, signal_of
from store.db import Database


def _decision(kind: str, **more: Any) -> dict[str, Any]:
    return {"task_id": "t", "tool": "send_email", "decision": kind, **more}


def _rated(rating: int, *, edited: bool = False) -> dict[str, Any]:
    return _decision(learned.RATED, rating=rating, edited=edited)


@pytest.mark.parametrize(
    ("decision", "signal"),
    [
        (_decision("approve"), "accepted"),
        (_decision("edit"), "edited"),
        (_decision("respond"), "edited"),
        (_decision("reject"), "rejected"),
        (_decision("ignore"), None),
        (_decision("resolve"), None),
        (_rated(5), "accepted"),
        (_rated(4), "accepted"),
        (_rated(3), None),
        (_rated(2), "rejected"),
        (_rated(1), "rejected"),
        (_rated(5, edited=True), "edited"),
        (_rated(3, edited=True), "edited"),
        (_rated(1, edited=True), "rejected"),
    ],
)
def test_what_each_answer_says_about_the_category_s_work(
    decision: dict[str, Any], signal: Signal | None
) -> None:
    assert signal_of(decision) == signal


def _acceptance(*signals: Signal) -> Acceptance:
    return Acceptance("email", [(_decision("x"), s) for s in signals])


def test_n_acceptances_in_a_row_promote_the_category() -> None:
    assert _acceptance(*["accepted"] * 5).promotion() == "learned: promoted after 5 acceptances"
    assert _acceptance(*["accepted"] * 4).promotion() is None


def test_the_organization_sets_how_many_acceptances_promote() -> None:
    assert _acceptance("accepted", "accepted").promotion(2) == (
        "learned: promoted after 2 acceptances"
    )
    assert _acceptance(*["accepted"] * 9).promotion(0) is None  # 0: never


@pytest.mark.parametrize("breaker", ["rejected", "edited"])
def test_a_rejection_or_an_edit_ends_a_promotion(breaker: Signal) -> None:
    assert _acceptance(*["accepted"] * 5, breaker).promotion() is None
    assert _acceptance(*["accepted"] * 5, breaker, *["accepted"] * 4).promotion() is None


def test_three_rejections_in_a_row_require_approval() -> None:
    assert _acceptance("accepted", "rejected", "rejected", "rejected").demotion() == (
        "learned: 3 of the last 3 email actions were rejected"
    )
    assert _acceptance("rejected", "rejected", "accepted").demotion() is None
    assert _acceptance("rejected", "rejected", "edited").demotion() is None


def test_the_acceptance_rate_is_the_share_accepted_as_it_was() -> None:
    found = _acceptance("accepted", "accepted", "edited", "rejected")

    assert found.rate == 0.5
    assert (found.count("accepted"), found.count("edited"), found.count("rejected")) == (2, 1, 1)
    assert _acceptance().rate is None


def test_ratings_kept_in_the_store_count_toward_a_promotion(db: Database, org_id: str) -> None:
    for number in range(2):
        learned.record_rating(
            db, org_id, "slack", task_id=f"t{number}", rating=5, feedback_id=f"f{number}"
        )

    assert acceptance.promotion_rule(db, org_id, "slack", 2) is not None
    assert acceptance.promotion_rule(db, org_id, "email", 2) is None

    learned.record_rating(db, org_id, "slack", task_id="t9", rating=2, feedback_id="f9")

    assert acceptance.promotion_rule(db, org_id, "slack", 2) is None


def test_low_ratings_in_the_store_require_approval(db: Database, org_id: str) -> None:
    for number in range(3):
        learned.record_rating(
            db, org_id, "slack", task_id=f"t{number}", rating=1, feedback_id=f"f{number}"
        )

    assert acceptance.approval_rule(db, org_id, "slack") == (
        "learned: 3 of the last 3 slack actions were rejected"
    )
