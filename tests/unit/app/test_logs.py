"""Log records carry no secret: not in the message, its arguments, nor the traceback."""

from __future__ import annotations

import logging

import pytest

from app.logs import install_log_redaction

OPENAI_KEY = "sk-proj-Lq2wE9rT5yU8iO1pA4sD"


def test_log_records_show_no_secret_in_message_or_traceback(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    install_log_redaction()
    caplog.set_level(logging.INFO)

    try:
        try:
            raise ValueError(f"Incorrect API key provided: {OPENAI_KEY}")
        except ValueError as exc:
            raise RuntimeError("model call failed") from exc
    except RuntimeError:
        logging.getLogger("delegate.test").exception("run failed with key %s", OPENAI_KEY)

    assert "run failed with key" in caplog.text
    assert "Incorrect API key provided: ***" in caplog.text  # the cause is still shown
    assert OPENAI_KEY not in caplog.text
    (record,) = caplog.records
    assert OPENAI_KEY not in record.getMessage()
