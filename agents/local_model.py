"""The base of the chat models answered in this process (the offline model, the scripted
model): tools are bound as OpenAI tool dicts, the shape a provider's model receives, so their
answers are read from the same request a real model would get."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool


class LocalChatModel(BaseChatModel):
    """A chat model that binds tools (LangChain tools, pydantic schemas, functions or OpenAI
    tool dicts) as OpenAI tool dicts."""

    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: Any = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        formatted = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=formatted, tool_choice=tool_choice, **kwargs)
