"""The real model path: get_chat_model -> ChatOpenAI -> openai client -> the loopback stand-in."""

from __future__ import annotations

import logging
from typing import Any

import openai
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage

from agents.classification import Classification
from agents.models import clear_cache, get_chat_model
from agents.planner import ask_structured
from store.enums import ExecutionType, Strategy
from store.errors import ConfigurationError
from tests.fixtures.openai_standin import HttpError, OpenAIStandin, ToolCall

pytestmark = pytest.mark.integration

FAST_RETRY = {"retry-after-ms": "5"}

BLOCKED = Classification(
    strategy=Strategy.BLOCKED,
    execution_type=ExecutionType.MANUAL,
    confidence=0.85,
    reason="Paying an invoice needs access to the bank account.",
)


def lookup_contact(name: str, company: str = "") -> str:
    """Find a contact's email address by name."""
    return f"{name}@example.com"


def test_plain_reply_comes_from_the_standin(openai_standin: OpenAIStandin) -> None:
    openai_standin.add("Here is your summary.")

    reply = get_chat_model().invoke([HumanMessage("Summarize the meeting notes")])

    assert reply.content == "Here is your summary."
    request = openai_standin.completions[0]
    assert request.body["model"] == "gpt-4o-mini"
    assert request.messages == [{"role": "user", "content": "Summarize the meeting notes"}]
    assert request.stream is False


def test_api_key_is_sent_as_bearer_token(openai_standin: OpenAIStandin) -> None:
    openai_standin.add("ok")

    get_chat_model().invoke("hello")

    assert openai_standin.completions[0].authorization == "Bearer test-key"


def test_function_calling_structured_output_returns_classification(
    openai_standin: OpenAIStandin,
) -> None:
    openai_standin.add(BLOCKED)
    structured = get_chat_model().with_structured_output(Classification, method="function_calling")

    answer = structured.invoke("Task: Pay the electricity invoice")

    assert answer == BLOCKED
    request = openai_standin.completions[0]
    assert request.tool_names == ["Classification"]
    assert request.tool_choice == {"type": "function", "function": {"name": "Classification"}}
    assert request.response_format is None


def test_structured_call_sends_what_with_structured_output_sends(
    openai_standin: OpenAIStandin,
) -> None:
    openai_standin.add(BLOCKED, BLOCKED)
    model = get_chat_model()
    model.with_structured_output(Classification, method="function_calling").invoke("Task: Pay")

    answer = ask_structured(model, Classification, "Decide.", "Task: Pay")

    assert answer == BLOCKED
    stock, ours = (request.body for request in openai_standin.completions)
    assert {k: v for k, v in ours.items() if k != "messages"} == {
        k: v for k, v in stock.items() if k != "messages"
    }


def test_default_structured_output_sends_json_schema_response_format(
    openai_standin: OpenAIStandin,
) -> None:
    openai_standin.add(BLOCKED.model_dump(mode="json"))
    structured = get_chat_model().with_structured_output(Classification)

    answer = structured.invoke("Task: Pay the electricity invoice")

    assert answer == BLOCKED
    response_format = openai_standin.completions[0].response_format
    assert response_format is not None
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "Classification"
    assert "strategy" in response_format["json_schema"]["schema"]["properties"]


def test_bound_tools_are_sent_and_tool_calls_parsed(openai_standin: OpenAIStandin) -> None:
    openai_standin.add(ToolCall("lookup_contact", {"name": "john", "company": "Acme"}))

    reply = get_chat_model().bind_tools([lookup_contact]).invoke("Email John from Acme")

    assert isinstance(reply, AIMessage)
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [
        ("lookup_contact", {"name": "john", "company": "Acme"})
    ]
    tool = openai_standin.completions[0].tools[0]["function"]
    assert tool["name"] == "lookup_contact"
    assert tool["description"] == "Find a contact's email address by name."
    assert set(tool["parameters"]["properties"]) == {"name", "company"}


def test_tool_result_is_sent_back_with_its_call_id(openai_standin: OpenAIStandin) -> None:
    openai_standin.add(ToolCall("lookup_contact", {"name": "john"}), "John is john@example.com.")
    model = get_chat_model().bind_tools([lookup_contact])
    history: list[Any] = [HumanMessage("What is John's address?")]

    call_reply = model.invoke(history)
    call = call_reply.tool_calls[0]
    history += [call_reply, ToolMessage("john@example.com", tool_call_id=call["id"])]
    final = model.invoke(history)

    assert final.content == "John is john@example.com."
    sent = openai_standin.completions[1].messages
    assert sent[1]["tool_calls"][0]["id"] == call["id"]
    assert sent[2] == {"role": "tool", "content": "john@example.com", "tool_call_id": call["id"]}


def test_streaming_text_arrives_in_several_chunks(openai_standin: OpenAIStandin) -> None:
    openai_standin.add("Dear John, thank you for the meeting.")

    chunks = list(get_chat_model().stream("Draft a thank-you note"))

    texts = [c.content for c in chunks if c.content]
    assert len(texts) > 1
    assert "".join(str(t) for t in texts) == "Dear John, thank you for the meeting."
    assert openai_standin.completions[0].stream is True


def test_streaming_tool_call_assembles_arguments(openai_standin: OpenAIStandin) -> None:
    args = {"name": "john", "company": "Acme Corporation International"}
    openai_standin.add(ToolCall("lookup_contact", args))

    streamed = get_chat_model().bind_tools([lookup_contact]).stream("Email John")
    chunks = [c for c in streamed if isinstance(c, AIMessageChunk)]

    assert len([c for c in chunks if c.tool_call_chunks]) > 1  # arguments came in pieces
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    assert [(c["name"], c["args"]) for c in full.tool_calls] == [("lookup_contact", args)]


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")
def test_streaming_structured_output_parses_json_schema_reply(
    openai_standin: OpenAIStandin,
) -> None:
    openai_standin.add(BLOCKED)

    parts = list(get_chat_model().with_structured_output(Classification).stream("Pay it"))

    assert parts[-1] == BLOCKED
    request = openai_standin.completions[0]
    assert request.stream is True
    assert request.response_format is not None


def test_server_error_is_retried_by_the_client(openai_standin: OpenAIStandin) -> None:
    openai_standin.add(HttpError(500, headers=FAST_RETRY), "Recovered answer")

    reply = get_chat_model().invoke("hello")

    assert reply.content == "Recovered answer"
    assert len(openai_standin.completions) == 2


def test_client_gives_up_after_max_retries(openai_standin: OpenAIStandin) -> None:
    openai_standin.add(*[HttpError(503, headers=FAST_RETRY)] * 3, "never reached")

    with pytest.raises(openai.InternalServerError):
        get_chat_model().invoke("hello")

    assert len(openai_standin.completions) == 3  # the first try and max_retries=2
    assert openai_standin.remaining == 1


def test_unauthorized_error_does_not_reveal_api_key(
    openai_standin: OpenAIStandin,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "sk-live-0123456789abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    clear_cache()
    caplog.set_level(logging.DEBUG)

    with pytest.raises(openai.AuthenticationError) as caught:
        get_chat_model().invoke("hello")

    assert caught.value.status_code == 401
    assert "Incorrect API key" in str(caught.value)
    assert secret not in str(caught.value)
    assert secret not in repr(caught.value.body)
    assert secret not in caplog.text
    assert len(openai_standin.completions) == 1  # a 401 is not retried
    assert openai_standin.completions[0].authorization == f"Bearer {secret}"


def test_models_endpoint_lists_the_standin_model(openai_standin: OpenAIStandin) -> None:
    client = openai.OpenAI()  # reads OPENAI_BASE_URL and OPENAI_API_KEY like the factory

    models = [m.id for m in client.models.list()]

    assert models == ["gpt-4o-mini"]
    assert openai_standin.requests[-1].path == "/v1/models"


def test_clear_cache_rebuilds_with_the_new_environment(
    openai_standin: OpenAIStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = get_chat_model()
    monkeypatch.setenv("OPENAI_API_KEY", "rotated-key")
    openai_standin.expected_api_key = "rotated-key"
    openai_standin.add("ok")

    clear_cache()
    second = get_chat_model()
    second.invoke("hello")

    assert second is not first
    assert openai_standin.completions[0].authorization == "Bearer rotated-key"


def test_nonsense_model_name_names_delegate_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELEGATE_MODEL", "nonsense")
    clear_cache()

    with pytest.raises(ConfigurationError, match="DELEGATE_MODEL='nonsense'"):
        get_chat_model()


def test_unknown_provider_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELEGATE_MODEL", "unknownprovider:x")
    clear_cache()

    with pytest.raises(ConfigurationError) as caught:
        get_chat_model()

    assert "DELEGATE_MODEL='unknownprovider:x'" in str(caught.value)
    assert "unknownprovider" in str(caught.value).split("set up:", 1)[1]


def test_openai_without_api_key_names_openai_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELEGATE_MODEL", "openai:gpt-4o-mini")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    clear_cache()

    with pytest.raises(ConfigurationError, match="needs OPENAI_API_KEY"):
        get_chat_model()


def test_conversation_history_is_sent_in_order(openai_standin: OpenAIStandin) -> None:
    openai_standin.add("ok")

    get_chat_model().invoke([HumanMessage("one"), AIMessage("two"), HumanMessage("three")])

    assert openai_standin.completions[0].messages == [
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "two"},
        {"role": "user", "content": "three"},
    ]
