"""Through the LangGraph API (`langgraph dev`, the langgraph_sdk client): a model provider that
echoes the API key in its error shows it in no run answer, thread state, history or log."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from langgraph_sdk import get_sync_client

from tests.fixtures.langgraph_server import LangGraphServer
from tests.fixtures.openai_standin import STANDIN_API_KEY, HttpError

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


@pytest.fixture
def server(langgraph_server: LangGraphServer) -> Iterator[LangGraphServer]:
    yield langgraph_server
    langgraph_server.model.default = None


def test_openai_key_echoed_in_an_error_is_nowhere_in_the_run(server: LangGraphServer) -> None:
    server.model.default = lambda request: HttpError(
        401,
        f"Incorrect API key provided: {STANDIN_API_KEY}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        type="invalid_request_error",
        code="invalid_api_key",
    )
    client = get_sync_client(url=server.url, headers=server.api_headers)
    thread = client.threads.create()

    result = client.runs.wait(
        thread["thread_id"], "execute_task", input={"title": "Write a haiku about tea"}
    )
    state = client.threads.get_state(thread["thread_id"])
    history = client.threads.get_history(thread["thread_id"])
    task = client.http.get(f"/api/tasks/{thread['thread_id']}", headers=server.api_headers)

    assert isinstance(result, dict) and result["status"] == "failed"
    assert "Incorrect API key provided: ***" in result["reason"]
    for shown in (result, state, history, task):
        text = json.dumps(shown, default=str)
        at = text.find(STANDIN_API_KEY)
        assert at < 0, text[max(0, at - 300) : at + 100]
    assert STANDIN_API_KEY not in server.log_tail(2000)
