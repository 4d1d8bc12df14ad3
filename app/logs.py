"""Logging setup: structured lines (JSON when asked) carrying task id and organization."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import UTC, datetime

from store.logcontext import ContextFilter

#: Patterns that look like credentials; scrubbed from every log line.
_SECRET_PATTERNS = [
    re.compile(r"(xox[abposr]-)[A-Za-z0-9-]+"),
    re.compile(r"(sk-)[A-Za-z0-9_-]{8,}"),
    re.compile(r"(dlg_)[A-Za-z0-9_-]{8,}"),
    re.compile(r"(ya29\.)[A-Za-z0-9_.-]+"),
    re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE),
    re.compile(r"(://[^:/@\s]+:)[^@\s]+(@)"),
]


def scrub(text: str) -> str:
    """The text with anything that looks like a token or password replaced by ***."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(
            lambda m: m.group(1) + "***" + (m.group(2) if m.lastindex == 2 else ""), text
        )
    return text


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
