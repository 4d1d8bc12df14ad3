"""The newest schema revision, read from the migration files without importing Alembic or
SQLAlchemy (every command asks whether its store is current)."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import Any

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


#: A top-level `revision = ...` or `down_revision: ... = ...` line of a migration file.
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+)$", re.MULTILINE)


@cache
def migration_heads() -> frozenset[str]:
    """The newest revision(s) under store/migrations/versions: the revisions no migration
    revises, as Alembic's ScriptDirectory.get_heads() finds them, read from each file's
    `revision` and `down_revision` assignments."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        values = _revision_assignments(path.read_text(encoding="utf-8"))
        if "revision" not in values:
            continue  # __init__.py
        revisions.add(values["revision"])
        down = values.get("down_revision")
        revised.update([down] if isinstance(down, str) else list(down or ()))
    return frozenset(revisions - revised)


def _revision_assignments(source: str) -> dict[str, Any]:
    """The literal `revision` and `down_revision` a migration assigns. Read from their lines
    (parsing each whole file took most of a `delegate tasks`); a value written over several
    lines sends the file to Python's parser."""
    values: dict[str, Any] = {}
    for match in _ASSIGNMENT.finditer(source):
        try:
            values[match[1]] = ast.literal_eval(match[2].strip())
        except (ValueError, SyntaxError):
            return _assignments(source, ("revision", "down_revision"))
    return values


def _assignments(source: str, names: tuple[str, ...]) -> dict[str, Any]:
    """The literal values a module assigns to `names` at its top level."""
    values: dict[str, Any] = {}
    target: ast.expr
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in names:
            values[target.id] = ast.literal_eval(value)
    return values
