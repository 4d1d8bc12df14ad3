"""The newest schema revision, read from the migration files without importing Alembic or
SQLAlchemy (every command asks whether its store is current)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import Any

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


@cache
def migration_heads() -> frozenset[str]:
    """The newest revision(s) under store/migrations/versions: the revisions no migration
    revises, as Alembic's ScriptDirectory.get_heads() finds them, read from each file's
    `revision` and `down_revision` assignments."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        values = _assignments(path, ("revision", "down_revision"))
        if "revision" not in values:
            continue  # __init__.py
        revisions.add(values["revision"])
        down = values.get("down_revision")
        revised.update([down] if isinstance(down, str) else list(down or ()))
    return frozenset(revisions - revised)


def _assignments(path: Path, names: tuple[str, ...]) -> dict[str, Any]:
    """The literal values a module assigns to `names` at its top level."""
    values: dict[str, Any] = {}
    target: ast.expr
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in names:
            values[target.id] = ast.literal_eval(value)
    return values
