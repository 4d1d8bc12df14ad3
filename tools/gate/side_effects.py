"""A side effect as the idempotency ledger records it: pending before the provider is called,
done (with its result) or failed after; and after a crash mid-call, what became of a pending
one before anything is sent again."""

from __future__ import annotations

from typing import Any

from store import claims
from store.errors import InvalidInput, PolicyDenied
from tools.backends import OutcomeUnknown, ProviderError
from tools.gate import idempotency as ledger
from tools.gate.calls import GatedCall
from tools.gate.gate_log import GateLog, provider_ids, summarize_args

RULE_UNCONFIRMED = "unconfirmed_side_effect"


def run_recorded(log: GateLog, call: GatedCall, key: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run the call with `args` under `key`: recorded pending first, then done or failed."""
    # A run that was taken over (its claim's fencing token is no longer the task's) acts
    # no more: StaleClaim before anything is recorded or sent.
    claims.verify(log.db, log.org_id, log.task_id)
    ledger.record_pending(log.db, log.org_id, log.task_id, key, call.tool, args)
    try:
        result = call.run(args, key)
    except (InvalidInput, PolicyDenied) as exc:
        ledger.mark_failed(log.db, log.org_id, key, str(exc))
        raise
    except ProviderError as exc:
        if not exc.retryable:
            ledger.mark_failed(log.db, log.org_id, key, exc.reason)
        raise  # retryable: left pending, so the next run reconciles it
    ledger.mark_done(log.db, log.org_id, key, result)
    log.write(
        "side_effect_done",
        tool=call.tool,
        idempotency_key=key,
        args=summarize_args(args),
        provider_result=provider_ids(result),
    )
    return result


def reconcile_pending(
    log: GateLog, call: GatedCall, key: str, recorded: ledger.LedgerEntry
) -> dict[str, Any] | None:
    """A crash left `key` pending: the result if it went out, None if it surely did not;
    denied (`unconfirmed_side_effect`) when nobody can tell, so a person checks."""
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
        ledger.mark_unconfirmed(log.db, log.org_id, key)
        log.deny(
            RULE_UNCONFIRMED,
            call.tool,
            recorded.arguments,
            f"{call.tool} may already have run (the run stopped mid-call) and {unknown}; "
            "check it, then run the task again to retry",
        )
    if found is None:
        return None
    ledger.mark_done(log.db, log.org_id, key, found)
    log.write(
        "side_effect_reconciled",
        tool=call.tool,
        idempotency_key=key,
        provider_result=provider_ids(found),
    )
    return found
