"""Per-provider concurrency limits: at most so many calls to one provider at once per process.

A worker with many tasks in flight would otherwise send all of them to the model, Gmail or
Slack at the same moment. Each provider's client takes a slot (`provider_slot`) around the
very call it makes; a call beyond the limit waits for a slot. Limits come from the
environment (read once per process):

    DELEGATE_MODEL_CONCURRENCY     model calls (default 64)
    DELEGATE_EMAIL_CONCURRENCY     Gmail requests (default 10)
    DELEGATE_CALENDAR_CONCURRENCY  Google Calendar requests (default 10)
    DELEGATE_SLACK_CONCURRENCY     Slack Web API calls (default 10)
    DELEGATE_BROWSER_CONCURRENCY   browser actions (default 4)

Slots are threading semaphores: the graph's sync nodes call providers from worker threads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from store.errors import InvalidInput

#: provider -> (environment variable, default limit)
LIMITS: dict[str, tuple[str, int]] = {
    "model": ("DELEGATE_MODEL_CONCURRENCY", 64),
    "email": ("DELEGATE_EMAIL_CONCURRENCY", 10),
    "calendar": ("DELEGATE_CALENDAR_CONCURRENCY", 10),
    "slack": ("DELEGATE_SLACK_CONCURRENCY", 10),
    "browser": ("DELEGATE_BROWSER_CONCURRENCY", 4),
}

#: The service names provider clients use for themselves, by the provider they count against.
_ALIASES = {"gmail": "email", "google-calendar": "calendar"}

_slots: dict[str, threading.BoundedSemaphore] = {}
_lock = threading.Lock()


def provider_limit(provider: str) -> int:
    """The configured limit of `provider`; InvalidInput naming the variable when it is not
    a whole number of at least 1."""
    variable, default = LIMITS[_ALIASES.get(provider, provider)]
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{variable} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise InvalidInput(f"{variable} must be at least 1, not {value}")
    return value


def check_limits() -> None:
    """Read every provider's limit now, InvalidInput naming the first bad variable: a process
    that runs tasks checks at its start, so a bad setting stops it before it claims a task
    instead of failing that task at its first model call."""
    for provider in LIMITS:
        provider_limit(provider)


def _slot(provider: str) -> threading.BoundedSemaphore:
    name = _ALIASES.get(provider, provider)
    with _lock:
        slot = _slots.get(name)
        if slot is None:
            slot = _slots[name] = threading.BoundedSemaphore(provider_limit(name))
        return slot


@contextmanager
def provider_slot(provider: str) -> Iterator[None]:
    """Hold one of `provider`'s slots for the call inside (waiting for one if all are taken)."""
    slot = _slot(provider)
    slot.acquire()
    try:
        yield
    finally:
        slot.release()


def acquire_slot(provider: str) -> None:
    """Take one of `provider`'s slots (for calls whose start and end are separate events);
    give it back with `release_slot`."""
    _slot(provider).acquire()


def release_slot(provider: str) -> None:
    _slot(provider).release()


def reset_limits() -> None:
    """Forget the slots, so the next call reads the environment again (tests)."""
    with _lock:
        _slots.clear()
