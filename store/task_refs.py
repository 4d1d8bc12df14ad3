"""How a person's task reference becomes a task id: the full id, or a unique prefix of 4+
characters (as people type them). One rule for every reader of the store (the repository
through SQLAlchemy, the CLI's SQLite reads through sqlite3); each supplies its lookups."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from store.errors import InvalidInput, NotFound

#: The fewest characters of an id that name a task (as people type them).
MIN_PREFIX = 4


def resolve_ref(
    ref: str,
    exact: Callable[[str], str | None],
    starting_with: Callable[[str], Sequence[str]],
) -> str:
    """The full id `ref` names: `exact(ref)` finds an id equal to it; `starting_with(prefix)`
    answers up to two ids that begin with a lower-case hex prefix."""
    ref = ref.strip()
    if not ref:
        raise InvalidInput("a task id is required")
    found = exact(ref)
    if found:
        return found
    if len(ref) < MIN_PREFIX:
        raise InvalidInput(
            f"task id prefix {ref!r} is too short; give at least {MIN_PREFIX} characters"
        )
    if re.fullmatch(r"[0-9a-fA-F-]+", ref):
        matches = starting_with(ref.lower())
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise InvalidInput(f"task id prefix {ref!r} is ambiguous; give more characters")
    raise NotFound(f"no task {ref!r}")
