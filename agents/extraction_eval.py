"""How well a model extracts tasks: precision and recall on labelled messages.

Each labelled line: {"source": chat|email|meeting, "lang", "text", "tasks": [[words...]...]};
an expected task is found when one extracted title contains all its words (case folded).
Precision is the share of extracted tasks that match an expected one, recall the share of
expected tasks found; both overall and per source and language.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from agents.extraction import SourceKind, extract_tasks
from agents.planner import ModelOutputError
from store.errors import InvalidInput


@dataclass(frozen=True)
class LabelledMessage:
    source: SourceKind
    lang: str
    text: str
    tasks: list[list[str]]
    where: str


def load_messages(paths: Iterable[Path]) -> list[LabelledMessage]:
    """The labelled messages of these JSONL files; InvalidInput naming a bad line."""
    rows = []
    for path in paths:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path.name}:{number}"
            try:
                data = json.loads(line)
                rows.append(
                    LabelledMessage(
                        SourceKind(data["source"]),
                        str(data.get("lang") or "en"),
                        str(data["text"]),
                        [[str(w).lower() for w in words] for words in data["tasks"]],
                        where,
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise InvalidInput(f"{where}: not a labelled message ({exc})") from None
    return rows


@dataclass
class Counts:
    extracted: int = 0
    correct: int = 0
    expected: int = 0
    found: int = 0

    @property
    def precision(self) -> float | None:
        return self.correct / self.extracted if self.extracted else None

    @property
    def recall(self) -> float | None:
        return self.found / self.expected if self.expected else None

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "precision": self.precision, "recall": self.recall}


@dataclass
class ExtractionReport:
    total: Counts = field(default_factory=Counts)
    by_group: dict[str, Counts] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total.as_dict(),
            "by_group": {k: v.as_dict() for k, v in sorted(self.by_group.items())},
            "failures": self.failures,
        }


def _matches(title: str, words: list[str]) -> bool:
    lower = title.lower()
    return all(word in lower for word in words)


def evaluate_extraction(
    model: BaseChatModel, messages: Iterable[LabelledMessage]
) -> ExtractionReport:
    report = ExtractionReport()
    for message in messages:
        try:
            titles = [t.title for t in extract_tasks(model, message.text, message.source)]
        except ModelOutputError as exc:
            titles = []
            report.failures.append({"where": message.where, "error": str(exc)})
        correct = sum(1 for t in titles if any(_matches(t, w) for w in message.tasks))
        found = sum(1 for w in message.tasks if any(_matches(t, w) for t in titles))
        for counts in (
            report.total,
            report.by_group.setdefault(f"source={message.source.value}", Counts()),
            report.by_group.setdefault(f"lang={message.lang}", Counts()),
        ):
            counts.extracted += len(titles)
            counts.correct += correct
            counts.expected += len(message.tasks)
            counts.found += found
        if correct < len(titles) or found < len(message.tasks):
            report.failures.append(
                {
                    "where": message.where,
                    "text": message.text[:120],
                    "expected": [" ".join(w) for w in message.tasks],
                    "extracted": titles,
                }
            )
    return report
