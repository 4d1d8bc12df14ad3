"""The sandbox Slack channel log and the chat backend selection."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from store.db import Database
from store.errors import ConfigurationError
from store.orgs import ensure_organization
from tools.backends import Chat, ProviderError
from tools.slack.backends import get_chat
from tools.slack.sandbox import SandboxChat, channel_id_for


@pytest.fixture
def chat(db: Database, org_id: str) -> SandboxChat:
    return SandboxChat(db, org_id)


def test_posted_message_appears_in_channel_history(chat: SandboxChat) -> None:
    posted = chat.post_message("#general", "Standup moved to 10:30")
    history = chat.history("general")
    assert [(m["ts"], m["text"], m["user"]) for m in history] == [
        (posted["ts"], "Standup moved to 10:30", "delegate")
    ]
    assert posted["channel"] == channel_id_for("general")
    assert posted["channel_name"] == "general"


def test_channel_names_accept_hash_and_any_case(chat: SandboxChat) -> None:
    chat.post_message("#Team-Updates", "one")
    chat.post_message("team-updates", "two")
    assert [m["text"] for m in chat.history("#TEAM-UPDATES")] == ["one", "two"]


def test_post_by_channel_id_reaches_the_named_channel(chat: SandboxChat) -> None:
    chat.post_message(channel_id_for("random"), "by id")
    assert [m["text"] for m in chat.history("#random")] == ["by id"]


def test_unknown_channel_id_is_channel_not_found(chat: SandboxChat) -> None:
    with pytest.raises(ProviderError) as err:
        chat.post_message("C0000000000", "hello")
    assert err.value.reason == "channel_not_found"


def test_list_channels_has_defaults_and_channels_with_messages(chat: SandboxChat) -> None:
    chat.post_message("#design", "mockups are up")
    channels = chat.list_channels()
    assert [c["name"] for c in channels] == ["announcements", "design", "general", "random"]
    assert all(c["id"] == channel_id_for(c["name"]) for c in channels)


def test_list_channels_respects_limit(chat: SandboxChat) -> None:
    assert len(chat.list_channels(limit=2)) == 2


def test_ts_looks_like_slack_and_strictly_increases(chat: SandboxChat) -> None:
    stamps = [chat.post_message("#general", f"message {i}")["ts"] for i in range(5)]
    for ts in stamps:
        seconds, fraction = ts.split(".")
        assert len(seconds) == 10 and len(fraction) == 6
    assert [float(t) for t in stamps] == sorted({float(t) for t in stamps})


def test_concurrent_posts_get_distinct_ts(chat: SandboxChat) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: chat.post_message("#general", f"m{i}"), range(24)))
    assert len({r["ts"] for r in results}) == 24


def test_thread_reply_records_parent_ts(chat: SandboxChat) -> None:
    parent = chat.post_message("#general", "Question?")
    reply = chat.post_message("#general", "Answer.", thread_ts=parent["ts"])
    last = chat.history("#general")[-1]
    assert (last["ts"], last["thread_ts"]) == (reply["ts"], parent["ts"])


def test_reply_to_unknown_thread_is_refused(chat: SandboxChat) -> None:
    with pytest.raises(ProviderError) as err:
        chat.post_message("#general", "Answer.", thread_ts="1700000000.000001")
    assert err.value.reason == "thread_not_found"
    assert chat.history("#general") == []


def test_empty_text_is_no_text(chat: SandboxChat) -> None:
    with pytest.raises(ProviderError) as err:
        chat.post_message("#general", "   ")
    assert err.value.reason == "no_text"


def test_malformed_channel_name_is_refused(chat: SandboxChat) -> None:
    with pytest.raises(ProviderError) as err:
        chat.post_message("#not a channel", "hi")
    assert err.value.reason.startswith("invalid_name")


def test_history_returns_latest_messages_oldest_first(chat: SandboxChat) -> None:
    for i in range(5):
        chat.post_message("#general", f"m{i}")
    assert [m["text"] for m in chat.history("#general", limit=2)] == ["m3", "m4"]


def test_channels_are_separate_per_organization(db: Database, org_id: str) -> None:
    with db.session() as session:
        other = ensure_organization(session, "other").id
    SandboxChat(db, org_id).post_message("#secret", "ours")
    other_chat = SandboxChat(db, other)
    assert other_chat.history("#secret") == []
    assert "secret" not in [c["name"] for c in other_chat.list_channels()]


def test_lookup_user_derives_stable_user_from_email(chat: SandboxChat) -> None:
    user = chat.lookup_user("John.Smith@Example.com")
    assert user["name"] == "john.smith"
    assert user["real_name"] == "John Smith"
    assert user["email"] == "john.smith@example.com"
    assert user["id"].startswith("U") and len(user["id"]) == 11
    assert chat.lookup_user("john.smith@example.com")["id"] == user["id"]
    assert chat.lookup_user("jane@example.com")["id"] != user["id"]


def test_lookup_user_with_malformed_email_is_users_not_found(chat: SandboxChat) -> None:
    with pytest.raises(ProviderError) as err:
        chat.lookup_user("not-an-email")
    assert err.value.reason == "users_not_found"


def test_get_chat_defaults_to_sandbox(
    db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DELEGATE_SLACK_BACKEND", raising=False)
    chat: Chat = get_chat(db, org_id)
    assert isinstance(chat, SandboxChat)


def test_get_chat_rejects_unknown_backend_naming_the_variable(
    db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DELEGATE_SLACK_BACKEND", "teams")
    with pytest.raises(ConfigurationError, match="DELEGATE_SLACK_BACKEND"):
        get_chat(db, org_id)


def test_get_chat_slack_without_token_names_the_variable(
    db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DELEGATE_SLACK_BACKEND", "slack")
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    with pytest.raises(ConfigurationError, match="SLACK_BOT_TOKEN"):
        get_chat(db, org_id)


def test_a_post_under_a_key_is_found_in_its_channel(chat: SandboxChat) -> None:
    posted = chat.post_message("#general", "Launch at 5pm", idempotency_key="k" * 64)

    assert chat.find_posted("general", "k" * 64) == posted
    assert chat.find_posted("#random", "k" * 64) is None
    assert chat.find_posted("#general", "j" * 64) is None
