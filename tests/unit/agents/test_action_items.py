"""Who can do a meeting's action item, by its wording."""

from __future__ import annotations

import pytest

from agents.action_items import action_execution_type
from store.enums import ExecutionType


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("Email the vendor about the delivery date", ExecutionType.SEMI_AUTOMATED),
        ("Sam will email the vendor", ExecutionType.SEMI_AUTOMATED),
        ("Schedule a follow-up meeting with design", ExecutionType.SEMI_AUTOMATED),
        ("Post the update in #general", ExecutionType.SEMI_AUTOMATED),
        ("Draft the FAQ for the launch", ExecutionType.FULLY_AUTOMATED),
        ("Summarize customer feedback", ExecutionType.FULLY_AUTOMATED),
        ("Call the landlord about the lease", ExecutionType.MANUAL),
        ("Review the contract", ExecutionType.MANUAL),
        ("Send payment to the vendor", ExecutionType.MANUAL),
        ("Update the roadmap slides", ExecutionType.MANUAL),
    ],
)
def test_action_items_are_typed_by_who_can_do_them(action: str, expected: ExecutionType) -> None:
    assert action_execution_type(action) is expected
