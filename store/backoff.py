"""When a re-queued task may run again: exponential backoff with jitter, or the provider's
Retry-After when that is later."""

from __future__ import annotations

import math
import os
import random

from store.errors import InvalidInput

DEFAULT_BASE_SECONDS = 30.0
MAX_DELAY_SECONDS = 15 * 60.0
#: The longest duration a setting may name (a year): a larger one ("1e300", "inf") would
#: overflow the date arithmetic of leases and retry times far from where it was set.
MAX_SETTING_SECONDS = 365 * 24 * 3600.0


def seconds_from_env(name: str, default: float, *, minimum: float = 0.0) -> float:
    """A number of seconds from the environment variable `name` (default when unset);
    InvalidInput naming the variable when it is not a finite number from `minimum` to a year."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a number of seconds, not {raw!r}") from None
    if not math.isfinite(value):
        raise InvalidInput(f"{name} must be a number of seconds, not {raw!r}")
    if value < minimum:
        raise InvalidInput(f"{name} must be at least {minimum:g} seconds")
    if value > MAX_SETTING_SECONDS:
        raise InvalidInput(f"{name} must be at most {MAX_SETTING_SECONDS:g} seconds (a year)")
    return value


def base_seconds() -> float:
    """DELEGATE_RETRY_BASE_SECONDS (default 30): the first retry's delay before jitter."""
    return seconds_from_env("DELEGATE_RETRY_BASE_SECONDS", DEFAULT_BASE_SECONDS)


def retry_delay(
    retry: int,
    *,
    retry_after: float | None = None,
    base: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before retry number `retry` (1, 2, ...): base * 2^(retry-1), capped at
    15 minutes, of which the upper half is random ("equal jitter", so a crowd of tasks that
    failed together does not come back together); never less than `retry_after`."""
    base = base_seconds() if base is None else base
    ceiling = min(MAX_DELAY_SECONDS, base * 2 ** max(retry - 1, 0))
    delay = ceiling / 2 + (rng or random).uniform(0, ceiling / 2)
    return max(delay, retry_after or 0.0)
