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
   revise (and ask again), ignore skips the call, resolved finishes the task
   (tools.gate.ask_person). `draft_email` needs no approval: a draft sends nothing and a
   person reviews it in the mailbox anyway;
6. idempotency: the ledger key is recorded before the provider call and marked done after;
   a done key returns the recorded result, a pending one is reconciled or handed to a person
   (`unconfirmed_side_effect`; tools.gate.side_effects). So the same tool with the same
   arguments acts once per step;
7. budget: a run does at most its organization's number of side effects
   (`budget_side_effects`; tools.gate.budgets), counted before anyone is asked or anything
   is sent.

A denial changes nothing outside, is written to the task's execution log with its rule, and
raises `PolicyDenied`; the execute step then blocks the task with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn

from store import acceptance
from store.db import Database
from store.enums import ExecutionType
from store.errors import PolicyDenied
from store.models import Organization
from tools.gate import ask_person, side_effects
from tools.gate import idempotency as ledger
from tools.gate.budgets import BudgetExceeded, RunBudget, RunTally
from tools.gate.calls import GatedCall, TaskFacts
from tools.gate.data_flow import TaskEgress, TrustedSources, destinations, how_to_allow
from tools.gate.destinations import AmbiguousDestination, parse_url
from tools.gate.gate_log import GateLog
from tools.gate.placeholders import placeholder_in

RULE_PERMISSION = "agent_tool_permission"
RULE_MANUAL = "manual_never_acts"
RULE_UNTRUSTED = "untrusted_destination"
RULE_AMBIGUOUS = "ambiguous_destination"
RULE_PLACEHOLDER = "placeholder_content"

#: Side effects that never wait for a person, even in semi_automated mode.
NO_APPROVAL_NEEDED = frozenset({"draft_email"})


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
    log: GateLog = field(init=False)
    """The task's execution log as this gate writes it."""

    def __post_init__(self) -> None:
        with self.db.session(self.task.org_id) as session:
            org = session.get(Organization, self.task.org_id)
            allowlist = dict(org.allowlist or {}) if org is not None else {}
            budgets = dict(org.budgets or {}) if org is not None else {}
        self.trusted = TrustedSources.build(self.task.text, allowlist)
        self.budget = RunBudget.resolve(budgets)
        self.log = GateLog(self.db, self.task.org_id, self.task.id, self.agent_id, self.step)

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
        self.log.write(
            "budget_exceeded", rule=exc.rule, budget=name, limit=exc.limit, reason=exc.reason
        )
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
            self.log.write("policy_denied", rule=exc.rule, tool=tool, reason=exc.reason)
            raise
        finally:
            if egress.refusals:
                self.log.write("egress_refused", tool=tool, requests=egress.refusals[:50])

    def record_invalid_arguments(self, tool: str, reason: str) -> None:
        """A call whose arguments were refused before the gate (e.g. two addresses in one
        recipient): logged, so the task's history shows what the agent tried."""
        self.log.write("arguments_refused", tool=tool, reason=reason)

    def deny(self, rule: str, tool: str, args: dict[str, Any], reason: str) -> NoReturn:
        """Write the denial to the execution log and raise PolicyDenied."""
        self.log.deny(rule, tool, args, reason)

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
                f"the automation rules leave this task with a person ({why}); {tool} was not run"
                if (why := self.task.with_person_because)
                else f"task is manual: a person does it; {tool} was "
                "not run (change the execution type to let the AI act)",
            )
        key = ledger.idempotency_key(self.task.id, self.step, tool, args)
        recorded = ledger.lookup(self.db, self.task.org_id, key)
        if recorded is not None and recorded.status == ledger.DONE:
            self.log.write("side_effect_replayed", tool=tool, idempotency_key=key)
            return dict(recorded.result or {})
        if recorded is not None and recorded.status == ledger.PENDING:
            reconciled = side_effects.reconcile_pending(self.log, call, key, recorded)
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
                decision = ask_person.ask(self.log, self.task.title, call, key)
                ask_person.follow(self.log, tool, key, decision)
                if decision.kind == "edit":
                    final_args = decision.args
                    self.check_content(tool, final_args)
            result = side_effects.run_recorded(self.log, call, key, final_args)
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
        kept rejecting (store.acceptance's approval rule, cited in the log)."""
        if self.task.execution_type is ExecutionType.SEMI_AUTOMATED:
            return True
        rule = acceptance.approval_rule(self.db, self.task.org_id, self.agent_id)
        if rule is None:
            return False
        self.log.write("approval_required", tool=tool, idempotency_key=key, rule=rule)
        return True
