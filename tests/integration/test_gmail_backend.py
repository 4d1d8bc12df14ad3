"""GmailMailbox through google-api-python-client against the loopback Gmail stand-in."""

from __future__ import annotations

import base64
import email
import email.policy
import json
from pathlib import Path

import pytest

from store.db import Database
from store.errors import ConfigurationError
from tests.fixtures.google_standin import GOOGLE_TEST_TOKEN, GoogleStandIn
from tools.backends import ProviderError, ReplyTarget
from tools.email.gmail import GmailMailbox
from tools.google.backends import get_mailbox
from tools.google.client import RetryPolicy

pytestmark = pytest.mark.integration

TOKEN = GOOGLE_TEST_TOKEN
SEND = "/gmail/v1/users/me/messages/send"
LIST = "/gmail/v1/users/me/messages"


@pytest.fixture
def gmail(google_env: GoogleStandIn) -> GmailMailbox:
    return GmailMailbox(retry=RetryPolicy(retries=2, delay=0))


def test_create_draft_posts_raw_message_to_drafts(
    gmail: GmailMailbox, google_env: GoogleStandIn
) -> None:
    draft = gmail.create_draft(["john@example.com"], "Thanks", "Thank you for the meeting.")
    (call,) = google_env.calls("POST", "/gmail/v1/users/me/drafts")
    assert "raw" in call.body["message"]
    assert google_env.drafts[draft["id"]] == draft["gmail_id"]
    assert google_env.sent_messages() == []


def test_send_raw_decodes_to_recipients_subject_body_and_message_id(
    gmail: GmailMailbox, google_env: GoogleStandIn
) -> None:
    result = gmail.send(
        ["john@example.com"],
        "Thanks",
        "Thank you, John.",
        cc=["amy@example.com"],
        message_id="idem-42@delegate.test",
    )
    (sent,) = google_env.sent_messages()
    assert sent["To"] == "john@example.com"
    assert sent["Cc"] == "amy@example.com"
    assert sent["Subject"] == "Thanks"
    assert sent["Message-ID"] == "<idem-42@delegate.test>"
    assert sent.get_content().strip() == "Thank you, John."  # type: ignore[attr-defined]
    assert result["message_id"] == "<idem-42@delegate.test>"


def test_a_reply_is_sent_in_the_answered_thread_with_in_reply_to_and_references(
    gmail: GmailMailbox, google_env: GoogleStandIn
) -> None:
    asked = google_env.seed_message(
        "ann@example.com", "me@standin.test", "Invoice", "When?", message_id="<q1@example.com>"
    )
    answered = ReplyTarget(message_id="<q1@example.com>", thread_id=asked)

    result = gmail.send(["ann@example.com"], "Re: Invoice", "Friday.", reply_to=answered)

    (call,) = google_env.calls("POST", SEND)
    assert call.body["threadId"] == asked and result["thread_id"] == asked
    (sent,) = google_env.sent_messages()
    assert (sent["In-Reply-To"], sent["References"]) == ("<q1@example.com>", "<q1@example.com>")
    assert sent["Subject"] == "Re: Invoice"


def test_a_reply_draft_is_created_in_the_answered_thread(
    gmail: GmailMailbox, google_env: GoogleStandIn
) -> None:
    answered = ReplyTarget(message_id="<q2@example.com>", thread_id="t-42")

    gmail.create_draft(["ann@example.com"], "Re: Invoice", "Friday.", reply_to=answered)

    (call,) = google_env.calls("POST", "/gmail/v1/users/me/drafts")
    assert call.body["message"]["threadId"] == "t-42"
    raw = base64.urlsafe_b64decode(call.body["message"]["raw"])
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["In-Reply-To"] == "<q2@example.com>"


def test_a_new_email_names_no_thread(gmail: GmailMailbox, google_env: GoogleStandIn) -> None:
    gmail.send(["ann@example.com"], "Hello", "Hi Ann.")

    (call,) = google_env.calls("POST", SEND)
    assert "threadId" not in call.body
    (sent,) = google_env.sent_messages()
    assert sent["In-Reply-To"] is None and sent["References"] is None


def test_every_request_carries_the_bearer_token(
    gmail: GmailMailbox, google_env: GoogleStandIn
) -> None:
    gmail.send(["a@example.com"], "S", "B")
    gmail.search("anything")
    assert google_env.requests
    assert {r.headers.get("authorization") for r in google_env.requests} == {f"Bearer {TOKEN}"}
    assert all(r.query.get("alt") == ["json"] for r in google_env.requests)


def test_search_passes_query_and_returns_matching_messages(
    gmail: GmailMailbox, google_env: GoogleStandIn
) -> None:
    google_env.seed_message("ann@example.com", "me@example.com", "Budget review", "Numbers.")
    google_env.seed_message("bob@example.com", "me@example.com", "Lunch", "Noon?")
    found = gmail.search("from:ann@example.com", max_results=5)
    assert [(m["from"], m["subject"], m["snippet"]) for m in found] == [
        ("ann@example.com", "Budget review", "Numbers.")
    ]
    listing = google_env.calls("GET", LIST)[0]
    assert listing.query["q"] == ["from:ann@example.com"]
    assert listing.query["maxResults"] == ["5"]


def test_read_prefers_the_plain_text_part(gmail: GmailMailbox, google_env: GoogleStandIn) -> None:
    gmail_id = google_env.seed_message(
        "ann@example.com", "me@example.com", "Agenda", "Plain agenda", html="<p>HTML agenda</p>"
    )
    message = gmail.read(gmail_id)
    assert message["body"] == "Plain agenda"
    assert (message["from"], message["to"], message["subject"]) == (
        "ann@example.com",
        ["me@example.com"],
        "Agenda",
    )
    (get,) = google_env.calls("GET", f"{LIST}/{gmail_id}")
    assert get.query["format"] == ["full"]


def test_read_falls_back_to_html_without_tags(
    gmail: GmailMailbox, google_env: GoogleStandIn
) -> None:
    gmail_id = google_env.seed_message(
        "ann@example.com",
        "me@example.com",
        "News",
        "",
        html="<html><style>p{color:red}</style><p>Hello &amp; welcome</p><p>Second</p></html>",
        html_only=True,
    )
    assert gmail.read(gmail_id)["body"] == "Hello & welcome\nSecond"


def test_find_sent_queries_rfc822msgid(gmail: GmailMailbox, google_env: GoogleStandIn) -> None:
    sent = gmail.send(["a@example.com"], "S", "B", message_id="key-7")
    found = gmail.find_sent("key-7")
    assert found is not None and found["id"] == sent["id"]
    queries = [c.query["q"][0] for c in google_env.calls("GET", LIST) if "q" in c.query]
    assert queries == ["in:sent rfc822msgid:key-7@delegate.local"]


def test_find_sent_is_none_when_nothing_went_out(
    gmail: GmailMailbox, google_env: GoogleStandIn
) -> None:
    google_env.seed_message("x@example.com", "me@example.com", "S", "B", message_id="<k@x>")
    assert gmail.find_sent("k@x") is None  # in the inbox, not sent


def test_rate_limited_send_is_retried_then_succeeds(
    gmail: GmailMailbox, google_env: GoogleStandIn
) -> None:
    google_env.fail_next(SEND, 429, message="Too many requests", reason="rateLimitExceeded")
    gmail.send(["a@example.com"], "S", "B", message_id="retry-1")
    assert len(google_env.calls("POST", SEND)) == 2
    assert len(google_env.sent_messages()) == 1


def test_send_retry_after_lost_response_does_not_send_twice(
    gmail: GmailMailbox, google_env: GoogleStandIn
) -> None:
    google_env.fail_next(SEND, 503, after_processing=True)
    result = gmail.send(["a@example.com"], "S", "B", message_id="lost-1")
    assert len(google_env.calls("POST", SEND)) == 1
    assert len(google_env.sent_messages()) == 1
    assert result["message_id"] == "<lost-1@delegate.local>"


def test_server_errors_exhausted_raise_retryable_provider_error(
    gmail: GmailMailbox, google_env: GoogleStandIn
) -> None:
    google_env.fail_next(LIST, 500, times=10, message="Backend Error")
    with pytest.raises(ProviderError) as info:
        gmail.search("anything")
    assert (info.value.status, info.value.retryable) == (500, True)
    assert len(google_env.calls("GET", LIST)) == 3  # first try + 2 retries


def test_bad_request_raises_provider_error_with_providers_reason(
    gmail: GmailMailbox, google_env: GoogleStandIn
) -> None:
    google_env.fail_next(SEND, 400, message="Invalid To header", reason="invalidArgument")
    with pytest.raises(ProviderError) as info:
        gmail.send(["john@example.com"], "S", "B")
    assert info.value.reason == "Invalid To header"
    assert (info.value.status, info.value.retryable, info.value.service) == (400, False, "gmail")
    assert len(google_env.calls("POST", SEND)) == 1


def test_rejected_token_raises_provider_error_without_the_token(
    gmail: GmailMailbox, google_env: GoogleStandIn
) -> None:
    google_env.fail_next(LIST, 401, times=5, message="Invalid Credentials", reason="authError")
    with pytest.raises(ProviderError) as info:
        gmail.search("x")
    assert info.value.retryable is False and info.value.status == 401
    assert TOKEN not in str(info.value)


def test_timeout_raises_retryable_provider_error(google_env: GoogleStandIn) -> None:
    gmail = GmailMailbox(timeout=0.5, retry=RetryPolicy(retries=0, delay=0))
    google_env.hang_next(LIST)
    with pytest.raises(ProviderError) as info:
        gmail.search("x")
    assert info.value.retryable is True
    assert "network failure" in info.value.reason


def test_missing_credentials_fail_at_construction_without_requests(
    google_env: GoogleStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DELEGATE_GOOGLE_TOKEN")
    with pytest.raises(ConfigurationError) as info:
        GmailMailbox()
    assert str(info.value) == (
        "DELEGATE_EMAIL_BACKEND=gmail needs DELEGATE_GOOGLE_TOKEN or DELEGATE_GOOGLE_CREDENTIALS"
    )
    assert google_env.requests == []


def test_missing_credentials_file_names_the_variable(
    google_env: GoogleStandIn, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DELEGATE_GOOGLE_TOKEN")
    monkeypatch.setenv("DELEGATE_GOOGLE_CREDENTIALS", str(tmp_path / "absent.json"))
    with pytest.raises(ConfigurationError) as info:
        GmailMailbox()
    assert "DELEGATE_GOOGLE_CREDENTIALS" in str(info.value)
    assert google_env.requests == []


def test_malformed_credentials_file_names_variable_not_contents(
    google_env: GoogleStandIn, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "creds.json"
    path.write_text(json.dumps({"client_secret": "s3cr3t-value", "type": "authorized_user"}))
    monkeypatch.delenv("DELEGATE_GOOGLE_TOKEN")
    monkeypatch.setenv("DELEGATE_GOOGLE_CREDENTIALS", str(path))
    with pytest.raises(ConfigurationError) as info:
        GmailMailbox()
    assert "DELEGATE_GOOGLE_CREDENTIALS" in str(info.value)
    assert "s3cr3t-value" not in str(info.value)


def test_authorized_user_file_supplies_the_access_token(
    google_env: GoogleStandIn, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "authorized_user.json"
    path.write_text(
        json.dumps(
            {
                "type": "authorized_user",
                "client_id": "client-1",
                "client_secret": "secret-1",
                "refresh_token": "refresh-1",
                "token": "file-access-token",
                "expiry": "2099-01-01T00:00:00Z",
            }
        )
    )
    monkeypatch.delenv("DELEGATE_GOOGLE_TOKEN")
    monkeypatch.setenv("DELEGATE_GOOGLE_CREDENTIALS", str(path))
    GmailMailbox(retry=RetryPolicy(retries=0, delay=0)).search("x")
    (listing,) = google_env.calls("GET", LIST)
    assert listing.headers["authorization"] == "Bearer file-access-token"


def test_get_mailbox_selects_gmail_when_configured(
    google_env: GoogleStandIn, db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DELEGATE_EMAIL_BACKEND", "gmail")
    mailbox = get_mailbox(db, org_id)
    assert isinstance(mailbox, GmailMailbox)
    mailbox.send(["a@example.com"], "Via selection", "B")
    assert [m["Subject"] for m in google_env.sent_messages()] == ["Via selection"]


def test_get_mailbox_gmail_without_credentials_names_variables(
    db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DELEGATE_EMAIL_BACKEND", "gmail")
    monkeypatch.delenv("DELEGATE_GOOGLE_TOKEN", raising=False)
    monkeypatch.delenv("DELEGATE_GOOGLE_CREDENTIALS", raising=False)
    with pytest.raises(ConfigurationError, match="DELEGATE_GOOGLE_TOKEN or DELEGATE_GOOGLE_CRED"):
        get_mailbox(db, org_id)
