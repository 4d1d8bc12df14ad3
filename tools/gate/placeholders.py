"""Placeholder-shaped text: what a side effect must never carry out into the world.

A model (any model) that could not write part of a message leaves a slot: "[the news in a
sentence]", "[...]", "TODO", "lorem ipsum", "{{name}}", "<insert date>". The policy gate
(tools.gate.policy) refuses to send, post or submit such text, so the task waits for a person
instead of publishing a template. A draft (draft_email) may keep its slots: it sends nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: "[anything]" except a markdown link's text ("[docs](https://...)"), a checkbox ("[ ]",
#: "[x]") and a citation number ("[2]").
_BRACKET_SLOT = r"\[(?!\s*[xX✓]?\s*\])(?!\d+\])[^\[\]\n]{1,200}\](?!\()"
#: Slots of every kind: "[...]", "{{name}}", "<insert date>".
_TEMPLATE_SLOTS = (
    r"\[\s*(?:\.\.\.|…)\s*\]"
    r"|\{\{\s*[\w .-]{1,60}\s*\}\}"
    r"|<\s*(?:insert|add|your|name|date|placeholder)\b[^<>\n]{0,80}>"
)
PLACEHOLDER = re.compile(
    rf"{_BRACKET_SLOT}|\bTODO\b|\bFIXME\b|\blorem\b|{_TEMPLATE_SLOTS}", re.IGNORECASE
)
#: The slots that leave a deliverable unfinished: narrower than PLACEHOLDER, which refuses any
#: bracketed text going out, because a result may quote a list ("['sarah@corp.com']") or a
#: button ("[Submit]"). A gap a model named ("[missing: the address]", "[Your name]",
#: "[Insert date]"), an ellipsis slot, a template variable or an "<insert ...>".
GAP = re.compile(
    rf"\[\s*(?:missing\b|your\b|insert\b)[^\[\]\n]{{0,200}}\]|{_TEMPLATE_SLOTS}", re.IGNORECASE
)
#: Arguments that carry the words a side effect delivers (not its destinations or times).
CONTENT_ARGS = ("subject", "body", "text", "summary", "description", "location", "fields")


@dataclass(frozen=True)
class Placeholder:
    """Where a slot was found: the argument and the slot's text."""

    field: str
    slot: str


def _strings(name: str, value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(f"{name}.{key}", item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(name, item)


def find_placeholder(text: str) -> str | None:
    """The first placeholder-shaped part of `text`, or None."""
    match = PLACEHOLDER.search(text)
    return match.group(0) if match else None


def find_gaps(text: str) -> list[str]:
    """Every gap (GAP) left in a deliverable's `text`, in order, each once."""
    return list(dict.fromkeys(match.group(0) for match in GAP.finditer(text)))


def placeholder_in(args: dict[str, Any]) -> Placeholder | None:
    """The first slot in the content arguments of a call, or None when the text is whole."""
    for name in CONTENT_ARGS:
        for field, text in _strings(name, args.get(name)):
            slot = find_placeholder(text)
            if slot is not None:
                return Placeholder(field, slot)
    return None
