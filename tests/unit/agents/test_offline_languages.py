"""The offline model reads German, Spanish and French through an English gloss, forgives a
one-letter typo in a verb, sends a task it cannot read to a person, and plans only what the
task names."""

from __future__ import annotations

import pytest

from agents.offline.classifier import classify
from agents.offline.languages import correct_typo, detect_language, gloss
from agents.offline.text import TaskText
from agents.offline.writer import write
from store.enums import ExecutionType, Strategy


@pytest.mark.parametrize(
    ("text", "language", "english"),
    [
        (
            "Préviens eng-oncall que la maintenance est déplacée",
            "fr",
            "notify eng-oncall that the maintenance is moved",
        ),
        ("Die Rechnung von Acme bezahlen", "de", "pay the invoice of Acme"),
        ("Fasse die Notizen zusammen", "de", "summarize the notes"),
        ("Paga la factura del alquiler", "es", "pay the invoice of the rent"),
        ("Mets à jour l'agenda de l'équipe", "fr", "update the agenda of the team"),
    ],
)
def test_a_foreign_task_is_glossed_word_for_word(text: str, language: str, english: str) -> None:
    assert detect_language(text) == language
    assert gloss(text) == english


def test_addresses_and_numbers_survive_the_gloss() -> None:
    glossed = gloss("Envía un correo a juan@brightleaf.co con las 3 cifras de #ventas")

    assert "juan@brightleaf.co" in glossed and " 3 " in glossed and "#ventas" in glossed


@pytest.mark.parametrize(
    "text", ["Email the team about the plan", "Call me at 10 am please", "Zorble the quux"]
)
def test_english_is_left_as_it_is(text: str) -> None:
    assert detect_language(text) == "en"
    assert gloss(text) == text


@pytest.mark.parametrize(
    ("title", "strategy"),
    [
        ("Die Rechnung von Acme bezahlen", Strategy.BLOCKED),
        ("Schreibe eine Zusammenfassung der Besprechung", Strategy.IMMEDIATE),
        ("Organisiere die Konferenz für 300 Kunden", Strategy.DECOMPOSE),
        ("Envía un correo a juan@x.com para agradecer la reunión", Strategy.IMMEDIATE),
        ("Llama al proveedor mañana", Strategy.BLOCKED),
        ("Organiza el evento anual para 200 personas", Strategy.DECOMPOSE),
        ("Rédige un compte rendu de la réunion", Strategy.IMMEDIATE),
        ("Signe le contrat avec le fournisseur", Strategy.BLOCKED),
        ("Organiser le déménagement du bureau", Strategy.DECOMPOSE),
    ],
)
def test_german_spanish_and_french_tasks_are_classified(title: str, strategy: Strategy) -> None:
    assert classify(TaskText(title)).strategy is strategy


@pytest.mark.parametrize(
    ("typo", "verb"), [("shedule", "schedule"), ("sumarize", "summarize"), ("drfat", "draft")]
)
def test_a_verb_one_edit_away_is_read_as_the_verb(typo: str, verb: str) -> None:
    assert correct_typo(typo, ["schedule", "summarize", "draft", "write"]) == verb


def test_short_or_ambiguous_words_are_not_corrected() -> None:
    assert correct_typo("sned", ["send"]) is None  # shorter than five letters
    assert correct_typo("drxft", ["draft", "drift"]) is None  # two words equally close


def test_a_misspelled_verb_classifies_like_the_verb() -> None:
    typo = classify(TaskText("shedule a call with ana@example.com tomorrow"))
    right = classify(TaskText("schedule a call with ana@example.com tomorrow"))

    assert (typo.strategy, typo.execution_type) == (right.strategy, right.execution_type)


def test_a_task_without_any_signal_goes_to_a_person_with_low_confidence() -> None:
    decision = classify(TaskText("Zorble the quux"))

    assert decision.strategy is Strategy.BLOCKED
    assert decision.execution_type is ExecutionType.MANUAL
    assert decision.confidence < 0.5
    assert "recognised no action or deliverable" in decision.reason


def test_a_move_to_another_cloud_gets_a_migration_plan_not_an_office_move() -> None:
    decision = classify(TaskText("Migrate our app from Heroku to AWS"))

    titles = " ".join(s["title"] for s in decision.subtasks)
    assert decision.strategy is Strategy.DECOMPOSE
    assert "migration plan" in titles
    assert "moving companies" not in titles


def test_an_undertaking_no_plan_names_gets_the_general_plan() -> None:
    decision = classify(TaskText("Plan the Zorblax initiative for next year"))

    titles = [s["title"] for s in decision.subtasks]
    assert titles[0].startswith("Write a one-page brief for the Zorblax initiative")


def test_items_listed_in_the_title_become_the_subtasks() -> None:
    decision = classify(TaskText("Plan the launch: landing page, press release and FAQ"))

    assert [s["title"] for s in decision.subtasks] == [
        "Create the landing page for the launch",
        "Write the press release for the launch",
        "Write the faq for the launch",
    ]


def test_a_misspelled_verb_gets_the_deliverable_of_the_verb() -> None:
    notes = "Ravi will send the deck. We agreed to ship on the 12th."

    typo = write(TaskText("sumarize the meeting notes", notes))

    assert typo == write(TaskText("summarize the meeting notes", notes))
