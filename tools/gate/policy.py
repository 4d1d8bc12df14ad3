"""The one policy gate every side effect passes: permission, execution type, data flow,
human approval and idempotency, in that order.

1. agent permission: an agent may use only its own tools (`agent_tool_permission`);
2. execution type: a `manual` task never acts (`manual_never_acts`);
3. data flow: every destination (email to/cc, attendees, Slack channel, URL host) must appear
   in the task text a person wrote, the organization's allowlist, or a person's approval
   (edited arguments). What the agent read never authorizes anything
   (`untrusted_destination`; its terms are in tools.gate.data_flow). Untrusted proposals are
   denied before anyone is asked, so a person never rubber-stamps an address planted in an
   email;
4. whole content: what a send, post or submission carries must have no placeholder-shaped
   slot ("[the news in a sentence]", "TODO"; tools.gate.placeholders), whichever model
   wrote it or person edited it (`placeholder_content`); a draft may keep its slots;
5. `semi_automated`: the run pauses with `interrupt(ApprovalRequest)`; what runs is exactly
   what was approved or edited; reject blocks the task, respond sends the agent back to
   revise (and ask again), ignore skips the call, resolved finishes the task (approval.py).
   `draft_email` needs no approval: a draft sends nothing and a person
   reviews it in the mailbox anyway;
6. idempotency: the ledger key is recorded before the provider call and marked done after;
   a done key returns the recorded result, a pending one is reconciled or handed to a person
   (`unconfirmed_side_effect`). So the same tool with the same arguments acts once per step;
7. budget: a run does at most its organization's number of side effects
   (`budget_side_effects`; tools.gate.budgets), counted before anyone is asked or anything
   is sent.

A denial changes nothing outside, is written to the task's execution log with its rule, and
raises `PolicyDenied`; the execute step then blocks the task with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn

from langgraph.types import interrupt

from store import claims, learned
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionStatus, ExecutionType
from store.errors import InvalidInput, PolicyDenied
from store.models import Organization
from tools.backends import OutcomeUnknown, ProviderError
from tools.gate import idempotency as ledger
from tools.gate.approval import (
    ActionSkipped,
    ApprovalRejected,
    Decision,
    FinishedByPerson,
    RevisionRequested,
    approval_request,
    edited_args,
    parse_decision,
    requested_action,
)
from tools.gate.budgets import BudgetExceeded, RunBudget, RunTally
from tools.gate.data_flow import TaskEgress, TrustedSources, destinations, how_to_allow
from tools.gate.destinations import AmbiguousDestination, parse_url
from tools.gate.placeholders import placeholder_in

RULE_PERMISSION = "agent_tool_permission"
RULE_MANUAL = "manual_never_acts"
RULE_UNTRUSTED = "untrusted_destination"
RULE_AMBIGUOUS = "ambiguous_destination"
RULE_UNCONFIRMED = "unconfirmed_side_effect"
RULE_PLACEHOLDER = "placeholder_content"

#: Side effects that never wait for a person, even in semi_automated mode.
NO_APPROVAL_NEEDED = frozenset({"draft_email"})


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
    approval_required: bool = False
    """A person approves every outward side effect whatever the type says: the AI chose
    the type and the automation rules did not let it act alone."""

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
    budget: RunBudget = field(init=False)
    """This run's limits: the defaults with the organization's own laid over."""
    tally: RunTally = field(init=False, default_factory=RunTally)
    """What this run did so far (tool calls, side effects)."""

    def __post_init__(self) -> None:
        with self.db.session() as session:
            org = session.get(Organization, self.task.org_id)
            allowlist = dict(org.allowlist or {}) if org is not None else {}
            budgets = dict(org.budgets or {}) if org is not None else {}
        self.trusted = TrustedSources.build(self.task.text, allowlist)
        self.budget = RunBudget.resolve(budgets)

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
        """Rule 3: every destination must parse to one destination (the one the client will
        contact) and come from the task text or the allowlist."""
        try:
            found = destinations(tool, args)
        except AmbiguousDestination as exc:
            self.deny(RULE_AMBIGUOUS, tool, args, f"{tool} refused: {exc}")
        for dest in found:
            if not self.trusted.allows(dest):
                self.deny(
                    RULE_UNTRUSTED,
                    tool,
                    args,
                    f"{tool} to {dest.value} is not authorized: {how_to_allow(dest)}",
                )

    def check_content(self, tool: str, args: dict[str, Any]) -> None:
        """Rule 4: nothing placeholder-like goes out; a draft may keep its slots."""
        if tool in NO_APPROVAL_NEEDED:
            return
        found = placeholder_in(args)
        if found is not None:
            self.deny(
                RULE_PLACEHOLDER,
                tool,
                args,
                f"{tool} was not run: its {found.field} still has a gap to fill "
                f"({found.slot[:120]!r}), so nothing went out. Add what is missing to the "
                "task's details and run it again",
            )

    def authorize_read(self, tool: str, args: dict[str, Any]) -> None:
        """A read-only call: permission, and the data-flow rule when it reaches a host."""
        self.check_permission(tool, args)
        self.check_destinations(tool, args)

    def over_budget(self, name: str, *, model_calls: int | None = None) -> BudgetExceeded:
        """The run reached its `name` limit: log it and return the error that stops it."""
        exc = BudgetExceeded(name, self.budget.limit(name), self.tally.describe(model_calls))
        self._log("budget_exceeded", rule=exc.rule, budget=name, limit=exc.limit, reason=exc.reason)
        return exc

    @contextmanager
    def egress(self, tool: str, url: str) -> Iterator[TaskEgress]:
        """The data-flow rule for the requests a browser page makes during one call to `url`
        (approved already: by the gate, or by a person's edit); what it refused is written to
        the execution log afterwards (`egress_refused`)."""
        egress = TaskEgress(self.trusted, frozenset({parse_url(url).netloc}))
        try:
            yield egress
        except PolicyDenied as exc:
            self._log("policy_denied", rule=exc.rule, tool=tool, reason=exc.reason)
            raise
        finally:
            if egress.refusals:
                self._log("egress_refused", tool=tool, requests=egress.refusals[:50])

    def record_invalid_arguments(self, tool: str, reason: str) -> None:
        """A call whose arguments were refused before the gate (e.g. two addresses in one
        recipient): logged, so the task's history shows what the agent tried."""
        self._log("arguments_refused", tool=tool, reason=reason)

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
        self.check_content(tool, args)
        if not self.tally.reserve_side_effect(self.budget.side_effects):
            raise self.over_budget("side_effects")
        final_args = args
        try:
            if tool not in NO_APPROVAL_NEEDED and (
                self.needs_approval(tool) or self._needs_person(tool, key)
            ):
                decision = self._ask(call, key)
                self._follow(tool, key, decision)
                if decision.kind == "edit":
                    final_args = decision.args
                    self.check_content(tool, final_args)
            result = self._execute(call, key, final_args)
        except BaseException:
            self.tally.release_side_effect(tool, None)  # nothing was done
            raise
        self.tally.release_side_effect(tool, final_args)
        return result

    def needs_approval(self, tool: str) -> bool:
        """Whether `tool` waits for a person: semi_automated tasks, and tasks whose type
        the AI chose unless the automation rules let them act (drafts never wait)."""
        if tool in NO_APPROVAL_NEEDED:
            return False
        return self.task.execution_type is ExecutionType.SEMI_AUTOMATED or (
            self.task.approval_required
        )

    def _needs_person(self, tool: str, key: str) -> bool:
        """A semi_automated task asks; so does a fully_automated one whose category people
        kept rejecting (store.learned's approval rule, cited in the log)."""
        if self.task.execution_type is ExecutionType.SEMI_AUTOMATED:
            return True
        rule = learned.approval_rule(self.db, self.task.org_id, self.agent_id)
        if rule is None:
            return False
        self._log("approval_required", tool=tool, idempotency_key=key, rule=rule)
        return True

    def _follow(self, tool: str, key: str, decision: Decision) -> None:
        """Raise what a person's answer means unless it lets the call run (approve, edit)."""
        if decision.kind == "reject":
            self._log("approval_rejected", tool=tool, idempotency_key=key, reason=decision.message)
            raise ApprovalRejected(tool, decision.message)
        if decision.kind == "respond":
            self._log("revision_requested", tool=tool, idempotency_key=key, note=decision.message)
            raise RevisionRequested(tool, decision.message)
        if decision.kind == "ignore":
            self._log("action_skipped", tool=tool, idempotency_key=key)
            raise ActionSkipped(tool)
        if decision.kind == "resolve":
            raise FinishedByPerson(tool, decision.message)

    def _execute(self, call: GatedCall, key: str, args: dict[str, Any]) -> dict[str, Any]:
        # A run that was taken over (its claim's fencing token is no longer the task's) acts
        # no more: StaleClaim before anything is recorded or sent.
        claims.verify(self.db, self.task.org_id, self.task.id)
        ledger.record_pending(self.db, self.task.org_id, self.task.id, key, call.tool, args)
        try:
            result = call.run(args, key)
        except (InvalidInput, PolicyDenied) as exc:
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
        unknown = "the provider cannot tell"
        found = None
        if call.reconcile is not None:
            try:
                found = call.reconcile(recorded.arguments, key)
            except OutcomeUnknown as exc:
                unknown = f"its record cannot tell ({exc.reason})"
            else:
                unknown = ""
        if unknown:
            ledger.mark_unconfirmed(self.db, key)
            self.deny(
                RULE_UNCONFIRMED,
                call.tool,
                recorded.arguments,
                f"{call.tool} may already have run (the run stopped mid-call) and {unknown}; "
                "check it, then run the task again to retry",
            )
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
                decision = parse_decision(value, call.tool)
                if decision.kind == "edit":
                    merged = edited_args(call.args, decision.args)
                    decision = Decision("edit", args=call.validate(merged))
                break
            except InvalidInput as exc:
                # Ask again rather than fail the run: the same payload with what was wrong.
                value = interrupt(
                    {
                        **payload,
                        "action_requests": [
                            {
                                **payload["action_requests"][0],
                                "description": f"> **Invalid answer: {exc}**\n\n"
                                + str(payload["action_requests"][0].get("description", "")),
                            }
                        ],
                    }
                )
        if self._mark_resumed(key, decision):
            self._learn(call, decision)
        return decision

    def _learn(self, call: GatedCall, decision: Decision) -> None:
        """Keep a person's answer for the category (this agent or workflow)."""
        learned.learn_from_answer(
            self.db,
            self.task.org_id,
            self.agent_id,
            task_id=self.task.id,
            tool=call.tool,
            decision=decision.kind,
            proposed=call.args,
            final=decision.args if decision.kind == "edit" else call.args,
        )

    def _mark_waiting(self, key: str, payload: Any) -> None:
        """Pause the task once per request: LangGraph re-runs this code when it resumes."""
        action = requested_action(payload) or {"name": "?"}
        with self.db.session() as session:
            task = repo.get_task(session, self.task.org_id, self.task.id, for_update=True)
            context = dict(task.ai_context or {})
            if (context.get("pending_approval") or {}).get("idempotency_key") == key:
                return
            context["pending_approval"] = {
                "idempotency_key": key,
                "tool": action["name"],
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
                    f"waiting for a person to approve {action['name']}",
                    self.agent_id,
                    "agent",
                    idempotency_key=key,
                )

    def _mark_resumed(self, key: str, decision: Decision) -> bool:
        """Back to in_progress once, recording the person's decision; False when this resume
        was already recorded (LangGraph re-ran the node)."""
        with self.db.session() as session:
            task = repo.get_task(session, self.task.org_id, self.task.id, for_update=True)
            context = dict(task.ai_context or {})
            if (context.get("pending_approval") or {}).get("idempotency_key") != key:
                return False
            context.pop("pending_approval", None)
            task.ai_context = context
            details: dict[str, Any] = {"approval": decision.kind, "idempotency_key": key}
            if decision.kind == "edit":
                details["edited_args"] = summarize_args(decision.args)
            if decision.message:
                details["note" if decision.kind != "reject" else "reason"] = decision.message
            if task.status is ExecutionStatus.PAUSED:
                repo.start_task_execution(
                    session, self.task.org_id, self.task.id, self.agent_id, "agent", **details
                )
            else:
                repo.add_execution_log_entry(
                    session, self.task.org_id, self.task.id, self._entry("approval", **details)
                )
        return True

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
