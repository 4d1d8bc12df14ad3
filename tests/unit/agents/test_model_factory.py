"""agents.models: name resolution, registration, caching and configuration errors (no network)."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest
from langchain_core.language_models import BaseChatModel

from agents.classification import Classification
from agents.models import (
    clear_cache,
    configured_model_name,
    get_chat_model,
    register_model,
    structured_model,
    unregister_model,
)
from agents.scripted import ScriptedChatModel
from agents.workflow_schemas import EmailDraft
from store.errors import ConfigurationError

#: Nothing listens here; building a client never connects, and these tests never call it.
UNUSED_BASE_URL = "http://127.0.0.1:9/v1"


@pytest.fixture(autouse=True)
def isolated_factory(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts with an empty cache and no model settings from the machine."""
    for name in ("DELEGATE_MODEL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    clear_cache()
    yield
    clear_cache()
    unregister_model("unit-model")


@pytest.fixture
def openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "unit-key")
    monkeypatch.setenv("OPENAI_BASE_URL", UNUSED_BASE_URL)


def test_model_name_defaults_to_offline() -> None:
    assert configured_model_name() == "offline"


def test_model_name_comes_from_delegate_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELEGATE_MODEL", "  openai:gpt-4o-mini \n")

    assert configured_model_name() == "openai:gpt-4o-mini"


def test_registered_instance_is_returned_by_name() -> None:
    model = ScriptedChatModel(script=["hi"])
    register_model("unit-model", model)

    assert get_chat_model("unit-model") is model


def test_registered_factory_is_called_on_each_lookup() -> None:
    built: list[BaseChatModel] = []

    def factory() -> BaseChatModel:
        built.append(ScriptedChatModel())
        return built[-1]

    register_model("unit-model", factory)

    first, second = get_chat_model("unit-model"), get_chat_model("unit-model")

    assert [first, second] == built
    assert first is not second


def test_delegate_model_selects_the_scripted_model(scripted_model: ScriptedChatModel) -> None:
    assert get_chat_model() is scripted_model


def test_unregistered_name_is_no_longer_resolved() -> None:
    register_model("unit-model", ScriptedChatModel())
    unregister_model("unit-model")

    with pytest.raises(ConfigurationError, match="DELEGATE_MODEL='unit-model'"):
        get_chat_model("unit-model")


@pytest.mark.usefixtures("openai_env")
def test_provider_model_is_built_once_per_name() -> None:
    assert get_chat_model("openai:gpt-4o-mini") is get_chat_model("openai:gpt-4o-mini")


@pytest.mark.usefixtures("openai_env")
def test_provider_model_gets_name_retries_and_timeout() -> None:
    model = get_chat_model("openai:gpt-4o-mini")

    assert type(model).__name__ == "ChatOpenAI"
    assert model.model_name == "gpt-4o-mini"  # type: ignore[attr-defined]
    assert model.max_retries == 2  # type: ignore[attr-defined]
    assert model.request_timeout == 120  # type: ignore[attr-defined]


@pytest.mark.usefixtures("openai_env")
def test_clear_cache_builds_a_new_model() -> None:
    first = get_chat_model("openai:gpt-4o-mini")

    clear_cache()

    assert get_chat_model("openai:gpt-4o-mini") is not first


@pytest.mark.usefixtures("openai_env")
def test_registering_a_name_replaces_its_cached_model() -> None:
    get_chat_model("openai:gpt-4o-mini")
    scripted = ScriptedChatModel()
    register_model("openai:gpt-4o-mini", scripted)
    try:
        assert get_chat_model("openai:gpt-4o-mini") is scripted
    finally:
        unregister_model("openai:gpt-4o-mini")


def test_name_without_provider_is_rejected() -> None:
    with pytest.raises(ConfigurationError, match="'offline' or 'provider:model'"):
        get_chat_model("gpt-4o-mini")


def test_provider_without_model_is_rejected() -> None:
    with pytest.raises(ConfigurationError, match="DELEGATE_MODEL='openai:'"):
        get_chat_model("openai:")


def test_openai_key_that_is_blank_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "   ")

    with pytest.raises(ConfigurationError, match="needs OPENAI_API_KEY"):
        get_chat_model("openai:gpt-4o-mini")


@pytest.mark.skipif(
    importlib.util.find_spec("langchain_anthropic") is not None,
    reason="langchain-anthropic is installed here",
)
def test_missing_provider_package_names_the_provider() -> None:
    with pytest.raises(ConfigurationError, match="needs the package for provider 'anthropic'"):
        get_chat_model("anthropic:claude-sonnet-4-5")


def test_offline_name_builds_the_offline_model() -> None:
    offline = pytest.importorskip("agents.offline.model")

    assert isinstance(get_chat_model("offline"), offline.OfflineChatModel)


def test_structured_model_is_built_once_per_model_and_schema() -> None:
    model, other = ScriptedChatModel(), ScriptedChatModel()

    first = structured_model(model, Classification)

    assert structured_model(model, Classification) is first
    assert structured_model(model, EmailDraft) is not first
    assert structured_model(other, Classification) is not first


def test_structured_model_answers_the_tool_arguments() -> None:
    decision = Classification(
        strategy="blocked", execution_type="manual", confidence=0.8, reason="Needs the bank."
    )
    model = ScriptedChatModel(script=[decision])

    answer = structured_model(model, Classification).invoke("Task: Pay the invoice")

    assert Classification.model_validate(answer) == decision
    assert model.calls[0].tools == ["Classification"]
