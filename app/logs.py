"""Logging setup: structured lines (JSON when asked) carrying task id and organization."""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from store.logcontext import ContextFilter
from store.redaction import redact


def scrub(text: str) -> str:
    """The text with every secret replaced by *** (store.redaction, the one choke point)."""
    return redact(text)


class _RedactedRecords:
    """A log record factory that takes secrets out of each record's message and traceback
    as it is made, so every handler (a file, a test's capture, a library's) sees it clean."""

    def __init__(self, make: Callable[..., logging.LogRecord]) -> None:
        self.make = make

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.make(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return record  # a malformed call: logging reports it itself
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            _redact_exception_chain(record.exc_info[1])
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            cleaned = redact(text)
            if cleaned != text:
                record.exc_text = cleaned
        return record


def _redact_exception_chain(error: BaseException) -> None:
    """Take secrets out of the messages of an exception and its causes, in place: a handler
    that formats the traceback itself (the LangGraph server's) then prints them clean."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        try:
            text = str(current)
        except Exception:  # a broken __str__: nothing to redact that we can read
            text = ""
        cleaned = redact(text)
        if cleaned != text:
            current.args = (cleaned,)
            if isinstance(getattr(current, "message", None), str):
                current.message = cleaned  # type: ignore[attr-defined]
        current = current.__cause__ or current.__context__


def install_log_redaction() -> None:
    """Redact every log record this process makes (idempotent)."""
    current = logging.getLogRecordFactory()
    if not isinstance(current, _RedactedRecords):
        logging.setLogRecordFactory(_RedactedRecords(current))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "task_id": getattr(record, "task_id", None),
            "org": getattr(record, "org", None),
        }
        if record.exc_info:
            payload["error"] = self.formatException(record.exc_info)
        return scrub(json.dumps(payload, default=str))


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        task = getattr(record, "task_id", None)
        org = getattr(record, "org", None)
        return scrub(f"{base} task={task or '-'} org={org or '-'}")


def configure_logging(*, json_logs: bool | None = None, level: str | None = None) -> None:
    """Log to stderr; JSON lines when DELEGATE_LOG_JSON=1 (or asked). Idempotent."""
    install_log_redaction()
    if json_logs is None:
        json_logs = os.environ.get("DELEGATE_LOG_JSON", "").lower() in {"1", "true", "yes"}
    level = (level or os.environ.get("DELEGATE_LOG_LEVEL") or "WARNING").upper()
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(
        JsonFormatter()
        if json_logs
        else TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_delegate", False)]:
        root.removeHandler(old)
    handler._delegate = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
