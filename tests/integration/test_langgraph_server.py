"""The LangGraph server (`langgraph dev`, offline) through the official langgraph_sdk client.

One real server runs this repository's langgraph.json: its graphs behind the LangGraph API
and Delegate's task API mounted next to them. Its model is the OpenAI-compatible stand-in;
each test sets how the stand-in answers (by the kind of request, so order never matters).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client, get_sync_client
from langgraph_sdk.client import SyncLangGraphClient
from sqlalchemy import select

from agents.classification import Classification, SubtaskPlan
from agents.workflow_schemas import EmailDraft
from store import tasks as repo
from store.enums import ExecutionStatus, ExecutionType, Strategy
from store.models import SandboxEmail
from store.orgs import DEFAULT_ORG, ensure_organization
from tests.fixtures.langgraph_server import ROOT, LangGraphServer
from tests.fixtures.openai_standin import StandinRequest, ToolCall

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

CONFIG = json.loads((ROOT / "langgraph.json").read_text())
GRAPH_IDS = sorted(CONFIG["graphs"])

TITLE = "Draft a thank-you note to the design team for the launch"
DELIVERABLE = "Dear design team,\n\nThank you for a wonderful launch.\n\nBest regards"
EMAIL_TITLE = "Send an email to maria@example.com confirming Thursday's review"
EMAIL: dict[str, Any] = {
    "to": ["maria@example.com"],
    "subject": "Thursday's review",
    "body": "Hi Maria,\n\nConfirming our review on Thursday at 10:00.\n\nDelegate",
}


def _decision(
    strategy: Strategy = Strategy.IMMEDIATE,
    execution_type: ExecutionType = ExecutionType.FULLY_AUTOMATED,
    subtasks: list[SubtaskPlan] | None = None,
    route: str = "writer",
) -> Classification:
    return Classification(
        strategy=strategy,
        execution_type=execution_type,
        confidence=0.87,
        reason="Decided by the test's model.",
        route=route,
        deliver=True,
        subtasks=subtasks or [],
    )


def answering(
    decision: Classification,
    deliverable: str = DELIVERABLE,
    tool_call: ToolCall | None = None,
    email: dict[str, Any] = EMAIL,
) -> Callable[[StandinRequest], Any]:
    """The stand-in's answer to any request of a run: the decision to a classification, the
    email to the email workflow's draft, the tool call to an agent's first turn (if any),
    and the deliverable to everything else."""

    def answer(request: StandinRequest) -> Any:
        if "Classification" in request.tool_names:
            return decision
        if "EmailDraft" in request.tool_names:
            return EmailDraft.model_validate(email)
        tool_turn_done = any(m.get("role") == "tool" for m in request.messages)
        if tool_call is not None and request.tools and not tool_turn_done:
            return tool_call
        return deliverable

    return answer


@pytest.fixture
def server(langgraph_server: LangGraphServer) -> Iterator[LangGraphServer]:
    """The session's server; its model answers nothing until a test says how."""
    langgraph_server.model.default = None
    yield langgraph_server
    langgraph_server.model.default = None


@pytest.fixture
def client(server: LangGraphServer) -> SyncLangGraphClient:
    return get_sync_client(url=server.url, headers=server.api_headers)


def _stored(server: LangGraphServer, task_id: str) -> dict[str, Any]:
    db = server.database
    try:
        with db.session() as session:
            org_id = ensure_organization(session, DEFAULT_ORG).id
            task = repo.get_task(session, org_id, task_id)
            return {
                "id": task.id,
                "status": task.execution_status,
                "result": task.result,
                "log": list(task.execution_log or []),
                "subtasks": [
                    {"id": s.id, "status": s.execution_status, "type": s.execution_type}
                    for s in task.subtasks
                ],
            }
    finally:
        db.dispose()


def _shape(log: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """A log without its timestamps and ids: what happened, where, and by whom."""
    return [
        (e.get("event"), e.get("node"), e.get("executor_id"), e.get("executor_type")) for e in log
    ]


def _load_local_graph(graph_id: str) -> Any:
    path, attribute = CONFIG["graphs"][graph_id].split(":")
    spec = importlib.util.spec_from_file_location(f"local_{graph_id}", ROOT / path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return getattr(module, attribute)


def _properties(schemas: Any, kind: str) -> dict[str, Any]:
    """The fields of one of an assistant's schemas (input, output or context)."""
    schema = schemas[kind]
    assert schema is not None, f"no {kind}"
    return dict(schema["properties"])


def _assistant_id(client: SyncLangGraphClient, graph_id: str) -> str:
    (assistant,) = client.assistants.search(graph_id=graph_id)
    return str(assistant["assistant_id"])


def test_assistants_search_lists_every_graph_of_langgraph_json(
    client: SyncLangGraphClient,
) -> None:
    served = sorted(a["graph_id"] for a in client.assistants.search(limit=100))

    assert served == GRAPH_IDS


@pytest.mark.parametrize("graph_id", GRAPH_IDS)
def test_each_graph_is_served_with_its_named_nodes(
    client: SyncLangGraphClient, graph_id: str
) -> None:
    drawn = client.assistants.get_graph(_assistant_id(client, graph_id))

    served = {node["id"] for node in drawn["nodes"]}
    local = set(_load_local_graph(graph_id).get_graph().nodes)
    assert served == local
    assert served - {"__start__", "__end__"}, f"{graph_id} has no nodes of its own"


@pytest.mark.parametrize("graph_id", GRAPH_IDS)
def test_each_graph_has_documented_input_and_output_schemas(
    client: SyncLangGraphClient, graph_id: str
) -> None:
    schemas = client.assistants.get_schemas(_assistant_id(client, graph_id))

    for kind in ("input_schema", "output_schema"):
        properties = _properties(schemas, kind)
        assert properties, f"{graph_id} {kind} has no fields"
        undocumented = sorted(
            name for name, field in properties.items() if "description" not in field
        )
        assert undocumented == [], f"{graph_id} {kind}: fields without a description"


@pytest.mark.parametrize("graph_id", GRAPH_IDS)
def test_each_graph_offers_a_model_choice_and_no_tenant_or_database_in_its_context(
    client: SyncLangGraphClient, graph_id: str
) -> None:
    schemas = client.assistants.get_schemas(_assistant_id(client, graph_id))

    context = _properties(schemas, "context_schema")
    assert "model" in context
    assert not {"organization", "organization_name", "database_url"} & set(context)
    assert context["model"]["type"] == "string"
    assert "provider:model" in context["model"]["description"]


def test_execute_task_schemas_carry_the_documented_fields(client: SyncLangGraphClient) -> None:
    schemas = client.assistants.get_schemas(_assistant_id(client, "execute_task"))

    assert {"task_id", "title", "description", "execution_type"} <= set(
        _properties(schemas, "input_schema")
    )
    assert {"success", "strategy", "result", "subtasks", "reason", "message"} <= set(
        _properties(schemas, "output_schema")
    )


def test_streamed_run_shows_prepare_classify_execute_and_the_model_messages(
    server: LangGraphServer,
) -> None:
    server.model.default = answering(_decision())

    async def stream() -> tuple[list[str], dict[str, str]]:
        client = get_client(url=server.url, headers=server.api_headers)
        thread = await client.threads.create()
        nodes: list[str] = []
        texts: dict[str, str] = {}  # message id -> its text so far
        async for part in client.runs.stream(
            thread["thread_id"],
            "execute_task",
            input={"title": TITLE},
            stream_mode=["updates", "messages"],
        ):
            if part.event == "updates":
                nodes.extend(part.data)
            elif part.event in ("messages/partial", "messages/complete"):
                for message in part.data:
                    texts[message["id"]] = str(message.get("content") or "")
        return nodes, texts

    nodes, texts = asyncio.run(stream())

    assert nodes == ["prepare", "classify", "execute"]
    assert DELIVERABLE in texts.values()


def test_run_from_a_title_creates_the_task_with_the_thread_id(
    server: LangGraphServer, client: SyncLangGraphClient
) -> None:
    server.model.default = answering(_decision())
    thread = client.threads.create()

    output = client.runs.wait(thread["thread_id"], "execute_task", input={"title": TITLE})

    assert isinstance(output, dict)
    assert output["task_id"] == thread["thread_id"]
    stored = _stored(server, thread["thread_id"])
    assert stored["status"] == ExecutionStatus.COMPLETED.value
    assert stored["result"] == output["result"]
    assert stored["result"]["output"] == DELIVERABLE


def test_mounted_task_api_shows_the_task_a_run_created(
    server: LangGraphServer, client: SyncLangGraphClient
) -> None:
    server.model.default = answering(_decision())
    thread = client.threads.create()
    client.runs.wait(thread["thread_id"], "execute_task", input={"title": TITLE})

    response = httpx.get(
        f"{server.url}/api/tasks/{thread['thread_id']}", headers=server.api_headers
    )

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == thread["thread_id"]
    assert body["execution_status"] == "completed"
    assert [e["event"] for e in body["execution_log"]][-1] == "completed"


def test_mounted_task_api_still_requires_an_api_key(server: LangGraphServer) -> None:
    response = httpx.get(f"{server.url}/api/tasks")

    assert response.status_code == 401


def test_server_run_records_the_same_log_and_result_as_the_task_api(
    server: LangGraphServer, client: SyncLangGraphClient
) -> None:
    server.model.default = answering(_decision())
    created = httpx.post(
        f"{server.url}/api/tasks", headers=server.api_headers, json={"title": TITLE}
    )
    assert created.status_code == 201
    via_api = created.json()["id"]
    executed = httpx.post(
        f"{server.url}/api/tasks/execute",
        headers=server.api_headers,
        json={"taskId": via_api},
        timeout=60,
    )
    assert executed.status_code == 200
    thread = client.threads.create()

    client.runs.wait(thread["thread_id"], "execute_task", input={"title": TITLE})

    by_api, by_server = _stored(server, via_api), _stored(server, thread["thread_id"])
    assert _shape(by_server["log"]) == _shape(by_api["log"])
    assert by_server["result"] == by_api["result"]
    assert by_server["status"] == by_api["status"] == ExecutionStatus.COMPLETED.value


def test_run_for_an_existing_task_id_executes_that_task(
    server: LangGraphServer, client: SyncLangGraphClient
) -> None:
    server.model.default = answering(_decision())
    created = httpx.post(
        f"{server.url}/api/tasks", headers=server.api_headers, json={"title": TITLE}
    )
    task_id = created.json()["id"]

    output = client.runs.wait(None, "execute_task", input={"task_id": task_id})

    assert isinstance(output, dict)
    assert output["task_id"] == task_id
    assert _stored(server, task_id)["status"] == ExecutionStatus.COMPLETED.value


def test_run_refuses_a_completed_task_and_changes_nothing(
    server: LangGraphServer, client: SyncLangGraphClient
) -> None:
    server.model.default = answering(_decision())
    thread = client.threads.create()
    client.runs.wait(thread["thread_id"], "execute_task", input={"title": TITLE})
    before = _stored(server, thread["thread_id"])

    other = client.threads.create()

    run = client.runs.create(
        other["thread_id"], "execute_task", input={"task_id": thread["thread_id"]}
    )
    client.runs.join(other["thread_id"], run["run_id"])

    assert client.runs.get(other["thread_id"], run["run_id"])["status"] == "error"
    assert _stored(server, thread["thread_id"]) == before


def test_decomposed_run_leaves_automated_subtasks_queued_for_a_worker(
    server: LangGraphServer, client: SyncLangGraphClient
) -> None:
    plans = [
        SubtaskPlan(title="Outline the launch post", execution_type=ExecutionType.FULLY_AUTOMATED),
        SubtaskPlan(title="Approve the launch budget", execution_type=ExecutionType.MANUAL),
    ]
    server.model.default = answering(_decision(Strategy.DECOMPOSE, subtasks=plans))
    thread = client.threads.create()

    output = client.runs.wait(
        thread["thread_id"], "execute_task", input={"title": "Plan the product launch"}
    )

    assert isinstance(output, dict)
    assert output["strategy"] == "decompose"
    stored = _stored(server, thread["thread_id"])
    assert stored["status"] == ExecutionStatus.PAUSED.value
    statuses = {s["type"]: s["status"] for s in stored["subtasks"]}
    assert statuses == {"fully_automated": "queued", "manual": "pending"}


def test_queued_subtask_runs_through_the_server_by_its_id(
    server: LangGraphServer, client: SyncLangGraphClient
) -> None:
    plans = [
        SubtaskPlan(title="Outline the webinar", execution_type=ExecutionType.FULLY_AUTOMATED),
        SubtaskPlan(title="Book the webinar speaker", execution_type=ExecutionType.MANUAL),
    ]
    server.model.default = answering(_decision(Strategy.DECOMPOSE, subtasks=plans))
    parent = client.runs.wait(None, "execute_task", input={"title": "Run the spring webinar"})
    assert isinstance(parent, dict)
    queued = next(s["id"] for s in parent["subtasks"] if s["status"] == "queued")
    server.model.default = answering(_decision())

    client.runs.wait(queued, "execute_task", input={"task_id": queued}, if_not_exists="create")

    assert _stored(server, queued)["status"] == ExecutionStatus.COMPLETED.value


def _start_email_run(server: LangGraphServer, client: SyncLangGraphClient) -> tuple[str, str]:
    """A semi_automated email run up to its approval; (task id, the email's unique subject)."""
    subject = f"Thursday's review ({uuid.uuid4().hex[:8]})"
    email = {**EMAIL, "subject": subject}
    server.model.default = answering(
        _decision(execution_type=ExecutionType.SEMI_AUTOMATED, route="email"),
        deliverable="I sent Maria the confirmation.",
        tool_call=ToolCall("send_email", email),
        email=email,
    )
    thread = client.threads.create()
    client.runs.wait(
        thread["thread_id"],
        "execute_task",
        input={"title": EMAIL_TITLE, "execution_type": "semi_automated"},
    )
    return str(thread["thread_id"]), subject


def _sent_with(server: LangGraphServer, subject: str) -> list[SandboxEmail]:
    """What the sandbox mailbox sent with this subject."""
    db = server.database
    try:
        with db.session() as session:
            query = select(SandboxEmail).where(
                SandboxEmail.folder == "sent", SandboxEmail.subject == subject
            )
            return list(session.scalars(query).all())
    finally:
        db.dispose()


def test_semi_automated_email_stops_at_the_approval_interrupt(
    server: LangGraphServer, client: SyncLangGraphClient
) -> None:
    task_id, subject = _start_email_run(server, client)

    state = client.threads.get_state(task_id)

    (interrupt,) = state["interrupts"]
    payload = interrupt["value"]
    [action] = payload["action_requests"]
    assert action["name"] == "send_email"
    assert action["args"]["to"] == EMAIL["to"]
    assert action["args"]["subject"] == subject
    assert action["args"]["body"] == EMAIL["body"]
    assert "approve" in payload["review_configs"][0]["allowed_decisions"]
    assert "send_email" in action["description"]
    assert payload["task_id"] == task_id
    assert _stored(server, task_id)["status"] == ExecutionStatus.PAUSED.value
    assert _sent_with(server, subject) == []


def test_a_standard_hitl_approve_through_the_sdk_completes_the_task(
    server: LangGraphServer, client: SyncLangGraphClient
) -> None:
    task_id, subject = _start_email_run(server, client)

    output = client.runs.wait(
        task_id, "execute_task", command={"resume": {"decisions": [{"type": "approve"}]}}
    )

    assert isinstance(output, dict)
    assert output["status"] == ExecutionStatus.COMPLETED.value
    assert client.threads.get_state(task_id)["interrupts"] == []
    assert _stored(server, task_id)["status"] == ExecutionStatus.COMPLETED.value
    (sent,) = _sent_with(server, subject)
    assert sent.to == EMAIL["to"]
    assert sent.body == EMAIL["body"]
