"""tools.gate.placeholders.find_gaps: what leaves a finished deliverable unfinished.

Narrower than the send rule: a result may quote a list or a button in brackets and still be
whole; a gap a model named, an ellipsis slot or a template variable is not."""

from __future__ import annotations

import pytest

from tools.gate.placeholders import find_gaps


@pytest.mark.parametrize(
    "text",
    [
        "To: [missing: the recipient's address]",
        "Best regards,\n[Your Name]",
        "We meet on [Insert date].",
        "The numbers were [...].",
        "Dear {{ first_name }},",
        "See you at <insert venue>.",
    ],
)
def test_a_slot_left_for_a_person_is_a_gap(text: str) -> None:
    assert find_gaps(text)


@pytest.mark.parametrize(
    "text",
    [
        "Invited ['sarah@corp.com'] to planning.",
        "Clicked [Submit]; the page now says Thanks.",
        "As the report says [2], revenue grew.",
        "The [docs](https://example.com/docs) explain it.",
        "- [x] booked the room",
        "A TODO list for the launch: book the room, send the invites.",
    ],
)
def test_bracketed_text_in_a_whole_result_is_not_a_gap(text: str) -> None:
    assert find_gaps(text) == []
