"""The one policy gate every side effect passes: permission, execution type, data flow,
human approval and idempotency, in that order.

1. agent permission: an agent may use only its own tools (`agent_tool_permission`);
2. execution type: a `manual` task never acts (`manual_never_acts`);
3. data flow: every destination (email to/cc, attendees, Slack channel, URL host) must appear
   in the task text a person wrote, the organization's allowlist, or a person's approval
   (edited arguments). What the agent read never authorizes anything
   (`untrusted_destination`). Untrusted proposals are denied before anyone is asked, so a
   person never rubber-stamps an address planted in an email;
4. `semi_automated`: the run pauses with `interrupt(ApprovalRequest)`; what runs is exactly
   what was approved. `draft_email` needs no approval: a draft sends nothing and a person
   reviews it in the mailbox anyway;
5. idempotency: the ledger key is recorded before the provider call and marked done after;
   a done key returns the recorded result, a pending one is reconciled or handed to a person
   (`unconfirmed_side_effect`).

A denial changes nothing outside, is written to the task's execution log with its rule, and
raises `PolicyDenied`; the execute step then blocks the task with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any, NoReturn
from urllib.parse import urlsplit

from langgraph.types import interrupt

from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus, ExecutionType
from store.errors import DelegateError, InvalidInput, PolicyDenied
from store.models import Organization
from tools import idempotency as ledger
from tools.approval import Decision, approval_request, parse_decision
from tools.backends import ProviderError

RULE_PERMISSION = "agent_tool_permission"
RULE_MANUAL = "manual_never_acts"
RULE_UNTRUSTED = "untrusted_destination"
RULE_UNCONFIRMED = "unconfirmed_side_effect"

#: Side effects that never wait for a person, even in semi_automated mode.
NO_APPROVAL_NEEDED = frozenset({"draft_email"})


class ApprovalRejected(DelegateError):
    """A person rejected the side effect; nothing ran."""

    status_code = 409

    def __init__(self, tool: str, reason: str) -> None:
        self.tool = tool
        self.reason = reason
        super().__init__(f"{tool} rejected by a person: {reason}")


# --- destinations ------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    """Where a call sends something: an email address, a chat channel or a web host."""

    kind: str
    """email | channel | host"""
    value: str
    """Normalized: a lower-case address, a channel name without '#', or host[:port]."""


def email_address(value: str) -> str:
    """The bare, lower-case address of "Name <a@b>" or "a@b"."""
    return (parseaddr(value)[1] or value).strip().lower()


def channel_name(value: str) -> str:
    """A channel as compared: no leading '#', lower case (ids keep their case)."""
    bare = value.strip().lstrip("#").strip()
    return bare if _CHANNEL_ID.fullmatch(bare) else bare.lower()


def url_host(url: str) -> str:
    """host[:port] of a URL (the port only when the URL names one)."""
    parts = urlsplit(url.strip() if "://" in url else f"http://{url.strip()}")
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


def _emails(args: dict[str, Any], *names: str) -> list[Destination]:
    found = []
    for name in names:
        for value in args.get(name) or []:
            found.append(Destination("email", email_address(str(value))))
    return found


#: The destinations of every tool that has any. Every side-effecting tool must be listed
#: (a test checks it), so the data-flow rule sees each one.
DESTINATIONS: dict[str, Callable[[dict[str, Any]], list[Destination]]] = {
    "draft_email": lambda a: _emails(a, "to", "cc"),
    "send_email": lambda a: _emails(a, "to", "cc"),
    "create_calendar_event": lambda a: _emails(a, "attendees"),
    "post_slack_message": lambda a: [Destination("channel", channel_name(str(a["channel"])))],
    "fill_form": lambda a: [Destination("host", url_host(str(a["url"])))],
    "click": lambda a: [Destination("host", url_host(str(a["url"])))],
    # Opening a page sends its URL (query string included) to that host: a read can leak too.
    "open_url": lambda a: [Destination("host", url_host(str(a["url"])))],
    "screenshot": lambda a: [Destination("host", url_host(str(a["url"])))],
}


def destinations(tool: str, args: dict[str, Any]) -> list[Destination]:
    """Every destination of one call (empty for tools that send nothing anywhere)."""
    extract = DESTINATIONS.get(tool)
    return extract(args) if extract else []


_EMAIL = re.compile(r"[\w.%+'\-]+@[\w\-]+(?:\.[\w\-]+)+", re.UNICODE)
_CHANNEL_REF = re.compile(r"(?<![\w&])#([A-Za-z0-9][\w.\-]*)")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{8,}")
_URL = re.compile(r"https?://[^\s<>\"'()\[\]]+", re.IGNORECASE)
_DOMAIN = re.compile(r"(?<![\w@.\-])((?:[a-z0-9\-]+\.)+[a-z]{2,})(?::(\d+))?\b", re.IGNORECASE)


@dataclass(frozen=True)
class TrustedSources:
    """What a person vouched for: the task's own text and the organization's allowlist."""

    emails: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    hosts: frozenset[str] = frozenset()
    """Entries `host` (any port, subdomains too) or `host:port`."""
    text_hosts: frozenset[str] = frozenset()
    """Hosts named in the task text: `host:port` from a URL with a port, else `host`."""

    @classmethod
    def build(cls, task_text: str, allowlist: dict[str, Any] | None) -> TrustedSources:
        """Trusted destinations from the task text and an allowlist dict."""
        allow = allowlist or {}
        text = task_text or ""
        emails = {m.group(0).lower().rstrip(".") for m in _EMAIL.finditer(text)}
        without_emails = _EMAIL.sub(" ", text)
        channels = {channel_name(m.group(1).rstrip(".")) for m in _CHANNEL_REF.finditer(text)}
        channels |= set(_CHANNEL_ID.findall(text))
        hosts = {url_host(m.group(0).rstrip(".,;:!?")) for m in _URL.finditer(without_emails)}
        for match in _DOMAIN.finditer(_URL.sub(" ", without_emails)):
            host = match.group(1).lower()
            hosts.add(f"{host}:{match.group(2)}" if match.group(2) else host)
        return cls(
            emails=frozenset(emails | {email_address(e) for e in _strings(allow.get("emails"))}),
            domains=frozenset(d.lower().lstrip("@.") for d in _strings(allow.get("domains"))),
            channels=frozenset(
                channels | {channel_name(c) for c in _strings(allow.get("channels"))}
            ),
            hosts=frozenset(h.lower() for h in _strings(allow.get("hosts"))),
            text_hosts=frozenset(h for h in hosts if h),
        )

    def allows(self, dest: Destination) -> bool:
        """Whether a person vouched for this destination."""
        if dest.kind == "email":
            domain = dest.value.rpartition("@")[2]
            return dest.value in self.emails or any(
                domain == d or domain.endswith("." + d) for d in self.domains
            )
        if dest.kind == "channel":
            return dest.value in self.channels
        if dest.kind == "host":
            host, _, port = dest.value.partition(":")
            # A task naming a bare host trusts any port of it; a URL with a port, that port.
            if dest.value in self.text_hosts or host in self.text_hosts:
                return True
            return any(_host_entry_matches(host, port, entry) for entry in self.hosts)
        return False


def _host_entry_matches(host: str, port: str, entry: str) -> bool:
    entry_host, _, entry_port = entry.partition(":")
    if entry_port and entry_port != port:
        return False
    return host == entry_host or host.endswith("." + entry_host)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value or [] if str(v).strip()]


def _how_to_allow(dest: Destination) -> str:
    where = {"email": "the address", "channel": "the channel", "host": "the site"}[dest.kind]
    shown = f"#{dest.value}" if dest.kind == "channel" else dest.value
    return (
        f"add {shown} to the task or the organization's allowlist ({where} appears only in "
        "content the agent read)"
    )


# --- argument summaries --------------------------------------------------------------------

#: Arguments that carry content (never logged in full): their length is logged instead.
_CONTENT_ARGS = frozenset({"body", "text", "description", "fields", "query"})


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


# --- the gate ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskFacts:
    """What the gate knows about the task it acts for; the title and description are the
    trusted text a person wrote."""

    id: str
    org_id: str
    title: str
    description: str
    execution_type: ExecutionType

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.description}"


@dataclass(frozen=True)
class GatedCall:
    """One side-effecting call as the tool hands it to the gate."""

    tool: str
    args: dict[str, Any]
    """The arguments the agent proposed (validated)."""
    run: Callable[[dict[str, Any], str], dict[str, Any]]
    """(final args, idempotency key) -> the provider's result."""
    validate: Callable[[dict[str, Any]], dict[str, Any]]
    """Validate a person's edited arguments; raises InvalidInput."""
    reconcile: Callable[[dict[str, Any], str], dict[str, Any] | None] | None = None
    """After a crash mid-call: the result if it went out, None if it surely did not.
    Missing when the provider cannot tell (then a person is asked)."""


@dataclass
class PolicyGate:
    """The gate for one agent acting on one task."""

    db: Database
    task: TaskFacts
    agent_id: str
    allowed_tools: frozenset[str]
    step: str = "execute"
    """The workflow step; part of every idempotency key."""
    trusted: TrustedSources = field(init=False)

    def __post_init__(self) -> None:
        with self.db.session() as session:
            org = session.get(Organization, self.task.org_id)
            allowlist = dict(org.allowlist or {}) if org is not None else {}
        self.trusted = TrustedSources.build(self.task.text, allowlist)

    # -- checks ----------------------------------------------------------------------------

    def check_permission(self, tool: str, args: dict[str, Any]) -> None:
        """Rule 1: the agent may use only its own tools."""
        if tool not in self.allowed_tools:
            self.deny(
                RULE_PERMISSION,
                tool,
                args,
                f"the {self.agent_id} agent may not use {tool}; give the task to an agent that "
                "has it",
            )

    def check_destinations(self, tool: str, args: dict[str, Any]) -> None:
        """Rule 3: every destination must come from the task text or the allowlist."""
        for dest in destinations(tool, args):
            if not self.trusted.allows(dest):
                self.deny(
                    RULE_UNTRUSTED,
                    tool,
                    args,
                    f"{tool} to {dest.value} is not authorized: {_how_to_allow(dest)}",
                )

    def authorize_read(self, tool: str, args: dict[str, Any]) -> None:
        """A read-only call: permission, and the data-flow rule when it reaches a host."""
        self.check_permission(tool, args)
        self.check_destinations(tool, args)

    def deny(self, rule: str, tool: str, args: dict[str, Any], reason: str) -> NoReturn:
        """Write the denial to the execution log and raise PolicyDenied."""
        self._log("policy_denied", rule=rule, tool=tool, args=summarize_args(args), reason=reason)
        raise PolicyDenied(rule, reason)

    # -- the side effect -------------------------------------------------------------------

    def perform(self, call: GatedCall) -> dict[str, Any]:
        """Run one side effect through every rule; returns the provider's (or recorded) result."""
        tool, args = call.tool, call.args
        self.check_permission(tool, args)
        if self.task.execution_type is ExecutionType.MANUAL:
            self.deny(
                RULE_MANUAL,
                tool,
                args,
                f"task is manual: a person does it; {tool} was "
                "not run (change the execution type to let the AI act)",
            )
        key = ledger.idempotency_key(self.task.id, self.step, tool, args)
        recorded = ledger.lookup(self.db, self.task.org_id, key)
        if recorded is not None and recorded.status == ledger.DONE:
            self._log("side_effect_replayed", tool=tool, idempotency_key=key)
            return dict(recorded.result or {})
        if recorded is not None and recorded.status == ledger.PENDING:
            reconciled = self._reconcile(call, key, recorded)
            if reconciled is not None:
                return reconciled
        self.check_destinations(tool, args)
        final_args = args
        if (
            self.task.execution_type is ExecutionType.SEMI_AUTOMATED
            and tool not in NO_APPROVAL_NEEDED
        ):
            decision = self._ask(call, key)
            if decision.kind == "reject":
                self._log(
                    "approval_rejected", tool=tool, idempotency_key=key, reason=decision.reason
                )
                raise ApprovalRejected(tool, decision.reason)
            if decision.kind == "edit":
                final_args = decision.args
        return self._execute(call, key, final_args)

    def _execute(self, call: GatedCall, key: str, args: dict[str, Any]) -> dict[str, Any]:
        ledger.record_pending(self.db, self.task.org_id, self.task.id, key, call.tool, args)
        try:
            result = call.run(args, key)
        except InvalidInput as exc:
            ledger.mark_failed(self.db, key, str(exc))
            raise
        except ProviderError as exc:
            if not exc.retryable:
                ledger.mark_failed(self.db, key, exc.reason)
            raise  # retryable: left pending, so the next run reconciles it
        ledger.mark_done(self.db, key, result)
        self._log(
            "side_effect_done",
            tool=call.tool,
            idempotency_key=key,
            args=summarize_args(args),
            provider_result=_ids(result),
        )
        return result

    def _reconcile(
        self, call: GatedCall, key: str, recorded: ledger.LedgerEntry
    ) -> dict[str, Any] | None:
        """A crash left `key` pending: find out whether it went out before acting again."""
        if call.reconcile is None:
            ledger.mark_unconfirmed(self.db, key)
            self.deny(
                RULE_UNCONFIRMED,
                call.tool,
                recorded.arguments,
                f"{call.tool} may already have run (the run stopped mid-call) and the provider "
                "cannot tell; check it, then run the task again to retry",
            )
        found = call.reconcile(recorded.arguments, key)
        if found is None:
            return None
        ledger.mark_done(self.db, key, found)
        self._log(
            "side_effect_reconciled",
            tool=call.tool,
            idempotency_key=key,
            provider_result=_ids(found),
        )
        return found

    # -- approval --------------------------------------------------------------------------

    def _ask(self, call: GatedCall, key: str) -> Decision:
        """Pause the run for a person; on resume, return their validated decision."""
        payload = approval_request(
            call.tool,
            call.args,
            task_id=self.task.id,
            task_title=self.task.title,
            idempotency_key=key,
            agent_id=self.agent_id,
        )
        self._mark_waiting(key, payload)
        value = interrupt(payload)
        while True:
            try:
                decision = parse_decision(value)
                if decision.kind == "edit":
                    decision = Decision("edit", args=call.validate(decision.args))
                break
            except InvalidInput as exc:
                # Ask again rather than fail the run: the same payload with what was wrong.
                value = interrupt(
                    {
                        **payload,
                        "description": f"> **Invalid answer: {exc}**\n\n"
                        + str(payload["description"]),
                    }
                )
        self._mark_resumed(key, decision)
        return decision

    def _mark_waiting(self, key: str, payload: Any) -> None:
        """Pause the task once per request: LangGraph re-runs this code when it resumes."""
        with self.db.session() as session:
            task = repo.get_task(session, self.task.org_id, self.task.id, for_update=True)
            context = dict(task.ai_context or {})
            if (context.get("pending_approval") or {}).get("idempotency_key") == key:
                return
            context["pending_approval"] = {
                "idempotency_key": key,
                "tool": payload["action_request"]["action"],
            }
            task.ai_context = context
            repo.add_execution_log_entry(
                session,
                self.task.org_id,
                self.task.id,
                self._entry("approval_requested", approval=payload),
            )
            if task.status is ExecutionStatus.IN_PROGRESS:
                repo.pause_task_execution(
                    session,
                    self.task.org_id,
                    self.task.id,
                    f"waiting for a person to approve {payload['action_request']['action']}",
                    self.agent_id,
                    "agent",
                    idempotency_key=key,
                )

    def _mark_resumed(self, key: str, decision: Decision) -> None:
        """Back to in_progress once, recording the person's decision."""
        with self.db.session() as session:
            task = repo.get_task(session, self.task.org_id, self.task.id, for_update=True)
            context = dict(task.ai_context or {})
            if (context.get("pending_approval") or {}).get("idempotency_key") != key:
                return
            context.pop("pending_approval", None)
            task.ai_context = context
            details: dict[str, Any] = {"approval": decision.kind, "idempotency_key": key}
            if decision.kind == "edit":
                details["edited_args"] = summarize_args(decision.args)
            if decision.kind == "reject":
                details["reason"] = decision.reason
            if task.status is ExecutionStatus.PAUSED:
                repo.start_task_execution(
                    session, self.task.org_id, self.task.id, self.agent_id, "agent", **details
                )
            else:
                repo.add_execution_log_entry(
                    session, self.task.org_id, self.task.id, self._entry("approval", **details)
                )

    # -- log -------------------------------------------------------------------------------

    def _entry(self, event: str, **details: Any) -> dict[str, Any]:
        return {
            "event": event,
            "executor_id": self.agent_id,
            "executor_type": "agent",
            "node": self.step,
            **details,
        }

    def _log(self, event: str, **details: Any) -> None:
        with self.db.session() as session:
            repo.add_execution_log_entry(
                session, self.task.org_id, self.task.id, self._entry(event, **details)
            )


def _ids(result: dict[str, Any]) -> dict[str, Any]:
    """The provider ids of a result (what the log keeps of it)."""
    keep = ("id", "message_id", "thread_id", "channel", "ts", "event_id", "url", "status")
    return {k: result[k] for k in keep if k in result}


def side_effect_tools_without_rules(names: Iterable[str]) -> list[str]:
    """Side-effecting tool names the data-flow rule has no destinations for (should be none)."""
    return [name for name in names if name not in DESTINATIONS]
