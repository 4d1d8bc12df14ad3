"""The one approval schema: what a paused run asks a person, and the answers it accepts.

The request follows Agent Inbox's `HumanInterrupt` shape, so LangGraph Studio and Agent
Inbox-style UIs render it as is, plus Delegate's `task_id` and `idempotency_key`::

    {
      "action_request": {"action": "send_email", "args": {"to": [...], ...}},
      "config": {"allow_accept": true, "allow_edit": true,
                 "allow_respond": true, "allow_ignore": true},
      "description": "markdown shown to the person",
      "task_id": "...",
      "idempotency_key": "..."
    }

The answer (the value given to `Command(resume=...)`) is one of::

    {"type": "accept"}
    {"type": "edit", "args": {...the full arguments...}}
    {"type": "reject", "reason": "..."}     # "ignore" and "response" mean reject too

Agent Inbox's own answers are understood as well: a one-element list of responses, an
`edit` whose `args` is `{"action", "args"}`, and a `response` whose `args` is the reason.
What runs after an accept or an edit is exactly the approved arguments; a reject runs nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from typing_extensions import TypedDict

from store.errors import InvalidInput

REJECT_ALIASES = frozenset({"reject", "ignore", "response"})


class ActionRequest(TypedDict):
    """The exact tool call waiting for a person."""

    action: str
    """The tool name, e.g. send_email."""
    args: dict[str, Any]
    """The arguments it will run with if accepted."""


class HumanInterruptConfig(TypedDict):
    """Which answers the UI offers."""

    allow_accept: bool
    allow_edit: bool
    allow_respond: bool
    allow_ignore: bool


class ApprovalRequest(TypedDict):
    """The interrupt payload of a side effect waiting for approval."""

    action_request: ActionRequest
    config: HumanInterruptConfig
    description: str
    """Markdown: what will happen, for which task, and how to answer."""
    task_id: str
    """The task (and thread) this run belongs to."""
    idempotency_key: str
    """The ledger key of the side effect: the same action is never done twice."""


@dataclass(frozen=True)
class Decision:
    """A person's validated answer."""

    kind: Literal["accept", "edit", "reject"]
    args: dict[str, Any] = field(default_factory=dict)
    """For edit: the full arguments to run with."""
    reason: str = ""
    """For reject: why."""


def approval_request(
    tool: str,
    args: dict[str, Any],
    *,
    task_id: str,
    task_title: str,
    idempotency_key: str,
    agent_id: str,
    note: str = "",
) -> ApprovalRequest:
    """The payload a paused run carries for one side effect."""
    return {
        "action_request": {"action": tool, "args": dict(args)},
        "config": {
            "allow_accept": True,
            "allow_edit": True,
            "allow_respond": True,
            "allow_ignore": True,
        },
        "description": describe_action(
            tool, args, task_title=task_title, agent_id=agent_id, note=note
        ),
        "task_id": task_id,
        "idempotency_key": idempotency_key,
    }


def describe_action(
    tool: str, args: dict[str, Any], *, task_title: str, agent_id: str, note: str = ""
) -> str:
    """Markdown for the person: the task, the action and every argument."""
    lines = []
    if note:
        lines += [f"> **{note}**", ""]
    lines += [
        f"**{agent_id}** agent wants to run `{tool}` for task *{task_title}*.",
        "",
    ]
    for name, value in args.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if isinstance(value, str) and "\n" in value:
            lines += [f"- **{name}**:", "", "```", value, "```"]
        else:
            lines.append(f"- **{name}**: {shown}")
    lines += [
        "",
        "Accept to run it exactly as shown, edit the arguments, or reject it with a reason.",
    ]
    return "\n".join(lines)


def parse_decision(value: Any) -> Decision:
    """Validate a resume value; InvalidInput with a clear message when it is not one."""
    if isinstance(value, list):
        if len(value) != 1:
            raise InvalidInput("an approval answer is one response, not a list of several")
        value = value[0]
    if isinstance(value, str) and value.strip().lower() in ("accept", "approve"):
        return Decision("accept")
    if not isinstance(value, dict):
        raise InvalidInput(
            'an approval answer is {"type": "accept"}, {"type": "edit", "args": {...}} '
            'or {"type": "reject", "reason": "..."}'
        )
    kind = str(value.get("type", "")).strip().lower()
    if kind in ("accept", "approve"):
        return Decision("accept")
    if kind == "edit":
        args = value.get("args")
        if isinstance(args, dict) and isinstance(args.get("args"), dict) and "action" in args:
            args = args["args"]  # Agent Inbox sends the whole edited ActionRequest
        if not isinstance(args, dict) or not args:
            raise InvalidInput('an "edit" answer needs "args": the full edited arguments')
        return Decision("edit", args=dict(args))
    if kind in REJECT_ALIASES:
        reason = value.get("reason")
        if reason is None and isinstance(value.get("args"), str):
            reason = value["args"]  # Agent Inbox's "response" carries the text in args
        reason = " ".join(str(reason or "").split())
        if not reason:
            reason = "rejected without a reason" if kind == "ignore" else ""
        if not reason:
            raise InvalidInput(f'a "{kind}" answer needs a "reason"')
        return Decision("reject", reason=reason)
    raise InvalidInput(
        f"unknown approval answer type {kind or '(none)'!r}; use accept, edit or reject"
    )
