"""Generate a report: notes or figures -> a structured report with a figures table, in Markdown.

The model writes the prose (title, summary, sections); the figures table is parsed from the
input itself, so every number in it is one a person wrote.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import RetryPolicy
from pydantic import with_config
from typing_extensions import TypedDict

from agents.models import get_chat_model
from agents.reporting import parse_figures, render_report
from agents.workflow_schemas import Report, ReportDraft
from agents.workflow_writers import write_report
from graphs.context import Context
from graphs.workflow_support import MODEL_RETRY, STUDIO_SCHEMA, log_step, task_text

WORKFLOW = "report_generation"
DEFAULT_TITLE = "Write a report from these notes"


@with_config(STUDIO_SCHEMA)
class ReportInput(TypedDict, total=False):
    """Write a report for a task (`task_id`) or from notes given directly."""

    task_id: str
    """A task whose title says what report to write and whose description holds the input."""
    notes: str
    """Notes or figures, e.g. 'Revenue 120k, up 8%. 14 new customers. Churn 2.'."""
    title: str
    """What the report is, e.g. 'Weekly sales report' (optional)."""


@with_config(STUDIO_SCHEMA)
class ReportOutput(TypedDict, total=False):
    """The report as data and as Markdown."""

    report: dict[str, Any]
    """{title, summary, sections: [{heading, body}], figures: [{metric, value, change}]}."""
    output: str
    """The report rendered as Markdown, figures table included."""


class ReportState(ReportInput, ReportOutput, total=False):
    """The whole state of one report_generation run."""

    draft: dict[str, Any]
    """The model's prose: {title, summary, sections}."""
    source: str
    """The text the report was written from (title and notes); figures are parsed from it."""


def write(state: ReportState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Ask the model for the report's title, summary and sections."""
    task = task_text(
        runtime,
        state.get("task_id"),
        default_title=state.get("title") or DEFAULT_TITLE,
        details=state.get("notes", ""),
    )
    draft = write_report(get_chat_model(runtime.context.model), task.title, task.details)
    return {
        "task_id": task.task_id,
        "draft": draft.model_dump(mode="json"),
        "source": task.details or task.title,
    }


def render(state: ReportState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Add the figures table parsed from the input and render the report as Markdown."""
    draft = ReportDraft.model_validate(state["draft"])
    report = Report(**draft.model_dump(), figures=parse_figures(state.get("source", "")))
    log_step(
        runtime,
        state.get("task_id"),
        WORKFLOW,
        "render",
        "report_written",
        sections=len(report.sections),
        figures=len(report.figures),
    )
    return {"report": report.model_dump(mode="json"), "output": render_report(report)}


def build_graph(
    model_retry: RetryPolicy = MODEL_RETRY,
) -> StateGraph[ReportState, Context, ReportInput, ReportOutput]:
    """The uncompiled graph, so callers can compile it with their own checkpointer."""
    builder = StateGraph(
        ReportState,
        context_schema=Context,
        input_schema=ReportInput,
        output_schema=ReportOutput,
    )
    builder.add_node("write", write, retry_policy=model_retry)
    builder.add_node("render", render)
    builder.add_edge(START, "write")
    builder.add_edge("write", "render")
    builder.add_edge("render", END)
    return builder


graph = build_graph().compile(name=WORKFLOW)
