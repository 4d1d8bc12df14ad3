"""The offline chat model: deterministic, no network, speaks LangChain's chat-model interface.

It is what `DELEGATE_MODEL=offline` (the default) gives a new user: it classifies tasks,
writes deliverables, drives the agent tools one call at a time and fills structured outputs,
all from the task text with heuristics (the modules of this package).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from agents.local_model import LocalChatModel
from agents.offline.classifier import classify
from agents.offline.routing import registered_routes, route_fields
from agents.offline.schema import fill_schema
from agents.offline.text import TaskText, message_text, task_from_messages
from agents.offline.tools import next_step, tool_call
from agents.offline.writer import write
from agents.prompts import CLASSIFY_SYSTEM
from store.enums import Strategy

#: The agent-facing tools the offline model knows how to drive (see DESIGN.md).
AGENT_TOOLS = frozenset(
    {
        "draft_email", "send_email", "search_email", "read_email", "list_events",
        "create_calendar_event", "find_free_time", "post_slack_message",
        "list_slack_channels", "lookup_slack_user", "open_url", "fill_form", "click",
        "screenshot",
    }
)  # fmt: skip
CLASSIFICATION_TOOL = "Classification"


class OfflineChatModel(LocalChatModel):
    """A rule-based chat model that needs no API key and gives useful, repeatable answers."""

    now: datetime | None = None
    """A fixed clock for relative dates ("next Tuesday"); None means the current UTC time."""

    @property
    def _llm_type(self) -> str:
        return "delegate-offline"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": "offline"}

    def respond(
        self, messages: list[BaseMessage], tools: list[dict[str, Any]], tool_choice: Any = None
    ) -> AIMessage:
        """The reply to a conversation given the bound tools: the whole model in one call."""
        now = self.now or datetime.now(UTC)
        task = task_from_messages(messages)
        specs = {_tool_name(t): t for t in tools}
        forced = _forced_tool(tool_choice)
        if CLASSIFICATION_TOOL in specs and forced in {None, CLASSIFICATION_TOOL}:
            return tool_call(CLASSIFICATION_TOOL, _classification(task, specs[CLASSIFICATION_TOOL]))
        agent_tools = [name for name in specs if name in AGENT_TOOLS]
        if agent_tools and (forced is None or forced in AGENT_TOOLS):
            return next_step(task, messages, agent_tools, now)
        target = forced if forced in specs else None
        if target is None and len(specs) == 1 and tool_choice in {"any", "required", True}:
            target = next(iter(specs))
        if target is not None:
            parameters = specs[target].get("function", {}).get("parameters") or {}
            return tool_call(target, fill_schema(target, parameters, task, now))
        if _is_classify_prompt(messages):
            return AIMessage(content=json.dumps(_classification(task, None)))
        return AIMessage(content=write(task, now))

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        message = self.respond(messages, kwargs.get("tools") or [], kwargs.get("tool_choice"))
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self.respond(messages, kwargs.get("tools") or [], kwargs.get("tool_choice"))
        chunk = AIMessageChunk(
            content=message.content,
            id=message.id,
            tool_call_chunks=[
                {
                    "name": call["name"],
                    "args": json.dumps(call["args"]),
                    "id": call["id"],
                    "index": index,
                    "type": "tool_call_chunk",
                }
                for index, call in enumerate(message.tool_calls)
            ],
        )
        if run_manager is not None and isinstance(message.content, str):
            run_manager.on_llm_new_token(message.content, chunk=ChatGenerationChunk(message=chunk))
        yield ChatGenerationChunk(message=chunk)


def _classification(task: TaskText, tool: dict[str, Any] | None) -> dict[str, Any]:
    """The classifier's decision plus, for work done now, its route and delivery."""
    answer = classify(task).as_dict()
    if answer["strategy"] == Strategy.IMMEDIATE.value:
        answer.update(route_fields(task, registered_routes(tool) if tool else None))
    return answer


def _tool_name(tool: dict[str, Any]) -> str:
    function = tool.get("function")
    if isinstance(function, dict):
        return str(function.get("name", ""))
    return str(tool.get("name", ""))


def _forced_tool(tool_choice: Any) -> str | None:
    """The tool a tool_choice names ('Classification', {"function": {"name": ...}})."""
    if isinstance(tool_choice, str) and tool_choice not in {"auto", "any", "required", "none"}:
        return tool_choice
    if isinstance(tool_choice, dict):
        function = tool_choice.get("function")
        if isinstance(function, dict) and function.get("name"):
            return str(function["name"])
        if tool_choice.get("name"):
            return str(tool_choice["name"])
    return None


def _is_classify_prompt(messages: list[BaseMessage]) -> bool:
    return any(
        isinstance(m, SystemMessage) and message_text(m).strip().startswith(CLASSIFY_SYSTEM.strip())
        for m in messages
    )
