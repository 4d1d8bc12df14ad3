"""execute_task's input as LangGraph Studio sees it: choices, what is required, and the real
reason when an input is refused (through langgraph_sdk against `langgraph dev`)."""

from __future__ import annotations

from typing import Any

import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

from store.enums import ExecutionType, Priority
from tests.fixtures.langgraph_server import LangGraphServer

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


@pytest.fixture
def client(langgraph_server: LangGraphServer) -> SyncLangGraphClient:
    return get_sync_client(url=langgraph_server.url, headers=langgraph_server.api_headers)


def _input_schema(client: SyncLangGraphClient) -> dict[str, Any]:
    (assistant,) = client.assistants.search(graph_id="execute_task")
    schema: dict[str, Any] = client.assistants.get_schemas(assistant["assistant_id"])[
        "input_schema"
    ]
    return schema


def _choices(schema: dict[str, Any], field: str) -> list[str]:
    prop = schema["properties"][field]
    if "$ref" in prop:
        prop = schema["$defs"][prop["$ref"].rsplit("/", 1)[-1]]
    return list(prop["enum"])


@pytest.mark.parametrize(
    ("field", "enum"), [("execution_type", ExecutionType), ("priority", Priority)]
)
def test_execute_task_input_offers_a_choice(
    client: SyncLangGraphClient, field: str, enum: type[ExecutionType] | type[Priority]
) -> None:
    assert _choices(_input_schema(client), field) == [e.value for e in enum]


def test_execute_task_input_requires_a_task_id_or_a_title(client: SyncLangGraphClient) -> None:
    assert _input_schema(client)["anyOf"] == [{"required": ["task_id"]}, {"required": ["title"]}]


@pytest.mark.parametrize("given", [{"title": "   "}, {"description": "no title"}])
def test_a_refused_input_shows_the_real_reason(
    client: SyncLangGraphClient, given: dict[str, Any]
) -> None:
    thread = client.threads.create()

    output = client.runs.wait(thread["thread_id"], "execute_task", input=given, raise_error=False)

    assert isinstance(output, dict)
    error = output["__error__"]
    assert error["error"] == "InvalidInput"
    assert error["message"] == "give a task_id to run a task, or a title to create one and run it"
