"""Model calls take a slot of the `model` provider limit (tools.provider_limits) while they run.

A LangChain callback handler on every model the factory hands out: the slot is taken when a
chat model run starts (before the provider is called) and given back when that run ends or
fails, whichever way the model is invoked (invoke, stream, structured output, an agent).
"""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel

from tools.provider_limits import acquire_slot, release_slot

PROVIDER = "model"


class ModelCallSlots(BaseCallbackHandler):
    """Holds one `model` slot per chat model run in flight."""

    raise_error = True
    run_inline = True

    def __init__(self) -> None:
        self._held: set[UUID] = set()
        self._lock = threading.Lock()

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: Any, *, run_id: UUID, **kwargs: Any
    ) -> None:
        acquire_slot(PROVIDER)
        with self._lock:
            self._held.add(run_id)

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._give_back(run_id)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._give_back(run_id)

    def _give_back(self, run_id: UUID) -> None:
        with self._lock:
            if run_id not in self._held:
                return
            self._held.discard(run_id)
        release_slot(PROVIDER)


_handler = ModelCallSlots()


def with_call_slots(model: BaseChatModel) -> BaseChatModel:
    """The model, its calls counted against the `model` limit (idempotent)."""
    callbacks = model.callbacks
    if isinstance(callbacks, list):
        if not any(isinstance(c, ModelCallSlots) for c in callbacks):
            callbacks.append(_handler)
    elif callbacks is None:
        model.callbacks = [_handler]
    return model
