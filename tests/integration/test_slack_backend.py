"""SlackChat through the real slack_sdk WebClient against the loopback Slack stand-in."""

from __future__ import annotations

import pytest

from store.db import Database
from store.errors import ConfigurationError
from tests.fixtures.slack_standin import SlackStandin
from tools.backends import OutcomeUnknown, ProviderError
from tools.slack import client as slack_client
from tools.slack.backends import get_chat
from tools.slack.client import IDEMPOTENCY_EVENT, SlackChat

pytestmark = pytest.mark.integration


@pytest.fixture
def slack(slack_standin: SlackStandin) -> SlackChat:
    return SlackChat(slack_standin.token, base_url=slack_standin.base_url, retry_delay=0)


def test_post_message_sends_json_with_channel_text_and_bearer_token(
    slack: SlackChat, slack_standin: SlackStandin
) -> None:
    result = slack.post_message("C01GENERAL0", "Standup moved to 10:30")
    [call] = slack_standin.calls("chat.postMessage")
    assert call.content_type == "application/json"
    assert call.params == {"channel": "C01GENERAL0", "text": "Standup moved to 10:30"}
    assert call.headers["authorization"] == f"Bearer {slack_standin.token}"
    assert result == {
        "channel": "C01GENERAL0",
        "channel_name": None,
        "ts": slack_standin.messages[0]["ts"],
    }


def test_post_by_name_resolves_channel_id_once(
    slack: SlackChat, slack_standin: SlackStandin
) -> None:
    first = slack.post_message("#random", "one")
    slack.post_message("random", "two")
    assert first["channel"] == "C02RANDOM00"
    assert first["channel_name"] == "random"
    assert [c.params["channel"] for c in slack_standin.calls("chat.postMessage")] == [
        "C02RANDOM00",
        "C02RANDOM00",
    ]
    assert len(slack_standin.calls("conversations.list")) == 1


def test_post_in_thread_sends_thread_ts(slack: SlackChat, slack_standin: SlackStandin) -> None:
    slack.post_message("C01GENERAL0", "reply", thread_ts="1700000000.000100")
    assert slack_standin.calls("chat.postMessage")[0].params["thread_ts"] == "1700000000.000100"


def test_list_channels_follows_pagination(slack: SlackChat, slack_standin: SlackStandin) -> None:
    slack_standin.channels.extend(
        {"id": f"C1EXTRA{i:04d}", "name": f"extra-{i}", "is_member": False} for i in range(250)
    )
    channels = slack.list_channels(limit=1000)
    assert len(channels) == 253
    assert channels[0] == {
        "id": "C01GENERAL0",
        "name": "general",
        "is_private": False,
        "is_member": True,
    }
    calls = slack_standin.calls("conversations.list")
    assert len(calls) == 2
    assert calls[1].params["cursor"] == "200"


def test_list_channels_respects_limit(slack: SlackChat) -> None:
    assert [c["name"] for c in slack.list_channels(limit=2)] == ["general", "random"]


def test_lookup_user_returns_id_name_and_email(
    slack: SlackChat, slack_standin: SlackStandin
) -> None:
    user = slack.lookup_user("john@example.com")
    assert user == {
        "id": "U0JOHN00001",
        "name": "john",
        "real_name": "John Smith",
        "email": "john@example.com",
    }
    assert slack_standin.calls("users.lookupByEmail")[0].params["email"] == "john@example.com"


def test_unknown_user_is_provider_error_users_not_found(slack: SlackChat) -> None:
    with pytest.raises(ProviderError) as err:
        slack.lookup_user("nobody@example.com")
    assert (err.value.reason, err.value.retryable) == ("users_not_found", False)


def test_ok_false_becomes_provider_error_with_slack_error_code(
    slack: SlackChat, slack_standin: SlackStandin
) -> None:
    with pytest.raises(ProviderError) as err:
        slack.post_message("C0NOSUCHCHAN", "hello")
    assert err.value.service == "slack"
    assert err.value.reason == "channel_not_found"
    assert err.value.status == 200
    assert err.value.retryable is False
    assert len(slack_standin.calls("chat.postMessage")) == 1


def test_unknown_channel_name_is_passed_through_and_refused_by_slack(
    slack: SlackChat, slack_standin: SlackStandin
) -> None:
    with pytest.raises(ProviderError) as err:
        slack.post_message("#no-such-channel", "hello")
    assert err.value.reason == "channel_not_found"
    assert slack_standin.calls("chat.postMessage")[0].params["channel"] == "#no-such-channel"


def test_rate_limited_post_is_retried_then_succeeds(
    slack: SlackChat, slack_standin: SlackStandin
) -> None:
    slack_standin.fail_next("chat.postMessage", status=429, times=2)
    result = slack.post_message("C01GENERAL0", "eventually")
    assert len(slack_standin.calls("chat.postMessage")) == 3
    assert result["ts"] == slack_standin.messages[0]["ts"]
    assert len(slack_standin.messages) == 1


def test_rate_limit_wait_is_capped_by_max_retry_wait(slack_standin: SlackStandin) -> None:
    slack = SlackChat(slack_standin.token, base_url=slack_standin.base_url, max_retry_wait=0)
    slack_standin.fail_next("chat.postMessage", status=429, retry_after=3600)
    assert slack.post_message("C01GENERAL0", "soon")["ts"]
    assert len(slack_standin.calls("chat.postMessage")) == 2


def test_server_errors_exhaust_retries_into_retryable_provider_error(
    slack_standin: SlackStandin,
) -> None:
    slack = SlackChat(
        slack_standin.token, base_url=slack_standin.base_url, retry_delay=0, max_retries=2
    )
    slack_standin.fail_next("chat.postMessage", status=500, times=5)
    with pytest.raises(ProviderError) as err:
        slack.post_message("C01GENERAL0", "never")
    assert (err.value.status, err.value.retryable) == (500, True)
    assert len(slack_standin.calls("chat.postMessage")) == 3
    assert slack_standin.messages == []


def test_server_error_then_success_posts_once(
    slack: SlackChat, slack_standin: SlackStandin
) -> None:
    slack_standin.fail_next("chat.postMessage", status=503)
    slack.post_message("C01GENERAL0", "after a hiccup")
    assert [m["text"] for m in slack_standin.messages] == ["after a hiccup"]


def test_invalid_token_error_never_contains_the_token(slack_standin: SlackStandin) -> None:
    secret = "xoxb-wrong-secret-value"
    slack = SlackChat(secret, base_url=slack_standin.base_url, retry_delay=0)
    with pytest.raises(ProviderError) as err:
        slack.post_message("C01GENERAL0", "hi")
    assert err.value.reason == "invalid_auth"
    assert secret not in str(err.value)
    assert secret not in repr(slack)


def test_missing_token_is_configuration_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    with pytest.raises(ConfigurationError, match="SLACK_BOT_TOKEN"):
        SlackChat()


def test_unreachable_slack_is_retryable_provider_error(slack_standin: SlackStandin) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    slack = SlackChat(
        "xoxb-some-token", base_url=f"http://127.0.0.1:{closed_port}/api/", retry_delay=0
    )
    with pytest.raises(ProviderError) as err:
        slack.auth_test()
    assert err.value.retryable is True
    assert "xoxb-some-token" not in str(err.value)


def test_auth_test_reports_workspace(slack: SlackChat) -> None:
    assert slack.auth_test()["team_id"] == "T0STANDIN"


def test_get_chat_selects_slack_from_environment(
    db: Database, org_id: str, slack_standin: SlackStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DELEGATE_SLACK_BACKEND", "slack")
    monkeypatch.setenv("SLACK_BOT_TOKEN", slack_standin.token)
    monkeypatch.setenv("DELEGATE_SLACK_API_URL", slack_standin.base_url)
    chat = get_chat(db, org_id)
    assert isinstance(chat, SlackChat)
    chat.post_message("#general", "through the environment")
    assert slack_standin.messages[0]["text"] == "through the environment"


KEY = "a" * 64


def test_a_post_under_a_key_carries_it_in_the_message_metadata(
    slack: SlackChat, slack_standin: SlackStandin
) -> None:
    slack.post_message("C01GENERAL0", "Launch at 5pm", idempotency_key=KEY)
    [call] = slack_standin.calls("chat.postMessage")
    assert call.params["metadata"] == {
        "event_type": IDEMPOTENCY_EVENT,
        "event_payload": {"idempotency_key": KEY},
    }


def test_a_post_under_a_key_is_found_in_the_channel_history(
    slack: SlackChat, slack_standin: SlackStandin
) -> None:
    posted = slack.post_message("#general", "Launch at 5pm", idempotency_key=KEY)
    slack.post_message("#general", "a later message")

    found = slack.find_posted("#general", KEY)

    assert found is not None and found["ts"] == posted["ts"]
    assert slack_standin.calls("conversations.history")[0].params["include_all_metadata"]


def test_a_key_that_was_never_posted_is_not_found(slack: SlackChat) -> None:
    slack.post_message("#general", "Launch at 5pm", idempotency_key=KEY)

    assert slack.find_posted("#general", "b" * 64) is None


def test_a_reply_under_a_key_is_found_in_its_thread(slack: SlackChat) -> None:
    parent = slack.post_message("#general", "Question?")
    reply = slack.post_message("#general", "Answer.", parent["ts"], idempotency_key=KEY)

    assert slack.find_posted("#general", KEY) is None  # replies are not in the history
    found = slack.find_posted("#general", KEY, thread_ts=parent["ts"])
    assert found is not None and found["ts"] == reply["ts"]


def test_a_history_longer_than_the_search_reads_is_an_unknown_outcome(
    slack: SlackChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slack_client, "HISTORY_PAGE", 2)
    monkeypatch.setattr(slack_client, "HISTORY_PAGES", 2)
    slack.post_message("#general", "Launch at 5pm", idempotency_key=KEY)
    for i in range(4):
        slack.post_message("#general", f"later {i}")

    with pytest.raises(OutcomeUnknown, match="history_too_long"):
        slack.find_posted("#general", KEY)
