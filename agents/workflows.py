"""Workflows as data: every graph Delegate serves, what it is for, and where it lives.

A new workflow is one module under graphs/, one entry here and one line in langgraph.json
(a test holds the two lists equal). The routable ones are offered to the model as routes
with their descriptions, so the model, not a pattern, decides when a workflow does a task.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WorkflowSpec:
    """One graph: its name (the langgraph.json id), when to use it, and its module path."""

    name: str
    description: str
    """When the model should route a task here; shown in the classification prompt."""
    graph: str
    """The langgraph.json reference, `./graphs/<module>.py:graph`."""

    @property
    def module(self) -> str:
        """The importable module of the graph, e.g. `graphs.email_drafting`."""
        path = self.graph.split(":", 1)[0].removeprefix("./").removesuffix(".py")
        return path.replace("/", ".")


#: The core graph every task runs through; it routes to the others, so it is not a route.
EXECUTE_TASK = WorkflowSpec(
    name="execute_task",
    description="Execute one task: classify it, then do it, split it into subtasks or block it.",
    graph="./graphs/execute_task.py:graph",
)

#: Turns a chat message, an email or meeting notes into tasks; it makes tasks rather than
#: doing one, so it is not a route either.
EXTRACT_TASKS = WorkflowSpec(
    name="extract_tasks",
    description="Find the tasks a chat message, an email or meeting notes ask for and "
    "create the ones not already open.",
    graph="./graphs/extract_tasks.py:graph",
)

#: The autopilot cycle: it watches the calendar and makes and runs tasks, so it is not a route.
AUTOPILOT = WorkflowSpec(
    name="autopilot",
    description="One autopilot cycle: an agenda for each meeting in the next 24 hours that has "
    "none, a summary with action items after each meeting, a reply drafted for approval to "
    "each important unanswered email; once per trigger, within a budget.",
    graph="./graphs/autopilot.py:graph",
)

#: The workflows a task can be routed to, by name.
WORKFLOWS: dict[str, WorkflowSpec] = {
    spec.name: spec
    for spec in (
        WorkflowSpec(
            name="email_drafting",
            description="Write one email to recipients the task names (their addresses are "
            "in the task) and, when the task asks for it to go out, send it; a person approves "
            "first when the execution type asks for it. Not for reading or searching the inbox.",
            graph="./graphs/email_drafting.py:graph",
        ),
        WorkflowSpec(
            name="meeting_summary",
            description="Summarize a meeting from its notes or transcript (summary, decisions, "
            "action items); each action item becomes a subtask. Not for scheduling meetings.",
            graph="./graphs/meeting_summary.py:graph",
        ),
        WorkflowSpec(
            name="report_generation",
            description="Write a structured report (summary, sections, a table of the figures "
            "the task states) from notes or figures.",
            graph="./graphs/report_generation.py:graph",
        ),
    )
}

#: Every graph in langgraph.json, by name.
ALL_GRAPHS: dict[str, WorkflowSpec] = {
    EXECUTE_TASK.name: EXECUTE_TASK,
    EXTRACT_TASKS.name: EXTRACT_TASKS,
    AUTOPILOT.name: AUTOPILOT,
    **WORKFLOWS,
}
