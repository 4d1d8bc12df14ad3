"""Fills any structured-output schema from the task text, so `with_structured_output(Schema)`
works offline for schemas the offline model has never seen; fails clearly when it cannot."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cached_property
from typing import Any

from agents.offline.classifier import Decision, classify
from agents.offline.email import draft_email
from agents.offline.known import known_answer
from agents.offline.notes import action_items
from agents.offline.schedule import meeting_slot
from agents.offline.text import (
    TaskText,
    content_words,
    find_channels,
    find_emails,
    find_urls,
    sentences,
)
from agents.offline.translate import target_language
from agents.offline.writer import deliverable_kind, write


class SchemaFillError(ValueError):
    """The offline model cannot produce a value for a required field."""


class _Facts:
    """What the task says, computed once and only when a field needs it."""

    def __init__(self, task: TaskText, now: datetime) -> None:
        self.task = task
        self.now = now

    @cached_property
    def decision(self) -> Decision:
        return classify(self.task)

    @cached_property
    def deliverable(self) -> str:
        return write(self.task, self.now)

    @cached_property
    def emails(self) -> list[str]:
        return find_emails(self.task.text)


_STRING_FIELDS: list[tuple[str, Any]] = [
    (r"reason|rationale|explanation|why|justification", lambda f: f.decision.reason),
    (r"^subject$|email_subject", lambda f: draft_email(f.task.title, f.task.details).subject),
    (r"title|name|headline|task", lambda f: f.task.title),
    (r"summary|description|body|text|content|output|result|answer|deliverable|draft|"
     r"response|message|markdown|report|notes", lambda f: f.deliverable),
    (r"^to$|recipient|email", lambda f: f.emails[0] if f.emails else ""),
    (r"url|link|website", lambda f: (find_urls(f.task.text) or [""])[0]),
    (r"channel", lambda f: (find_channels(f.task.text) or ["#general"])[0]),
    (r"^end|end_time|until", lambda f: meeting_slot(f.task.text, f.now).end.isoformat()),
    (r"date|due|start|when|deadline|time",
     lambda f: meeting_slot(f.task.text, f.now).start.isoformat()),
    (r"language|locale", lambda f: target_language(f.task.text) or "english"),
    (r"owner|assignee|who", lambda f: next(
        (i.owner for i in action_items(f.task.details)), "unassigned")),
    (r"category|kind|type", lambda f: deliverable_kind(f.task)),
]  # fmt: skip


def fill_schema(name: str, schema: dict[str, Any], task: TaskText, now: datetime) -> dict[str, Any]:
    """Arguments for the tool/schema `name` built from the task."""
    known = known_answer(schema, task)
    if known is not None:
        return known
    return _object(name, schema, schema, _Facts(task, now))


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {})
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _object(
    name: str, schema: dict[str, Any], root: dict[str, Any], facts: _Facts
) -> dict[str, Any]:
    schema = _resolve(schema, root)
    required = set(schema.get("required") or [])
    result: dict[str, Any] = {}
    for field, spec in (schema.get("properties") or {}).items():
        value = _value(field, spec, root, facts)
        if value is None:
            if field in required:
                raise SchemaFillError(
                    f"the offline model cannot fill required field {field!r} of {name!r}; "
                    "set DELEGATE_MODEL to a real model for this schema"
                )
            continue
        result[field] = value
    return result


def _value(field: str, spec: dict[str, Any], root: dict[str, Any], facts: _Facts) -> Any:
    spec = _resolve(spec, root)
    options = spec.get("anyOf") or spec.get("oneOf")
    if options:
        concrete = [_resolve(o, root) for o in options if o.get("type") != "null"]
        for option in concrete:
            value = _value(field, {**option, **_meta(spec)}, root, facts)
            if value is not None:
                return value
        return None
    lname = field.lower()
    if lname == "strategy":
        return facts.decision.strategy.value
    if lname == "execution_type":
        return facts.decision.execution_type.value
    if lname == "subtasks":
        return facts.decision.subtasks
    if "enum" in spec:
        return _enum(spec["enum"], facts)
    kind = spec.get("type")
    if kind == "string":
        return _string(lname, spec, facts)
    if kind in {"number", "integer"}:
        return _number(lname, spec, kind, facts)
    if kind == "boolean":
        if "default" in spec:
            return spec["default"]
        return bool(re.search(r"approv|human|manual|person", lname)) and (
            facts.decision.execution_type.value != "fully_automated"
        )
    if kind == "array":
        return _array(lname, spec, root, facts)
    if kind == "object" or "properties" in spec:
        return _object(field, spec, root, facts)
    return spec.get("default")


def _meta(spec: dict[str, Any]) -> dict[str, Any]:
    return {k: spec[k] for k in ("default", "description", "title") if k in spec}


def _enum(values: list[Any], facts: _Facts) -> Any:
    known = {facts.decision.strategy.value, facts.decision.execution_type.value}
    for value in values:
        if value in known:
            return value
    lower = facts.task.text.lower()
    for value in values:
        if isinstance(value, str) and re.search(rf"\b{re.escape(value.lower())}\b", lower):
            return value
    return values[0] if values else None


def _string(lname: str, spec: dict[str, Any], facts: _Facts) -> str:
    for pattern, make in _STRING_FIELDS:
        if re.search(pattern, lname):
            return str(make(facts))
    if "default" in spec and isinstance(spec["default"], str):
        return spec["default"]
    return facts.task.title


def _number(lname: str, spec: dict[str, Any], kind: str, facts: _Facts) -> float | int:
    if re.search(r"confidence|certainty|probability|score", lname):
        value: float = facts.decision.confidence
    elif "default" in spec and spec["default"] is not None:
        value = float(spec["default"])
    else:
        found = re.findall(r"\b\d+(?:\.\d+)?\b", facts.task.text)
        value = float(found[0]) if found else float(spec.get("minimum", 1))
    low, high = spec.get("minimum"), spec.get("maximum")
    if low is not None:
        value = max(value, float(low))
    if high is not None:
        value = min(value, float(high))
    return int(value) if kind == "integer" else value


def _array(lname: str, spec: dict[str, Any], root: dict[str, Any], facts: _Facts) -> list[Any]:
    items = _resolve(spec.get("items") or {}, root)
    if items.get("type") == "object" or "properties" in items:
        return [_object(lname, items, root, facts)]
    if re.search(r"action|todo|task|step", lname):
        found = [i.line() for i in action_items(facts.task.details)]
        return found or [s["title"] for s in facts.decision.subtasks] or [facts.task.title]
    if re.search(r"email|recipient|attendee|^to$|^cc$", lname):
        return facts.emails if lname != "cc" else []
    if re.search(r"url|link", lname):
        return find_urls(facts.task.text)
    if re.search(r"tag|keyword|topic|label", lname):
        return content_words(facts.task.title)[:5]
    points = sentences(facts.task.details) or [facts.task.title]
    if items.get("type") in {"number", "integer"}:
        return []
    return points
