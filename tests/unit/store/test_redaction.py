"""The one choke point for secrets: configured values and token shapes never pass it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, ToolMessage

from store.checkpoints import RedactingSerializer
from store.redaction import redact, redact_bytes, redact_value

OPENAI_KEY = "sk-proj-Zx81kQ0pLmN4vB7cR2tY"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Incorrect API key provided: {OPENAI_KEY}.", "Incorrect API key provided: sk-***."),
        ("token xoxb-1234-5678-abcdEFGH revoked", "token xoxb-*** revoked"),
        ("Invalid Credentials for Bearer ya29.a0AfH6SM-x_y", "Invalid Credentials for Bearer ***"),
        ("access ya29.a0AfH6SMxy given", "access ya29.*** given"),
        ("key dlg_4Kq9w8e7r6t5y4u3 is unknown", "key dlg_*** is unknown"),
        (
            "cannot connect to postgresql://app:hunter2secret@db:5432/x",
            "cannot connect to postgresql://app:***@db:5432/x",
        ),
    ],
)
def test_token_shaped_strings_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_words_that_only_resemble_tokens_are_kept() -> None:
    text = "task-4711 asked the disk-sk-team about risk-free ya29 plans; bearer of news"
    assert redact(text) == text


def test_configured_secret_without_a_known_shape_is_masked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "plain-looking-secret-value")
    monkeypatch.setenv("ACME_SERVICE_TOKEN", "another-plain-secret")
    assert redact("echo: plain-looking-secret-value / another-plain-secret") == "echo: *** / ***"


def test_google_credentials_file_tokens_are_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "authorized_user.json"
    path.write_text(
        json.dumps(
            {
                "client_id": "1234.apps.googleusercontent.com",
                "client_secret": "GOCSPX-clientsecretvalue",
                "refresh_token": "1//0refreshtokenvalue",
                "type": "authorized_user",
            }
        )
    )
    monkeypatch.setenv("DELEGATE_GOOGLE_CREDENTIALS", str(path))
    assert redact("refresh 1//0refreshtokenvalue with GOCSPX-clientsecretvalue") == (
        "refresh *** with ***"
    )


def test_database_url_password_is_masked_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELEGATE_DATABASE_URL", "postgresql+psycopg://app:s3cretPassw0rd@db/x")
    assert redact("password authentication failed (s3cretPassw0rd)") == (
        "password authentication failed (***)"
    )


def test_nested_values_and_chat_messages_are_redacted_in_a_copy() -> None:
    message = ToolMessage(content=f"error: {OPENAI_KEY}", tool_call_id="call_1")
    value = {"log": [{"error": f"Bearer {OPENAI_KEY}"}], "messages": [message], "n": 3}

    clean = redact_value(value)

    assert OPENAI_KEY not in json.dumps(clean, default=str)
    assert clean["messages"][0].content == "error: sk-***"
    assert clean["messages"][0].tool_call_id == "call_1"
    assert message.content == f"error: {OPENAI_KEY}"  # the original is left alone


def test_unchanged_values_are_returned_as_the_same_object() -> None:
    value = {"log": [{"event": "started"}], "message": AIMessage(content="hello")}
    assert redact_value(value) is value


def test_masked_bytes_keep_their_length() -> None:
    data = f'{{"reason": "{OPENAI_KEY}"}}'.encode()
    masked = redact_bytes(data)
    assert len(masked) == len(data)
    assert OPENAI_KEY.encode() not in masked


def test_checkpoint_serializer_writes_no_secret_and_reads_back() -> None:
    serde = RedactingSerializer()
    state = {
        "messages": [AIMessage(content=f"the key is {OPENAI_KEY}")],
        "reason": f"Incorrect API key provided: {OPENAI_KEY}",
    }

    type_, data = serde.dumps_typed(state)

    assert OPENAI_KEY.encode() not in data
    loaded = serde.loads_typed((type_, data))
    assert loaded["reason"] == "Incorrect API key provided: sk-***"
    assert loaded["messages"][0].content == "the key is sk-***"


def test_checkpoint_serializer_masks_what_it_cannot_walk() -> None:
    serde = RedactingSerializer()
    error = ValueError(f"Incorrect API key provided: {OPENAI_KEY}")

    _, data = serde.dumps_typed(error)

    assert OPENAI_KEY.encode() not in data
