"""report_generation: notes or figures -> a structured report with a figures table, as Markdown."""

from __future__ import annotations

import pytest
from langgraph.types import RetryPolicy

from agents.planner import ModelOutputError
from agents.reporting import parse_figures
from agents.scripted import ScriptedChatModel
from agents.workflow_schemas import ReportDraft, ReportSection
from graphs.context import Context, ProcessContext
from graphs.report_generation import build_graph, graph
from store import tasks as repo
from store.db import Database

FIGURES = "Revenue 120k, up 8%. 14 new customers. Churn 2."

DRAFT = ReportDraft(
    title="Weekly sales report",
    summary="Revenue grew and churn stayed low.",
    sections=[
        ReportSection(heading="Highlights", body="Revenue rose 8% to 120k."),
        ReportSection(heading="Customers", body="14 new customers; 2 churned."),
    ],
)

NO_WAIT = RetryPolicy(initial_interval=0.0, max_attempts=2, jitter=False, retry_on=ModelOutputError)


@pytest.fixture
def context(db: Database) -> Context:
    return ProcessContext(model="scripted", database_url=db.url)


def test_figures_are_parsed_from_the_input() -> None:
    rows = [(f.metric, f.value, f.change) for f in parse_figures(FIGURES)]
    assert rows == [("Revenue", "120k", "up 8%"), ("New customers", "14", ""), ("Churn", "2", "")]


def test_figures_keep_currency_decimals_and_thousands() -> None:
    text = "Revenue: $1.2M (+5%); costs 800k, down 3%. Churn was 2.5%.\n- Bookings 3,400"
    rows = [(f.metric, f.value, f.change) for f in parse_figures(text)]
    assert rows == [
        ("Revenue", "$1.2M", "+5%"),
        ("Costs", "800k", "down 3%"),
        ("Churn", "2.5%", ""),
        ("Bookings", "3,400", ""),
    ]


def _rows(text: str) -> list[tuple[str, str, str]]:
    return [(f.metric, f.value, f.change) for f in parse_figures(text)]


def test_a_change_from_a_previous_value_stays_on_its_figure() -> None:
    assert _rows("Churn 2.1%, down from 3%") == [("Churn", "2.1%", "down from 3%")]


def test_a_from_to_sentence_gives_the_new_value_and_the_change() -> None:
    assert _rows("Churn fell from 3% to 2.1%") == [("Churn", "2.1%", "fell from 3%")]


def test_a_unit_written_onto_the_number_stays_in_the_value() -> None:
    assert _rows("Avg response time 2.4h. p95 latency 340ms, down 20ms") == [
        ("Avg response time", "2.4h", ""),
        ("P95 latency", "340ms", "down 20ms"),
    ]


def test_a_spelled_out_unit_stays_in_the_value() -> None:
    assert _rows("Runway 18 months") == [("Runway", "18 months", "")]


def test_a_bracketed_signed_number_is_the_change() -> None:
    assert _rows("NPS 41 (+5)") == [("NPS", "41", "+5")]


def test_a_plus_amount_after_the_value_is_the_change() -> None:
    assert _rows("MRR 45k +3k") == [("MRR", "45k", "+3k")]


def test_a_negative_value_keeps_its_sign() -> None:
    assert _rows("Net income -20k") == [("Net income", "-20k", "")]


def test_a_count_before_its_noun_names_the_metric_by_the_noun() -> None:
    assert _rows("14 new customers; 1,240 signups") == [
        ("New customers", "14", ""),
        ("Signups", "1,240", ""),
    ]


def test_common_forms_in_one_note_give_one_row_each() -> None:
    text = (
        "Revenue 120k, up 8%. 14 new customers. Churn 2.1%, down from 3%. "
        "Avg response time 2.4h. NPS 41 (+5). 1,240 signups."
    )
    assert _rows(text) == [
        ("Revenue", "120k", "up 8%"),
        ("New customers", "14", ""),
        ("Churn", "2.1%", "down from 3%"),
        ("Avg response time", "2.4h", ""),
        ("NPS", "41", "+5"),
        ("Signups", "1,240", ""),
    ]


def test_text_without_labelled_numbers_has_no_figures() -> None:
    assert parse_figures("Q3 went well. The team shipped the beta at 3pm.") == []


def test_report_has_sections_and_the_figures_table(
    scripted_model: ScriptedChatModel, context: Context
) -> None:
    scripted_model.script = [DRAFT]

    out = graph.invoke({"notes": FIGURES, "title": "Weekly sales report"}, context=context)

    report = out["report"]
    assert [s["heading"] for s in report["sections"]] == ["Highlights", "Customers"]
    assert report["figures"] == [
        {"metric": "Revenue", "value": "120k", "change": "up 8%"},
        {"metric": "New customers", "value": "14", "change": ""},
        {"metric": "Churn", "value": "2", "change": ""},
    ]
    assert out["output"] == (
        "# Weekly sales report\n\n"
        "Revenue grew and churn stayed low.\n\n"
        "## Figures\n\n"
        "| Metric | Value | Change |\n"
        "| --- | --- | --- |\n"
        "| Revenue | 120k | up 8% |\n"
        "| New customers | 14 |  |\n"
        "| Churn | 2 |  |\n\n"
        "## Highlights\n\nRevenue rose 8% to 120k.\n\n"
        "## Customers\n\n14 new customers; 2 churned.\n"
    )


def test_the_table_goes_under_the_models_own_figures_section(
    scripted_model: ScriptedChatModel, context: Context
) -> None:
    with_figures = DRAFT.model_copy(
        update={"sections": [*DRAFT.sections, ReportSection(heading="Figures", body="As stated.")]}
    )
    scripted_model.script = [with_figures]

    out = graph.invoke({"notes": FIGURES}, context=context)

    assert out["output"].count("## Figures") == 1
    assert "## Figures\n\n| Metric | Value | Change |" in out["output"]
    assert out["output"].endswith("| Churn | 2 |  |\n\nAs stated.\n")


def test_figures_table_holds_only_numbers_from_the_input(
    scripted_model: ScriptedChatModel, context: Context
) -> None:
    invented = DRAFT.model_copy(
        update={"sections": [ReportSection(heading="Outlook", body="Revenue will hit 500k.")]}
    )
    scripted_model.script = [invented]

    out = graph.invoke({"notes": FIGURES}, context=context)

    assert [f["value"] for f in out["report"]["figures"]] == ["120k", "14", "2"]


def test_report_for_a_task_reads_its_description_and_logs_the_step(
    scripted_model: ScriptedChatModel, context: Context, db: Database, org_id: str
) -> None:
    with db.session() as session:
        task_id = repo.create_task(
            session, org_id, "Write the weekly sales report", description=FIGURES
        ).id
    scripted_model.script = [DRAFT]

    out = graph.invoke({"task_id": task_id}, context=context)

    (call,) = scripted_model.calls
    assert "Task: Write the weekly sales report" in call.text
    assert f"Details: {FIGURES}" in call.text
    assert len(out["report"]["figures"]) == 3
    with db.session() as session:
        log = repo.get_task(session, org_id, task_id).execution_log
    assert next(e for e in log if e["event"] == "report_written")["figures"] == 3


def test_a_report_without_sections_fails_after_its_retries(
    scripted_model: ScriptedChatModel, context: Context
) -> None:
    empty = DRAFT.model_copy(update={"sections": []})
    scripted_model.script = [empty, empty]

    with pytest.raises(ModelOutputError, match="no sections"):
        build_graph(NO_WAIT).compile().invoke({"notes": FIGURES}, context=context)
    assert len(scripted_model.calls) == 2
