"""Nothing placeholder-like is ever sent, posted or submitted, whichever model wrote it."""

from __future__ import annotations

import pytest

from store import tasks as repo
from store.db import Database
from store.enums import ExecutionType
from store.errors import PolicyDenied
from tests.unit.tools.test_policy import ARGS, _run
from tools.gate.placeholders import find_placeholder, placeholder_in
from tools.toolkit import all_specs, invoke_spec


@pytest.mark.parametrize(
    "text",
    [
        "A quick update on release notes: [the news in a sentence].",
        "I am writing about a quick update. [The update in a sentence.]",
        "Details to follow [...]",
        "Agenda: TODO",
        "Lorem ipsum dolor sit amet",
        "Hi {{first_name}}, thanks!",
        "See you on <insert date>.",
    ],
)
def test_placeholder_shapes_are_found(text: str) -> None:
    assert find_placeholder(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Release 2.4 ships on Friday: faster search and dark mode.",
        "Read the [migration guide](https://example.org/guide) first.",
        "- [ ] review the PR\n- [x] merge it",
        "As shown in [2], latency fell by 30%.",
        "<https://example.org|the dashboard> is up; ping <@U123>.",
    ],
)
def test_whole_text_is_not_mistaken_for_a_placeholder(text: str) -> None:
    assert find_placeholder(text) is None


def test_a_slot_inside_form_fields_is_found_with_its_field() -> None:
    found = placeholder_in({"url": "https://x.test", "fields": {"name": "Ann", "why": "[reason]"}})

    assert found is not None
    assert (found.field, found.slot) == ("fields.why", "[reason]")


def test_a_post_with_a_placeholder_is_refused_and_nothing_is_posted(
    db: Database, org_id: str
) -> None:
    run, fake = _run(db, org_id, frozenset(all_specs()))
    args = {"channel": "#general", "text": "A quick update: [the news in a sentence]."}

    with pytest.raises(PolicyDenied) as denied:
        invoke_spec(run, all_specs()["post_slack_message"], args, "call-1")

    assert denied.value.rule == "placeholder_content"
    assert "[the news in a sentence]" in denied.value.reason
    assert "Add what is missing to the task's details" in denied.value.reason
    assert fake.calls == []


def test_an_email_with_a_placeholder_subject_is_refused(db: Database, org_id: str) -> None:
    run, fake = _run(db, org_id, frozenset(all_specs()))
    args = {**ARGS["send_email"], "subject": "TODO"}

    with pytest.raises(PolicyDenied, match="gap to fill"):
        invoke_spec(run, all_specs()["send_email"], args, "call-1")

    assert fake.calls == []


def test_a_semi_automated_post_with_a_placeholder_is_refused_before_a_person_is_asked(
    db: Database, org_id: str
) -> None:
    run, fake = _run(db, org_id, frozenset(all_specs()), ExecutionType.SEMI_AUTOMATED.value)
    args = {"channel": "#general", "text": "Lorem ipsum"}

    with pytest.raises(PolicyDenied):  # outside a graph an approval would raise otherwise
        invoke_spec(run, all_specs()["post_slack_message"], args, "call-1")

    with db.session() as session:
        log = repo.get_task(session, org_id, run.task.id).execution_log
    assert [e["event"] for e in log if e["event"].startswith(("approval", "policy"))] == [
        "policy_denied"
    ]
    assert fake.calls == []


def test_a_draft_may_keep_its_slots(db: Database, org_id: str) -> None:
    run, fake = _run(db, org_id, frozenset(all_specs()))
    args = {**ARGS["draft_email"], "body": "Hi John,\n\n[what changed]\n\nBest"}

    invoke_spec(run, all_specs()["draft_email"], args, "call-1")

    assert len(fake.calls) == 1
