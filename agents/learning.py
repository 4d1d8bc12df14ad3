"""Preferences learned from people's edits, and the lines that carry them into later prompts.

A preference is derived from the examples store.learned keeps (an output and a person's
version of it): the same closing line added in SIGN_OFF_EDITS edits of a category is its
sign-off. Each preference names the examples it came from, for `delegate learned`, which also
shows each category's acceptance (store.acceptance: approvals, edits, rejections and ratings)
and where it stands: approval required, promoted, pinned by a rule, or still learning.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from store import acceptance, learned
from store.db import Database
from store.models import Task
from store.orgs import get_automation_rules
from tools.gate.automation import AutomationRules, parse_rules

#: How many edits must add the same closing line before it is the category's sign-off.
SIGN_OFF_EDITS = 3
#: The longest line taken for a sign-off (a longer one is a paragraph, not a closing).
MAX_SIGN_OFF = 120


@dataclass(frozen=True)
class Preference:
    """One thing learned for a category, and why."""

    category: str
    kind: str
    """sign_off, approval_required or promoted."""
    value: str
    why: str
    sources: list[dict[str, Any]] = field(default_factory=list)
    """The feedback it came from: {task_id, source}."""

    def prompt_line(self) -> str:
        if self.kind == "sign_off":
            return f'End the email with this sign-off line: "{self.value}"'
        return self.value

    def as_json(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "kind": self.kind,
            "value": self.value,
            "why": self.why,
            "sources": self.sources,
        }


def added_closing_line(original: str, edited: str) -> str | None:
    """The last line of the edited text when a person added it (it is not in the original)."""
    lines = [line.strip() for line in edited.strip().splitlines() if line.strip()]
    if not lines:
        return None
    last = lines[-1]
    before = {line.strip() for line in original.splitlines()}
    if last in before or len(last) > MAX_SIGN_OFF:
        return None
    return last


def sign_off(category: str, examples: list[dict[str, Any]]) -> Preference | None:
    """The closing line the category's edits added most, when at least SIGN_OFF_EDITS added it."""
    added = [
        (line, example)
        for example in examples
        if (line := added_closing_line(example["original"], example["edited"]))
    ]
    counts = Counter(line for line, _ in added)
    if not counts:
        return None
    line, times = counts.most_common(1)[0]
    if times < SIGN_OFF_EDITS:
        return None
    sources = [
        {"task_id": ex["task_id"], "source": ex["source"]} for found, ex in added if found == line
    ]
    why = f"{times} edits of {category} outputs added this closing line"
    return Preference(category, "sign_off", line, why, sources)


def preferences(db: Database, org_id: str, category: str) -> list[Preference]:
    """What the organization's edits taught for this category."""
    found = sign_off(category, learned.examples(db, org_id, category))
    return [found] if found else []


def prompt_lines(db: Database, org_id: str, category: str) -> list[str]:
    """The preferences as lines for the model's prompt (empty when nothing was learned)."""
    return [p.prompt_line() for p in preferences(db, org_id, category)]


def everything_learned(db: Database, org_id: str) -> list[Preference]:
    """Every category's preferences and learned approval and promotion rules, for `delegate
    learned`."""
    found: list[Preference] = []
    for summary in categories_learned(db, org_id):
        found.extend(summary.preferences)
        if summary.status == APPROVAL_REQUIRED:
            value = "semi_automated"
        elif summary.status == PROMOTED:
            value = "fully_automated"
        else:
            continue
        found.append(
            Preference(summary.category, summary.status, value, summary.why, summary.streak)
        )
    return found


#: A category's standing: its side effects wait for approval (people kept rejecting them),
#: its approval-waiting actions act (people kept accepting them), a rule of the organization
#: decides for it, or neither yet.
APPROVAL_REQUIRED, PROMOTED, PINNED, LEARNING = (
    "approval_required",
    "promoted",
    "pinned",
    "learning",
)


@dataclass(frozen=True)
class CategoryLearned:
    """What people's answers taught about one category, and why it stands where it does."""

    category: str
    examples: int
    preferences: list[Preference]
    accepted: int
    """Approvals without edits, and ratings of 4-5."""
    edited: int
    """Approvals with an edit, and requests to revise."""
    rejected: int
    """Rejections, and ratings of 1-2."""
    acceptance_rate: float | None
    """The share of answers that accepted the work as it was (None: no answers yet)."""
    status: str
    """approval_required, promoted, pinned or learning."""
    why: str
    streak: list[dict[str, Any]] = field(default_factory=list)
    """The answers behind the status, newest first: {task_id, source}."""

    def as_json(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "examples": self.examples,
            "preferences": [p.as_json() for p in self.preferences],
            "accepted": self.accepted,
            "edited": self.edited,
            "rejected": self.rejected,
            "acceptance_rate": self.acceptance_rate,
            "status": self.status,
            "why": self.why,
            "sources": self.streak,
        }


def categories_learned(db: Database, org_id: str) -> list[CategoryLearned]:
    """Each category something was learned for: examples, preferences, acceptance and status."""
    with db.session(org_id) as session:
        rules = parse_rules(get_automation_rules(session, org_id), where="rules")
    categories = sorted({item.category for item in learned.all_learned(db, org_id)})
    return [_category(db, org_id, category, rules) for category in categories]


def _category(db: Database, org_id: str, category: str, rules: AutomationRules) -> CategoryLearned:
    found = acceptance.acceptance(db, org_id, category)
    needed = acceptance.PROMOTE_AFTER if rules.promote_after is None else rules.promote_after
    pin = rules.pins(category)
    status, why, behind = LEARNING, "", []
    if demoted := found.demotion():
        status, why, behind = APPROVAL_REQUIRED, demoted, found.streak("rejected")
    elif pin is not None:
        status, why = PINNED, f"rule '{pin.name}' decides for {category}: never promoted"
    elif promoted := found.promotion(rules.promote_after):
        behind = found.streak("accepted")
        status = PROMOTED
        why = (
            f"{promoted}: the last {len(behind)} answers accepted its work as it was; an "
            "action the thresholds alone would hold for approval acts on its own until a "
            "rejection, an edit or a rating of 1-2"
        )
    elif needed <= 0:
        why = "promotion is off (promote_after 0)"
    else:
        why = f"{len(found.streak('accepted'))} of {needed} acceptances in a row toward promotion"
    return CategoryLearned(
        category=category,
        examples=len(learned.examples(db, org_id, category)),
        preferences=preferences(db, org_id, category),
        accepted=found.count("accepted"),
        edited=found.count("edited"),
        rejected=found.count("rejected"),
        acceptance_rate=found.rate,
        status=status,
        why=why,
        streak=[{"task_id": d["task_id"], "source": acceptance.describe(d)} for d in behind],
    )


def task_category(task: Task) -> str:
    """The task's category: the route its classification chose, else what ran it."""
    classification = (task.ai_context or {}).get("classification") or {}
    route = classification.get("route") if isinstance(classification, dict) else None
    return str(route or task.workflow_id or task.agent_id or "general")


def output_text(result: dict[str, Any] | None) -> str:
    """The text a person would edit in a task's result: an email's body, else the output."""
    result = result or {}
    email = result.get("email")
    if isinstance(email, dict) and isinstance(email.get("body"), str):
        return str(email["body"])
    return str(result.get("output") or "")


@dataclass(frozen=True)
class FeedbackLesson:
    """Feedback as read while its task was loaded: what is learned from it once the feedback
    is stored (outside that transaction)."""

    task_id: str
    category: str
    rating: int
    feedback_id: str
    original: str | None = None
    """The task's output, when the feedback carries a different version of it."""
    edited: str | None = None


def feedback_lesson(
    task: Task, rating: int, edited: str | None, feedback_id: str
) -> FeedbackLesson:
    """What the feedback teaches: its rating, and the edited output when it differs."""
    original = output_text(task.result)
    changed = bool(edited and original and edited.strip() != original.strip())
    return FeedbackLesson(
        task.id,
        task_category(task),
        rating,
        feedback_id,
        original if changed else None,
        edited if changed else None,
    )


def learn_from_feedback(db: Database, org_id: str, lesson: FeedbackLesson) -> bool:
    """Keep the rating as a signal of the task's category (4-5 accepts its work unless it came
    with an edit, 1-2 rejects it: store.acceptance) and an edited output as an example;
    whether an example was kept.
    Call it after the feedback's transaction committed (the store has its own)."""
    learned.record_rating(
        db,
        org_id,
        lesson.category,
        task_id=lesson.task_id,
        rating=lesson.rating,
        feedback_id=lesson.feedback_id,
        edited=lesson.edited is not None,
    )
    if lesson.original is None or lesson.edited is None:
        return False
    learned.record_example(
        db,
        org_id,
        lesson.category,
        task_id=lesson.task_id,
        original=lesson.original,
        edited=lesson.edited,
        source=f"feedback {lesson.feedback_id} with an edited output",
    )
    return True
