"""Run a task's immediate work through the workflow graph the classification routed it to.

The workflow's compiled graph is called inside the execute node, so it runs as a subgraph
of the task's run: its interrupts (an approval) pause the task's thread, its checkpoints
live there, and a resume in any process picks up inside the workflow where it stopped.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from agents.planner import ModelOutputError
from agents.workflows import WORKFLOWS
from graphs.context import Context
from graphs.workflow_support import close_task


def workflow_graph(name: str) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The compiled graph of a registered workflow, imported on first use."""
    spec = WORKFLOWS.get(name)
    if spec is None:
        raise ValueError(f"unknown workflow {name!r}; registered: {', '.join(WORKFLOWS)}")
    attribute = spec.graph.rsplit(":", 1)[1]
    graph: CompiledStateGraph[Any, Any, Any, Any] = getattr(
        importlib.import_module(spec.module), attribute
    )
    return graph


def run_workflow(
    name: str, state: Mapping[str, Any], runtime: Runtime[Context], *, deliver: bool
) -> dict[str, Any]:
    """The execute node's outcome when the task was routed to workflow `name`.

    Completes the task with the workflow's output, blocks it when a person must act
    (a rejected or refused send, a missing recipient), and fails it when the model keeps
    answering unusably or a provider refuses. `deliver` is the classification's say on
    whether a message goes out or is only drafted (a workflow without messages ignores it).
    """
    task_id: str = state["task_id"]
    graph = workflow_graph(name)
    graph_input: dict[str, Any] = {"task_id": task_id}
    if "deliver" in getattr(graph.builder.input_schema, "__annotations__", {}):
        graph_input["deliver"] = deliver
    try:
        output = graph.invoke(graph_input, context=runtime.context)
    except ModelOutputError as exc:
        # The workflow's own retry policy already asked again; another round would not help.
        output = {"status": "failed", "reason": f"{name} failed: {exc}"}
    confidence = (state.get("classification") or {}).get("confidence")
    return close_task(runtime, task_id, name, output, confidence)
