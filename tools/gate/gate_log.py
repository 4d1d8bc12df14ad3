"""What the policy gate writes to a task's execution log: its events, its denials (written,
then raised as PolicyDenied), and of a call only what is safe to keep (destinations and
sizes, never message bodies; a result's provider ids)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from store import tasks as repo
from store.db import Database
from store.errors import PolicyDenied

#: Arguments that carry content (never logged in full): their length is logged instead.
_CONTENT_ARGS = frozenset({"body", "text", "description", "fields", "query"})

#: What the log keeps of a provider's result.
_PROVIDER_IDS = ("id", "message_id", "thread_id", "channel", "ts", "event_id", "url", "status")


def summarize_args(args: dict[str, Any]) -> dict[str, Any]:
    """The arguments for the execution log: destinations and short fields as they are,
    message bodies and form values as their size only."""
    summary: dict[str, Any] = {}
    for name, value in args.items():
        if name in _CONTENT_ARGS:
            if isinstance(value, dict):
                summary[name] = {"fields": sorted(str(k) for k in value)}
            else:
                summary[name] = f"<{len(str(value or ''))} chars>"
        elif isinstance(value, str) and len(value) > 200:
            summary[name] = value[:200] + "…"
        else:
            summary[name] = value
    return summary


def provider_ids(result: dict[str, Any]) -> dict[str, Any]:
    """The provider ids of a result (what the log keeps of it)."""
    return {k: result[k] for k in _PROVIDER_IDS if k in result}


@dataclass(frozen=True)
class GateLog:
    """The execution log of one task as one agent's gate writes it, at one workflow step."""

    db: Database
    org_id: str
    task_id: str
    agent_id: str
    step: str

    def entry(self, event: str, **details: Any) -> dict[str, Any]:
        return {
            "event": event,
            "executor_id": self.agent_id,
            "executor_type": "agent",
            "node": self.step,
            **details,
        }

    def write(self, event: str, **details: Any) -> None:
        with self.db.session(self.org_id) as session:
            repo.add_execution_log_entry(
                session, self.org_id, self.task_id, self.entry(event, **details)
            )

    def deny(self, rule: str, tool: str, args: dict[str, Any], reason: str) -> NoReturn:
        """Write the denial to the execution log and raise PolicyDenied."""
        self.write("policy_denied", rule=rule, tool=tool, args=summarize_args(args), reason=reason)
        raise PolicyDenied(rule, reason)
