"""How good a model is at Delegate's decisions: labelled tasks through any configured model.

Each labelled item (one JSON object per line) gives a task and what a person would decide:
`strategy`, optionally `execution_type` and `route` (which workflow or agent does the work),
and optionally `must_contain` (names, numbers and dates the deliverable must carry). The
model classifies every item and, for items with `must_contain`, writes the deliverable,
which must hold each of them and no placeholder. Scores are per class (precision and
recall), with a confusion matrix and every failure, so two models can be compared on the
same sets (`delegate eval`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from agents.classification import Classification
from agents.planner import ModelOutputError, classify_task, write_deliverable
from store.enums import ExecutionType, Strategy
from store.errors import InvalidInput
from tools.gate.placeholders import find_placeholder

#: The decisions scored per class, and the values each may take (route: any registered name).
DIMENSIONS = ("strategy", "execution_type", "route")
_ALLOWED = {
    "strategy": {s.value for s in Strategy},
    "execution_type": {e.value for e in ExecutionType},
}
#: What a failed model call is counted as (a class of its own in the confusion matrix).
ERROR = "error"


@dataclass(frozen=True)
class LabelledTask:
    """One labelled task: the input and the expected decisions."""

    title: str
    description: str = ""
    expected: dict[str, str] = field(default_factory=dict)
    """dimension -> expected value (only the dimensions the item labels)."""
    must_contain: tuple[str, ...] = ()
    """Strings the deliverable must contain (case-insensitive)."""
    source: str = ""
    """file:line, for failures."""


def load_labelled(paths: Iterable[Path]) -> list[LabelledTask]:
    """Every labelled task in the JSONL files; InvalidInput names the file, line and field."""
    items: list[LabelledTask] = []
    for path in paths:
        if not path.is_file():
            raise InvalidInput(f"{path}: no such file")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                items.append(_parse(line, f"{path}:{number}"))
    if not items:
        raise InvalidInput("no labelled tasks found")
    return items


def _parse(line: str, where: str) -> LabelledTask:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{where}: not valid JSON ({exc.msg})") from None
    if not isinstance(row, dict) or not str(row.get("title") or "").strip():
        raise InvalidInput(f"{where}: needs an object with a non-empty 'title'")
    expected: dict[str, str] = {}
    for dimension in DIMENSIONS:
        value = row.get(dimension, row.get(f"expected_{dimension}"))
        if value is None:
            continue
        value = str(value).strip().lower()
        allowed = _ALLOWED.get(dimension)
        if allowed is not None and value not in allowed:
            raise InvalidInput(f"{where}: {dimension} {value!r} is not one of {sorted(allowed)}")
        expected[dimension] = value
    if "strategy" not in expected:
        raise InvalidInput(f"{where}: needs a 'strategy' label")
    must = row.get("must_contain") or []
    if not isinstance(must, list) or not all(isinstance(m, str) and m for m in must):
        raise InvalidInput(f"{where}: 'must_contain' must be a list of non-empty strings")
    return LabelledTask(
        title=str(row["title"]).strip(),
        description=str(row.get("description") or ""),
        expected=expected,
        must_contain=tuple(must),
        source=where,
    )


def route_of(decision: Classification) -> str:
    """Which workflow or agent does the work: the classification's route ("none" when the
    model named none, as for work it splits or blocks)."""
    return decision.route or "none"


@dataclass
class Scores:
    """One dimension's results: the confusion matrix and what follows from it."""

    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    """expected -> got -> count."""

    def add(self, expected: str, got: str) -> None:
        row = self.confusion.setdefault(expected, {})
        row[got] = row.get(got, 0) + 1

    @property
    def total(self) -> int:
        return sum(sum(row.values()) for row in self.confusion.values())

    @property
    def correct(self) -> int:
        return sum(row.get(label, 0) for label, row in self.confusion.items())

    def labels(self) -> list[str]:
        got = {g for row in self.confusion.values() for g in row}
        return sorted(set(self.confusion) | got)

    def per_class(self) -> dict[str, dict[str, float | int | None]]:
        """label -> {support, precision, recall} (None when undefined: nothing to divide)."""
        result: dict[str, dict[str, float | int | None]] = {}
        for label in self.labels():
            support = sum(self.confusion.get(label, {}).values())
            predicted = sum(row.get(label, 0) for row in self.confusion.values())
            hits = self.confusion.get(label, {}).get(label, 0)
            result[label] = {
                "support": support,
                "precision": round(hits / predicted, 4) if predicted else None,
                "recall": round(hits / support, 4) if support else None,
            }
        return result

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "correct": self.correct,
            "accuracy": round(self.correct / self.total, 4) if self.total else None,
            "per_class": self.per_class(),
            "confusion": self.confusion,
        }


@dataclass
class Report:
    """Everything `evaluate` measured."""

    scores: dict[str, Scores] = field(default_factory=lambda: {d: Scores() for d in DIMENSIONS})
    deliverables_total: int = 0
    deliverables_passed: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON values (what `delegate eval --json` prints)."""
        total = self.deliverables_total
        return {
            **{d: s.as_dict() for d, s in self.scores.items()},
            "deliverable": {
                "total": total,
                "passed": self.deliverables_passed,
                "rate": round(self.deliverables_passed / total, 4) if total else None,
            },
            "failures": self.failures,
        }


def evaluate(model: BaseChatModel, items: Iterable[LabelledTask]) -> Report:
    """Run every labelled task through `model` and score its decisions and deliverables."""
    report = Report()
    for item in items:
        got = _decide(model, item)
        for dimension, expected in item.expected.items():
            answer = got.get(dimension, ERROR)
            report.scores[dimension].add(expected, answer)
            if answer != expected:
                report.failures.append(
                    {"source": item.source, "title": item.title, "check": dimension,
                     "expected": expected, "got": answer, "reason": got.get("reason", "")}
                )  # fmt: skip
        if item.must_contain:
            report.deliverables_total += 1
            problem = _check_deliverable(model, item)
            if problem is None:
                report.deliverables_passed += 1
            else:
                report.failures.append(
                    {"source": item.source, "title": item.title, "check": "deliverable",
                     "expected": list(item.must_contain), "got": problem, "reason": ""}
                )  # fmt: skip
    return report


def _decide(model: BaseChatModel, item: LabelledTask) -> dict[str, str]:
    try:
        decision = classify_task(model, item.title, item.description)
    except ModelOutputError as exc:
        return {"reason": str(exc)}
    return {
        "strategy": decision.strategy.value,
        "execution_type": decision.execution_type.value,
        "route": route_of(decision),
        "reason": decision.reason,
    }


def _check_deliverable(model: BaseChatModel, item: LabelledTask) -> str | None:
    """None when the deliverable holds every required string and no placeholder, else
    what is wrong with it."""
    try:
        text = write_deliverable(model, item.title, item.description)
    except ModelOutputError as exc:
        return f"no deliverable: {exc}"
    lower = text.lower()
    missing = [m for m in item.must_contain if m.lower() not in lower]
    if missing:
        return f"missing {', '.join(repr(m) for m in missing)}"
    slot = find_placeholder(text)
    if slot is not None:
        return f"placeholder {slot[:80]!r}"
    return None
