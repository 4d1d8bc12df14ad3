"""The task id and organization attached to every log line of the work being done."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

current_task_id: ContextVar[str | None] = ContextVar("delegate_task_id", default=None)
current_org: ContextVar[str | None] = ContextVar("delegate_org", default=None)


@contextmanager
def log_context(*, task_id: str | None = None, org: str | None = None) -> Iterator[None]:
    """Within this block, log records carry this task id and organization."""
    tokens = []
    if task_id is not None:
        tokens.append((current_task_id, current_task_id.set(task_id)))
    if org is not None:
        tokens.append((current_org, current_org.set(org)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class ContextFilter(logging.Filter):
    """Adds `task_id` and `org` to every record (None outside a task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "task_id") or record.task_id is None:
            record.task_id = current_task_id.get()
        if not hasattr(record, "org") or record.org is None:
            record.org = current_org.get()
        return True
