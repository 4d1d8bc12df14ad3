"""langgraph.json is what Studio and the server load: every entry must import and compile."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from langgraph.graph.state import CompiledStateGraph

from agents.routes import route_menu
from agents.workflows import ALL_GRAPHS, WORKFLOWS

ROOT = Path(__file__).resolve().parents[3]
CONFIG = json.loads((ROOT / "langgraph.json").read_text())


def test_config_has_schema_dependencies_and_env() -> None:
    assert CONFIG["$schema"].startswith("https://")
    assert CONFIG["dependencies"] == ["."]
    assert "env" in CONFIG


def test_every_graph_module_under_graphs_is_listed() -> None:
    listed = {Path(spec.split(":")[0]).name for spec in CONFIG["graphs"].values()}
    modules = {
        p.name
        for p in (ROOT / "graphs").glob("*.py")
        if "\ngraph = " in p.read_text() or "\ngraph: " in p.read_text()
    }
    assert modules <= listed, f"graphs not in langgraph.json: {sorted(modules - listed)}"


def test_langgraph_json_lists_exactly_the_registered_graphs() -> None:
    registered = {name: spec.graph for name, spec in ALL_GRAPHS.items()}
    assert CONFIG["graphs"] == registered


def test_every_registered_workflow_is_a_route_the_model_is_shown() -> None:
    menu = route_menu()
    for name, spec in WORKFLOWS.items():
        assert f"- {name}: {spec.description}" in menu


@pytest.mark.parametrize("graph_id", sorted(CONFIG["graphs"]))
def test_graph_entry_imports_and_compiles(graph_id: str) -> None:
    path, attribute = CONFIG["graphs"][graph_id].split(":")
    spec = importlib.util.spec_from_file_location(f"lg_{graph_id}", ROOT / path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as the server does, so annotations resolve
    spec.loader.exec_module(module)
    graph = getattr(module, attribute)
    assert isinstance(graph, CompiledStateGraph)
    assert graph.get_input_jsonschema()["properties"], f"{graph_id} has no typed input"
    assert graph.get_output_jsonschema()["properties"], f"{graph_id} has no typed output"
    assert graph.builder.context_schema is not None, f"{graph_id} has no context schema"
    assert len(graph.get_graph().nodes) > 2
