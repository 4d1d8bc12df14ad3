"""Budgets: how much one run of an agent may do, and what it did so far.

Three limits per run (one invocation of an agent on a task): model calls, tool calls and side
effects. Defaults come from the environment (DELEGATE_MAX_MODEL_CALLS, DELEGATE_MAX_TOOL_CALLS,
DELEGATE_MAX_SIDE_EFFECTS), an organization's own values (`delegate budgets set`) override them.
Model and tool calls are counted by langchain's ModelCallLimitMiddleware and
ToolCallLimitMiddleware (agents/runner.py); side effects by the policy gate, which every side
effect passes, with a reservation taken before the provider is called so parallel tool calls
never go past the limit. At a limit the run stops and the task is blocked with a reason that
names the limit and what the run did (`BudgetExceeded`).
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from store.errors import ConfigurationError, PolicyDenied
from store.orgs import BUDGET_NAMES
from tools.gate.data_flow import destinations

#: Each limit's default and the environment variable that changes it.
DEFAULTS: dict[str, tuple[int, str]] = {
    "model_calls": (40, "DELEGATE_MAX_MODEL_CALLS"),
    "tool_calls": (60, "DELEGATE_MAX_TOOL_CALLS"),
    "side_effects": (20, "DELEGATE_MAX_SIDE_EFFECTS"),
}
assert tuple(DEFAULTS) == BUDGET_NAMES

#: How each limit is named in a reason: "20 side effects per run".
_UNITS = {"model_calls": "model calls", "tool_calls": "tool calls", "side_effects": "side effects"}


def default_limit(name: str) -> tuple[int, str]:
    """The limit without an organization's override, and where it came from."""
    default, variable = DEFAULTS[name]
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default, "default"
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigurationError(f"{variable} must be a whole number of at least 1, not {raw!r}")
    return int(raw), variable


@dataclass(frozen=True)
class RunBudget:
    """The limits of one run."""

    model_calls: int
    tool_calls: int
    side_effects: int
    sources: dict[str, str] = field(default_factory=dict, compare=False)
    """Where each limit came from: "default", the environment variable, or "organization"."""

    @classmethod
    def resolve(cls, overrides: dict[str, Any] | None = None) -> RunBudget:
        """The defaults (environment included) with an organization's overrides laid over."""
        limits: dict[str, int] = {}
        sources: dict[str, str] = {}
        for name in BUDGET_NAMES:
            value = (overrides or {}).get(name)
            if value is not None:
                limits[name], sources[name] = int(value), "organization"
            else:
                limits[name], sources[name] = default_limit(name)
        return cls(sources=sources, **limits)

    def limit(self, name: str) -> int:
        return int(getattr(self, name))

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """{name: {"limit", "source"}} for people and scripts."""
        return {
            name: {"limit": self.limit(name), "source": self.sources.get(name, "default")}
            for name in BUDGET_NAMES
        }


class BudgetExceeded(PolicyDenied):
    """A run reached one of its limits: it stops, and the task is blocked with `reason`."""

    def __init__(self, name: str, limit: int, done: str) -> None:
        self.budget = name
        self.limit = limit
        _, variable = DEFAULTS[name]
        super().__init__(
            f"budget_{name}",
            f"Stopped at the limit of {limit} {_UNITS[name]} per run (change it with "
            f"`delegate budgets set {name} N` or {variable}): {done}",
        )


# --- what a run did -------------------------------------------------------------------------

#: How a done side effect reads in a reason: (verb, noun, preposition before destinations).
_PHRASES = {
    "post_slack_message": ("posted", "Slack message", "to"),
    "send_email": ("sent", "email", "to"),
    "draft_email": ("drafted", "email", "to"),
    "create_calendar_event": ("created", "calendar event", "with"),
    "fill_form": ("submitted", "form", "on"),
    "click": ("clicked", "element", "on"),
}


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class RunTally:
    """What one run did: tool calls by name and side effects done (thread-safe: an agent's
    parallel tool calls run in threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.tool_calls: Counter[str] = Counter()
        self.side_effects: list[tuple[str, dict[str, Any]]] = []
        self._reserved = 0

    def count_tool_call(self, tool: str) -> None:
        with self._lock:
            self.tool_calls[tool] += 1

    def reserve_side_effect(self, limit: int) -> bool:
        """Take one of the run's side effects before acting; False when none is left."""
        with self._lock:
            if len(self.side_effects) + self._reserved >= limit:
                return False
            self._reserved += 1
            return True

    def release_side_effect(self, tool: str, args: dict[str, Any] | None) -> None:
        """Give the reservation back; with `args`, the side effect was done and is recorded."""
        with self._lock:
            self._reserved -= 1
            if args is not None:
                self.side_effects.append((tool, dict(args)))

    def describe(self, model_calls: int | None = None) -> str:
        """What the run did so far, for a person: "posted 20 Slack messages to #general"."""
        with self._lock:
            done = list(self.side_effects)
            calls = Counter(self.tool_calls)
        parts = [_describe_side_effects(done) or "no side effects"]
        if model_calls is not None or calls:
            counts = []
            if model_calls is not None:
                counts.append(_plural(model_calls, "model call"))
            total = sum(calls.values())
            by_tool = ", ".join(f"{tool} {n}" for tool, n in calls.most_common(4))
            counts.append(_plural(total, "tool call") + (f" ({by_tool})" if by_tool else ""))
            parts.append(" and ".join(counts))
        return "; ".join(parts)


def _describe_side_effects(done: list[tuple[str, dict[str, Any]]]) -> str:
    counts: Counter[str] = Counter()
    places: dict[str, list[str]] = {}
    for tool, args in done:
        counts[tool] += 1
        seen = places.setdefault(tool, [])
        try:
            found = destinations(tool, args)
        except (KeyError, TypeError, ValueError):
            found = []
        for dest in found:
            shown = f"#{dest.value}" if dest.kind == "channel" else dest.value
            if shown not in seen:
                seen.append(shown)
    phrases = []
    for tool, count in counts.items():
        verb, noun, preposition = _PHRASES.get(tool, (f"ran {tool}", "time", "for"))
        where = places.get(tool) or []
        shown = ", ".join(where[:3]) + (f" and {len(where) - 3} more" if len(where) > 3 else "")
        where_text = f" {preposition} {shown}" if shown else ""
        phrases.append(f"{verb} {_plural(count, noun)}{where_text}")
    return ", ".join(phrases)
