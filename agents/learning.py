"""Preferences learned from people's edits, and the lines that carry them into later prompts.

A preference is derived from the examples store.learned keeps (an output and a person's
version of it): the same closing line added in SIGN_OFF_EDITS edits of a category is its
sign-off. Each preference names the examples it came from, for `delegate learned`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from store import learned
from store.db import Database
from store.models import Task

#: How many edits must add the same closing line before it is the category's sign-off.
SIGN_OFF_EDITS = 3
#: The longest line taken for a sign-off (a longer one is a paragraph, not a closing).
MAX_SIGN_OFF = 120


@dataclass(frozen=True)
class Preference:
    """One thing learned for a category, and why."""

    category: str
    kind: str
    """sign_off, or approval_required."""
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
    """Every category's preferences and learned approval rules, for `delegate learned`."""
    items = learned.all_learned(db, org_id)
    categories = sorted({item.category for item in items})
    found: list[Preference] = []
    for category in categories:
        found.extend(preferences(db, org_id, category))
        rule = learned.approval_rule(db, org_id, category)
        if rule:
            decisions = learned.recent_decisions(db, org_id, category)
            sources = [
                {"task_id": d["task_id"], "source": f"rejected {d['tool']}"} for d in decisions
            ]
            found.append(Preference(category, "approval_required", "semi_automated", rule, sources))
    return found


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
class EditedOutput:
    """Feedback with an edited output, as read while its task was loaded: what is learned
    from it once the feedback is stored (outside that transaction)."""

    task_id: str
    category: str
    original: str
    edited: str
    feedback_id: str


def edited_output(task: Task, edited: str | None, feedback_id: str) -> EditedOutput | None:
    """What the feedback teaches, or None (no edit, nothing to compare, or unchanged)."""
    original = output_text(task.result)
    if not edited or not original or edited.strip() == original.strip():
        return None
    return EditedOutput(task.id, task_category(task), original, edited, feedback_id)


def learn_from_feedback(db: Database, org_id: str, lesson: EditedOutput | None) -> bool:
    """Keep feedback with an edited output as an example of its task's category; whether it
    was kept. Call it after the feedback's transaction committed (the store has its own)."""
    if lesson is None:
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
