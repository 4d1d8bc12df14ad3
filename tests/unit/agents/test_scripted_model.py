"""agents.scripted: the one scripted test model answers from its script and records calls."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from agents.classification import Classification
from agents.scripted import ScriptedChatModel, tool_call_message
from store.enums import ExecutionType, Strategy

IMMEDIATE = Classification(
    strategy=Strategy.IMMEDIATE,
    execution_type=ExecutionType.FULLY_AUTOMATED,
    confidence=0.9,
    reason="A draft can be written now.",
    route="writer",
)


def send_email(to: str, subject: str) -> str:
    """Send an email."""
    return "sent"


def search_email(query: str) -> str:
    """Search the mailbox."""
    return "nothing"


def test_script_answers_in_order() -> None:
    model = ScriptedChatModel(script=["first", "second", "third"])

    replies = [model.invoke("q").content for _ in range(3)]

    assert replies == ["first", "second", "third"]


def test_pydantic_item_answers_structured_output() -> None:
    model = ScriptedChatModel(script=[IMMEDIATE])

    answer = model.with_structured_output(Classification).invoke("Task: Draft a note")

    assert answer == IMMEDIATE


def test_pydantic_item_becomes_tool_call_named_after_its_class() -> None:
    model = ScriptedChatModel(script=[IMMEDIATE])

    reply = model.invoke("q")

    assert isinstance(reply, AIMessage)
    assert reply.tool_calls[0]["name"] == "Classification"
    assert reply.tool_calls[0]["args"]["strategy"] == "immediate"


def test_exception_item_is_raised() -> None:
    model = ScriptedChatModel(script=[TimeoutError("model timed out"), "after"])

    with pytest.raises(TimeoutError, match="model timed out"):
        model.invoke("q")
    assert model.invoke("q").content == "after"


def test_callable_item_answers_from_the_request() -> None:
    def echo(messages: list[BaseMessage], tools: list[str]) -> str:
        return f"{messages[-1].content} with {','.join(tools) or 'no tools'}"

    model = ScriptedChatModel(script=[echo])

    reply = model.bind_tools([send_email]).invoke("hello")

    assert reply.content == "hello with send_email"


def test_ai_message_item_is_returned_as_is() -> None:
    message = tool_call_message("send_email", {"to": "john@example.com", "subject": "Hi"})
    model = ScriptedChatModel(script=[message])

    reply = model.invoke("q")

    assert reply.tool_calls == message.tool_calls


def test_default_answers_after_script_runs_out() -> None:
    model = ScriptedChatModel(script=["scripted"], default=lambda messages, tools: "default")

    replies = [model.invoke("q").content for _ in range(3)]

    assert replies == ["scripted", "default", "default"]


def test_running_out_without_default_raises() -> None:
    model = ScriptedChatModel(script=["only"])
    model.invoke("q")

    with pytest.raises(RuntimeError, match="ran out of answers after 2 calls"):
        model.invoke("q")


def test_unsupported_item_is_a_type_error() -> None:
    model = ScriptedChatModel(script=[42])

    with pytest.raises(TypeError, match="cannot turn int"):
        model.invoke("q")


def test_calls_record_the_messages() -> None:
    model = ScriptedChatModel(script=["ok"])

    model.invoke([SystemMessage("Be brief."), HumanMessage("Task: Draft a note")])

    assert len(model.calls) == 1
    assert [m.content for m in model.calls[0].messages] == ["Be brief.", "Task: Draft a note"]
    assert model.calls[0].text == "Be brief.\nTask: Draft a note"


def test_calls_record_bound_tool_names_and_choice() -> None:
    model = ScriptedChatModel(script=["ok"])

    model.bind_tools([send_email, search_email], tool_choice="any").invoke("q")

    assert model.calls[0].tools == ["send_email", "search_email"]
    assert model.calls[0].tool_choice == "any"


def test_remaining_counts_unused_items() -> None:
    model = ScriptedChatModel(script=["a", "b", "c"])

    model.invoke("q")

    assert model.remaining == 2


def test_instances_do_not_share_scripts_or_calls() -> None:
    first = ScriptedChatModel(script=["one"])
    second = ScriptedChatModel()
    first.invoke("q")

    assert second.script == []
    assert second.calls == []


def test_tool_call_messages_get_distinct_ids() -> None:
    ids: set[Any] = {tool_call_message("x", {}).tool_calls[0]["id"] for _ in range(5)}

    assert len(ids) == 5
