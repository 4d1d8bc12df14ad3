"""A scripted chat model: answers from a script and records what it was asked.

The one model every test (and the benchmarks) use instead of ad hoc mocks. A script item is
- a string: the reply text;
- a pydantic model instance: a call of the structured-output tool named after its class;
- an `AIMessage`: returned as is (tool calls included);
- an exception instance: raised, to exercise retries and failures;
- a callable `(messages, tools) -> any of the above`: computed from the request.
When the script runs out, `default` (a callable like the above) answers, if given.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import BaseModel, ConfigDict, PrivateAttr

from agents.local_model import LocalChatModel

ScriptItem = Any


@dataclass
class ScriptedCall:
    """One request the scripted model received."""

    messages: list[BaseMessage]
    tools: list[str] = field(default_factory=list)
    tool_choice: Any = None

    @property
    def text(self) -> str:
        """All message contents joined: handy for asserting what the model was shown."""
        return "\n".join(str(m.content) for m in self.messages)


_ids = itertools.count(1)


def tool_call_message(name: str, args: dict[str, Any], content: str = "") -> AIMessage:
    """An AIMessage that calls one tool."""
    return AIMessage(
        content=content,
        tool_calls=[{"name": name, "args": args, "id": f"call_{next(_ids)}", "type": "tool_call"}],
    )


class ScriptedChatModel(LocalChatModel):
    """Answers from `script` in order, then from `default`; records every call in `calls`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    script: list[ScriptItem] = []
    default: Callable[[list[BaseMessage], list[str]], ScriptItem] | None = None
    calls: list[ScriptedCall] = []
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _position: int = PrivateAttr(default=0)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def remaining(self) -> int:
        return len(self.script) - self._position

    def _next_item(self, messages: list[BaseMessage], tools: list[str]) -> ScriptItem:
        with self._lock:
            if self._position < len(self.script):
                item = self.script[self._position]
                self._position += 1
                return item
        if self.default is not None:
            return self.default(messages, tools)
        raise RuntimeError(f"scripted model ran out of answers after {len(self.calls)} calls")

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        tools = [t["function"]["name"] for t in kwargs.get("tools") or []]
        with self._lock:
            self.calls.append(ScriptedCall(list(messages), tools, kwargs.get("tool_choice")))
        item = self._next_item(list(messages), tools)
        if callable(item) and not isinstance(item, BaseModel | BaseMessage):
            item = item(list(messages), tools)
        return ChatResult(generations=[ChatGeneration(message=to_message(item))])


def to_message(item: ScriptItem) -> AIMessage:
    """Turn one script item into the AIMessage the model returns (or raise it)."""
    if isinstance(item, BaseException):
        raise item
    if isinstance(item, AIMessage):
        return item
    if isinstance(item, BaseModel):
        return tool_call_message(type(item).__name__, item.model_dump(mode="json"))
    if isinstance(item, str):
        return AIMessage(content=item)
    raise TypeError(f"cannot turn {type(item).__name__} into a model reply")
