"""Per-class accuracy of the offline classifier on labelled tasks (title, description,
expected_strategy), for the tests and the CLI."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from agents.offline.classifier import classify
from agents.offline.text import TaskText
from store.enums import Strategy


def evaluate(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Classify every row and compare with its expected_strategy.

    Returns {"total", "correct", "accuracy", "per_class": {strategy: {"total", "correct",
    "accuracy"}}, "errors": [{"title", "expected", "got", "confidence"}]}.
    """
    per_class: dict[str, dict[str, Any]] = {
        s.value: {"total": 0, "correct": 0, "accuracy": None} for s in Strategy
    }
    errors: list[dict[str, Any]] = []
    for row in rows:
        expected = str(row["expected_strategy"]).strip().lower()
        task = TaskText(str(row.get("title", "")), str(row.get("description") or ""))
        decision = classify(task)
        bucket = per_class.setdefault(expected, {"total": 0, "correct": 0, "accuracy": None})
        bucket["total"] += 1
        if decision.strategy.value == expected:
            bucket["correct"] += 1
        else:
            errors.append(
                {
                    "title": task.title,
                    "expected": expected,
                    "got": decision.strategy.value,
                    "confidence": decision.confidence,
                }
            )
    for bucket in per_class.values():
        if bucket["total"]:
            bucket["accuracy"] = round(bucket["correct"] / bucket["total"], 4)
    total = sum(b["total"] for b in per_class.values())
    correct = sum(b["correct"] for b in per_class.values())
    return {
        "total": total,
        "correct": correct,
        "accuracy": round(correct / total, 4) if total else None,
        "per_class": per_class,
        "errors": errors,
    }
