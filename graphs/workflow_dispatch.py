"""Run a task's immediate work through a workflow graph when one fits (execute_task's execute).

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
from agents.routing import WORKFLOW_NAMES, WorkflowName, choose_workflow
from graphs.context import Context
from graphs.workflow_support import close_task


def workflow_graph(name: WorkflowName) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The compiled graph of a workflow (graphs/<name>.py:graph), imported on first use."""
    if name not in WORKFLOW_NAMES:
        raise ValueError(f"unknown workflow {name!r}")
    graph: CompiledStateGraph[Any, Any, Any, Any] = importlib.import_module(f"graphs.{name}").graph
    return graph


def run_workflow_for_task(
    state: Mapping[str, Any], runtime: Runtime[Context]
) -> dict[str, Any] | None:
    """The execute node's outcome when a workflow fits the task, else None (agent path).

    Completes the task with the workflow's output, blocks it when a person must act
    (a rejected or refused send, a missing recipient), and fails it when the model keeps
    answering unusably or a provider refuses.
    """
    name = choose_workflow(state.get("title", ""), state.get("description", ""))
    if name is None:
        return None
    task_id: str = state["task_id"]
    try:
        output = workflow_graph(name).invoke({"task_id": task_id}, context=runtime.context)
    except ModelOutputError as exc:
        # The workflow's own retry policy already asked again; another round would not help.
        output = {"status": "failed", "reason": f"{name} failed: {exc}"}
    confidence = (state.get("classification") or {}).get("confidence")
    return close_task(runtime, task_id, name, output, confidence)
