"""The one model factory: `offline`, a registered (scripted) model, or any `provider:model`.

Everything LLM-facing calls `get_chat_model`, so a user switches providers with one setting
(DELEGATE_MODEL) and tests swap in one scripted model with `register_model`.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from store.errors import ConfigurationError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.runnables import Runnable
    from pydantic import BaseModel

DEFAULT_MODEL = "offline"
MODEL_ENV = "DELEGATE_MODEL"

#: Providers whose client refuses to start without an API key, and the variable it reads.
_REQUIRED_KEYS = {"openai": "OPENAI_API_KEY"}

_registry: dict[str, Callable[[], BaseChatModel]] = {}
_cache: dict[str, BaseChatModel] = {}
_lock = threading.Lock()
#: Structured-output runnables by (id of the model, schema); each entry holds its model, so an
#: id is never reused while its entry lives. Bounded: tests build many short-lived models.
_structured: OrderedDict[tuple[int, type[Any]], tuple[BaseChatModel, Runnable[Any, Any]]] = (
    OrderedDict()
)
_STRUCTURED_KEPT = 64


def configured_model_name() -> str:
    """DELEGATE_MODEL, or `offline` when unset."""
    return (os.environ.get(MODEL_ENV) or DEFAULT_MODEL).strip()


def register_model(name: str, model: BaseChatModel | Callable[[], BaseChatModel]) -> None:
    """Make `name` resolve to this model (an instance or a zero-argument factory)."""
    factory = model if callable(model) and not hasattr(model, "invoke") else (lambda: model)
    with _lock:
        _registry[name] = factory  # type: ignore[assignment]
        _cache.pop(name, None)


def unregister_model(name: str) -> None:
    """Forget a name registered with `register_model`."""
    with _lock:
        _registry.pop(name, None)
        _cache.pop(name, None)


def clear_cache() -> None:
    """Drop every built model, so the next `get_chat_model` reads the environment again."""
    with _lock:
        _cache.clear()


def get_chat_model(name: str | None = None) -> BaseChatModel:
    """The chat model for `name` (default: DELEGATE_MODEL), built once per process; its calls
    count against DELEGATE_MODEL_CONCURRENCY (agents.model_slots)."""
    name = (name or configured_model_name()).strip()
    with _lock:
        if name in _cache:
            return _cache[name]
        registered = _registry.get(name)
    from agents.model_slots import with_call_slots

    if registered is not None:
        return with_call_slots(registered())
    model = with_call_slots(_build(name))
    with _lock:
        _cache[name] = model
    return model


def structured_model(model: BaseChatModel, schema: type[BaseModel]) -> Runnable[Any, Any]:
    """`model` asked to call `schema` as its one tool (function calling), built once per model
    and schema. It answers the tool call's arguments as a dict (None when the model called no
    tool): validate them with `schema`.

    Why not `with_structured_output(schema)` on each call: it turns the pydantic schema into
    JSON (pydantic's schema generation) twice when built and once more on every call, which
    cost a worker more CPU than the rest of the model call. Here the schema is turned into
    the OpenAI tool once; the request the provider sees is the same."""
    key = (id(model), schema)
    with _lock:
        kept = _structured.get(key)
        if kept is not None and kept[0] is model:
            _structured.move_to_end(key)
            return kept[1]
    from langchain_core.utils.function_calling import convert_to_openai_tool

    runnable = model.with_structured_output(
        convert_to_openai_tool(schema), method="function_calling"
    )
    with _lock:
        _structured[key] = (model, runnable)
        while len(_structured) > _STRUCTURED_KEPT:
            _structured.popitem(last=False)
    return runnable


def _build(name: str) -> BaseChatModel:
    if name == "offline":
        from agents.offline.model import OfflineChatModel

        return OfflineChatModel()
    if ":" not in name:
        raise ConfigurationError(
            f"{MODEL_ENV}={name!r} is not a model: use 'offline' or 'provider:model' "
            "(e.g. openai:gpt-4o-mini)"
        )
    provider, model_name = (part.strip() for part in name.split(":", 1))
    if not provider or not model_name:
        raise ConfigurationError(
            f"{MODEL_ENV}={name!r} is not a model: use 'provider:model' (e.g. openai:gpt-4o-mini)"
        )
    required_key = _REQUIRED_KEYS.get(provider)
    if required_key and not os.environ.get(required_key, "").strip():
        raise ConfigurationError(
            f"{MODEL_ENV}={name!r} needs {required_key}: set it to your API key "
            "(any non-empty value for a local OpenAI-compatible server at OPENAI_BASE_URL)"
        )
    from langchain.chat_models import init_chat_model

    try:
        return init_chat_model(model_name, model_provider=provider, timeout=120, max_retries=2)
    except ImportError as exc:
        raise ConfigurationError(
            f"{MODEL_ENV}={name!r} needs the package for provider {provider!r}: {exc}"
        ) from None
    except Exception as exc:  # provider clients raise their own types for missing keys
        raise ConfigurationError(
            f"{MODEL_ENV}={name!r} could not be set up: {_first_line(exc)}"
        ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
