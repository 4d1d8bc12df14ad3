"""Per-category acceptance: people's answers and ratings read as signals, and what they move.

Each stored decision (store.learned) is one signal about a category's work:
- an approval without edits, or a rating of 4-5, accepts it;
- a rejection, or a rating of 1-2, rejects it;
- an approval with an edit, a request to revise, or a rating of 3-5 that comes with an edited
  output is neither: the person had to change it;
- a rating of 3, a skipped action and a person finishing the task themselves say nothing.

Two things follow, each with its reason (cited by the execution log and `delegate learned`):
- demotion: when the last DEMOTE_AFTER signals all rejected, the category's side effects wait
  for approval, even fully automated ones;
- promotion: when the last N signals all accepted (N = the organization's `promote_after`,
  default PROMOTE_AFTER), an action of the category that would only wait for approval because
  of the confidence thresholds acts on its own. One rejection, edit or low rating ends it, and
  forgetting what was learned does too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from store import learned
from store.db import Database

#: How many rejections in a row put a category's side effects back behind approval.
DEMOTE_AFTER = learned.ACCEPTANCE_WINDOW
#: How many acceptances in a row promote a category, unless its organization sets another.
PROMOTE_AFTER = 5

Signal = Literal["accepted", "edited", "rejected"]

_DECISION_SIGNALS: dict[str, Signal] = {
    "approve": "accepted",
    "edit": "edited",
    "respond": "edited",
    "reject": "rejected",
}


def signal_of(decision: dict[str, Any]) -> Signal | None:
    """What one stored decision says about the category's work (None: nothing)."""
    if decision.get("decision") == learned.RATED:
        rating = int(decision.get("rating") or 3)
        if rating <= 2:
            return "rejected"
        if decision.get("edited"):
            return "edited"
        return "accepted" if rating >= 4 else None
    return _DECISION_SIGNALS.get(str(decision.get("decision")))


def describe(decision: dict[str, Any]) -> str:
    """One decision as a source line: `approved send_email`, `rated 2/5`."""
    if decision.get("decision") == learned.RATED:
        edited = " with an edited output" if decision.get("edited") else ""
        return f"rated {decision.get('rating')}/5{edited}"
    past = {"approve": "approved", "edit": "edited", "reject": "rejected", "respond": "revised"}
    verb = past.get(str(decision.get("decision")), str(decision.get("decision")))
    return f"{verb} {decision.get('tool')}"


@dataclass(frozen=True)
class Acceptance:
    """A category's signals, oldest first, and what they add up to."""

    category: str
    signals: list[tuple[dict[str, Any], Signal]]

    def count(self, signal: Signal) -> int:
        return sum(1 for _, s in self.signals if s == signal)

    @property
    def rate(self) -> float | None:
        """The share of signals that accepted the work as it was (None: no signals yet)."""
        return self.count("accepted") / len(self.signals) if self.signals else None

    def streak(self, signal: Signal) -> list[dict[str, Any]]:
        """The latest signals while they are all `signal`, newest first."""
        found = []
        for decision, seen in reversed(self.signals):
            if seen != signal:
                break
            found.append(decision)
        return found

    def demotion(self) -> str | None:
        """Why the category's side effects wait for approval, or None."""
        if len(self.streak("rejected")) < DEMOTE_AFTER:
            return None
        n = DEMOTE_AFTER
        return f"learned: {n} of the last {n} {self.category} actions were rejected"

    def promotion(self, promote_after: int | None = None) -> str | None:
        """Why the category's approval-waiting actions may act on their own, or None
        (`promote_after` 0 turns promotion off)."""
        needed = PROMOTE_AFTER if promote_after is None else promote_after
        if needed <= 0 or len(self.streak("accepted")) < needed:
            return None
        return f"learned: promoted after {needed} acceptances"


def acceptance(db: Database, org_id: str, category: str) -> Acceptance:
    """The category's signals, read from the learned store."""
    signals = []
    for decision in learned.decisions(db, org_id, category):
        signal = signal_of(decision)
        if signal is not None:
            signals.append((decision, signal))
    return Acceptance(category, signals)


def approval_rule(db: Database, org_id: str, category: str) -> str | None:
    """Why the category's side effects must wait for a person (its last DEMOTE_AFTER signals
    were rejections); else None."""
    return acceptance(db, org_id, category).demotion()


def promotion_rule(
    db: Database, org_id: str, category: str, promote_after: int | None = None
) -> str | None:
    """Why the category is promoted (its last N signals accepted the work); else None."""
    return acceptance(db, org_id, category).promotion(promote_after)
