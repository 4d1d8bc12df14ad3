"""The one approval schema: what a paused run asks a person, and the answers it accepts.

The request is langchain 1.x's human-in-the-loop `HITLRequest` (the interrupt value of
`HumanInTheLoopMiddleware`), with Delegate's task and ledger key beside it::

    {
      "action_requests": [{"name": "send_email", "args": {"to": [...], ...},
                           "description": "markdown shown to the person"}],
      "review_configs": [{"action_name": "send_email",
                          "allowed_decisions": ["approve", "edit", "reject", "respond"]}],
      "task_id": "...", "task_title": "...", "idempotency_key": "..."
    }

The answer (the value given to `Command(resume=...)`) is a `HITLResponse`
(`{"decisions": [decision]}`) or the one decision itself:

    {"type": "approve"}
    {"type": "edit", "edited_action": {"name": "send_email", "args": {...}}}
    {"type": "reject", "message": "why"}          # nothing runs; the task is blocked
    {"type": "respond", "message": "a note"}      # the agent revises with it and asks again

Agent Inbox's answers mean the same: `accept` = approve; `edit` (args `{action, args}`) =
approve the edited arguments; `response` (args = text) = respond; `ignore` = skip this
action (the run goes on without it); `resolved` (args = an optional note) = a person
finished the task. An edited list field (to, cc, bcc, attendees) may be comma-separated
text. What runs after approve or edit is exactly the approved arguments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.utils import getaddresses
from typing import Any, Literal, NotRequired, cast

from typing_extensions import TypedDict

from store.errors import DelegateError, InvalidInput
from tools.gate.destinations import AmbiguousDestination, parse_email

DecisionKind = Literal["approve", "edit", "reject", "respond", "ignore", "resolve"]

#: What each accepted answer `type` means (langchain's decisions and Agent Inbox's answers).
ANSWER_TYPES: dict[str, DecisionKind] = {
    "approve": "approve",
    "accept": "approve",
    "edit": "edit",
    "reject": "reject",
    "respond": "respond",
    "response": "respond",
    "ignore": "ignore",
    "resolve": "resolve",
    "resolved": "resolve",
}

#: The decisions every review offers (langchain's DecisionType values).
ALLOWED_DECISIONS = ["approve", "edit", "reject", "respond"]

#: Arguments that are lists of addresses: an edit may give them as comma-separated text.
ADDRESS_LIST_ARGS = frozenset({"to", "cc", "bcc", "attendees"})


class ActionRequest(TypedDict):
    """The exact tool call waiting for a person (langchain's ActionRequest)."""

    name: str
    """The tool name, e.g. send_email."""
    args: dict[str, Any]
    """The arguments it will run with if approved."""
    description: NotRequired[str]
    """Markdown: what will happen, for which task, and how to answer."""


class ReviewConfig(TypedDict):
    """Which decisions the reviewer may make (langchain's ReviewConfig)."""

    action_name: str
    allowed_decisions: list[str]


class ApprovalRequest(TypedDict):
    """The interrupt payload of a side effect waiting for approval: a HITLRequest plus the
    task it belongs to and the side effect's ledger key."""

    action_requests: list[ActionRequest]
    """One action: the side effect the run is paused on."""
    review_configs: list[ReviewConfig]
    task_id: str
    """The task (and thread) this run belongs to."""
    task_title: str
    idempotency_key: str
    """The ledger key of the side effect: the same action is never done twice."""


@dataclass(frozen=True)
class Decision:
    """A person's validated answer."""

    kind: DecisionKind
    args: dict[str, Any] = field(default_factory=dict)
    """For edit: the edited arguments (laid over the proposed ones by the gate)."""
    message: str = ""
    """For reject: why; for respond: the note to revise with; for resolve: what was done."""


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
    description = describe_action(tool, args, task_title=task_title, agent_id=agent_id, note=note)
    return {
        "action_requests": [{"name": tool, "args": dict(args), "description": description}],
        "review_configs": [{"action_name": tool, "allowed_decisions": list(ALLOWED_DECISIONS)}],
        "task_id": task_id,
        "task_title": task_title,
        "idempotency_key": idempotency_key,
    }


def requested_action(payload: Any) -> ActionRequest | None:
    """The action of an approval request, or None when `payload` is not one."""
    if not isinstance(payload, dict):
        return None
    actions = payload.get("action_requests")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        return None
    return cast(ActionRequest, actions[0])


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
        "Approve to run it exactly as shown, edit the arguments, reject it with a reason, "
        "or respond with a note for the agent to revise it.",
    ]
    return "\n".join(lines)


def address_list(text: str, field_name: str = "addresses") -> list[str]:
    """Addresses typed as text ("a@x.com, Ann <b@y.com>; c@z.com"), read as the gate reads
    them; InvalidInput naming the field when a part is not an address."""
    pairs = getaddresses([text.replace(";", ",").replace("\n", ",")])
    found = []
    for name, addr in pairs:
        raw = (addr or name).strip()
        if not raw:
            continue
        try:
            found.append(parse_email(raw))
        except AmbiguousDestination:
            raise InvalidInput(f"{field_name}: {raw!r} is not an email address") from None
    return found


def edited_args(proposed: dict[str, Any], edits: dict[str, Any]) -> dict[str, Any]:
    """The proposed arguments with a person's edits laid over them; an address list given as
    text ("a@x.com, b@y.com") becomes a list."""
    merged = {**proposed, **edits}
    for name in ADDRESS_LIST_ARGS & set(edits):
        if isinstance(edits[name], str):
            merged[name] = address_list(edits[name], name)
    return merged


def _note(value: dict[str, Any]) -> str:
    """The free text of an answer: langchain's `message`, our older `reason`, or Agent
    Inbox's `args` string."""
    for key in ("message", "reason", "args"):
        if isinstance(value.get(key), str):
            return " ".join(value[key].split())
    return ""


def _edit(value: dict[str, Any], tool: str | None) -> Decision:
    action = value.get("edited_action")
    if action is None and isinstance(value.get("args"), dict):
        args = value["args"]
        # Agent Inbox sends the whole edited request {action, args}; ours was the args alone.
        action = (
            {"name": args.get("action"), "args": args.get("args")}
            if "action" in args and isinstance(args.get("args"), dict)
            else {"args": args}
        )
    if not isinstance(action, dict) or not isinstance(action.get("args"), dict):
        raise InvalidInput('an "edit" answer needs "edited_action": {"name": ..., "args": {...}}')
    name = action.get("name")
    if tool and name and name != tool:
        raise InvalidInput(f"an edit cannot change the action ({tool}) to {name}")
    if not action["args"]:
        raise InvalidInput('an "edit" answer needs the edited arguments')
    return Decision("edit", args=dict(action["args"]))


def parse_decision(value: Any, tool: str | None = None) -> Decision:
    """Validate a resume value for an approval of `tool`; InvalidInput with a clear message
    when it is not one."""
    if isinstance(value, dict) and "decisions" in value:
        value = value["decisions"]  # a HITLResponse
    if isinstance(value, list):
        if len(value) != 1:
            raise InvalidInput("an approval answer is one decision, not a list of several")
        value = value[0]
    if isinstance(value, str):
        value = {"type": value}
    if not isinstance(value, dict):
        raise InvalidInput(
            'an approval answer is {"type": "approve"}, {"type": "edit", "edited_action": '
            '{...}}, {"type": "reject", "message": "..."} or {"type": "respond", "message": "..."}'
        )
    given = str(value.get("type", "")).strip().lower()
    kind = ANSWER_TYPES.get(given)
    if kind is None:
        raise InvalidInput(
            f"unknown approval answer type {given or '(none)'!r}; use approve, edit, reject "
            "or respond (or Agent Inbox's accept, response, ignore, resolved)"
        )
    if kind == "edit":
        return _edit(value, tool)
    note = _note(value)
    if kind == "respond" and not note:
        raise InvalidInput(f'a "{given}" answer needs a "message": the note for the agent')
    if kind == "reject":
        return Decision("reject", message=note or "rejected without a reason")
    return Decision(kind, message=note)


class ApprovalRejected(DelegateError):
    """A person rejected the side effect; nothing ran (the task is blocked with why)."""

    status_code = 409

    def __init__(self, tool: str, reason: str) -> None:
        self.tool = tool
        self.reason = reason
        super().__init__(f"{tool} rejected by a person: {reason}")


class RevisionRequested(DelegateError):
    """A person answered with a note instead: nothing ran; the agent revises and asks again."""

    def __init__(self, tool: str, note: str) -> None:
        self.tool = tool
        self.note = note
        super().__init__(f"a person asked for changes to {tool}: {note}")


class ActionSkipped(DelegateError):
    """A person chose to skip the side effect: it did not run and the run goes on without it."""

    def __init__(self, tool: str) -> None:
        self.tool = tool
        super().__init__(f"a person skipped {tool}; it did not run")


class FinishedByPerson(DelegateError):
    """A person marked the task resolved: it is completed with their note; nothing ran."""

    def __init__(self, tool: str, note: str) -> None:
        self.tool = tool
        self.note = note
        super().__init__(f"finished by a person{': ' + note if note else ''}")
