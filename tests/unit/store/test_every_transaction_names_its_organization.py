"""Every transaction the application opens names the organization it works for, so
PostgreSQL's row-level security narrows it: a query that forgets its org_id filter still sees
only that organization's rows. Cross-organization work says so (ALL_ORGANIZATIONS) and why."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from store.db import ALL_ORGANIZATIONS, Database
from store.models import Task

ROOT = Path(__file__).resolve().parents[3]
APPLICATION = ("app", "graphs", "agents", "tools", "store")
#: Database's ways to open a transaction; each takes the organization as its argument.
SCOPED_OPENERS = {"session", "read_session", "transaction", "read_transaction"}
#: Ways around the organization setting, allowed only where the store builds its sessions.
RAW_OPENERS = {("engine", "begin"), ("engine", "connect"), ("read_engine", "connect")}
RAW_ALLOWED = {Path("store/db.py"), Path("store/migrations/env.py")}


def _application_modules() -> Iterator[tuple[Path, ast.Module, list[str]]]:
    for package in APPLICATION:
        for path in sorted((ROOT / package).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            yield path.relative_to(ROOT), ast.parse(source, str(path)), source.splitlines()


def _calls(tree: ast.Module) -> Iterator[tuple[ast.Call, ast.Attribute]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            yield node, node.func


def unscoped_openings(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, opener) of each session/transaction opened without an organization."""
    return [
        (call.lineno, func.attr)
        for call, func in _calls(tree)
        if func.attr in SCOPED_OPENERS and not call.args and not call.keywords
    ]


def unexplained_cross_organization(tree: ast.Module, lines: list[str]) -> list[tuple[int, str]]:
    """(line, opener) of each ALL_ORGANIZATIONS transaction with no comment on its line or
    the line above."""
    found = []
    for call, func in _calls(tree):
        first = call.args[0] if call.args else None
        everyone = (isinstance(first, ast.Name) and first.id == "ALL_ORGANIZATIONS") or (
            isinstance(first, ast.Attribute) and first.attr == "ALL_ORGANIZATIONS"
        )
        above = lines[call.lineno - 2].strip() if call.lineno > 1 else ""
        says_why = "#" in lines[call.lineno - 1] or above.startswith("#")
        if func.attr in SCOPED_OPENERS and everyone and not says_why:
            found.append((call.lineno, func.attr))
    return found


def raw_openings(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, call) of each engine.begin()/connect(): a connection no organization scopes."""
    return [
        (call.lineno, ast.unparse(func))
        for call, func in _calls(tree)
        if isinstance(func.value, ast.Attribute) and (func.value.attr, func.attr) in RAW_OPENERS
    ]


def test_every_application_transaction_names_an_organization() -> None:
    unscoped = [
        f"{path}:{line}: .{opener}() names no organization "
        "(pass the org id, or ALL_ORGANIZATIONS with a comment saying why)"
        for path, tree, _ in _application_modules()
        for line, opener in unscoped_openings(tree)
    ]
    assert unscoped == [], "\n".join(unscoped)


def test_every_cross_organization_transaction_says_why() -> None:
    unexplained = [
        f"{path}:{line}: .{opener}(ALL_ORGANIZATIONS) without a comment saying why it must "
        "see every organization"
        for path, tree, lines in _application_modules()
        for line, opener in unexplained_cross_organization(tree, lines)
    ]
    assert unexplained == [], "\n".join(unexplained)


def test_no_application_code_opens_a_connection_around_the_organization_setting() -> None:
    raw = [
        f"{path}:{line}: {call}() skips the organization setting "
        "(use Database.session/transaction with an org id)"
        for path, tree, _ in _application_modules()
        if path not in RAW_ALLOWED
        for line, call in raw_openings(tree)
    ]
    assert raw == [], "\n".join(raw)


SAMPLE = """\
with db.session() as s:
    pass
with db.transaction(org_id) as c:
    pass
with db.read_session(ALL_ORGANIZATIONS) as s:
    pass
# The key lookup must see every organization's keys.
with state.db.session(ALL_ORGANIZATIONS) as s:
    pass
with self.db.engine.begin() as c:
    pass
"""


def test_the_guard_finds_what_names_no_organization_or_no_reason() -> None:
    tree = ast.parse(SAMPLE)

    assert unscoped_openings(tree) == [(1, "session")]
    assert unexplained_cross_organization(tree, SAMPLE.splitlines()) == [(5, "read_session")]
    assert raw_openings(tree) == [(10, "self.db.engine.begin")]


def test_the_application_database_refuses_a_transaction_without_an_organization(
    db: Database, org_id: str
) -> None:
    strict = Database(db.url)  # as the application builds it: no default organization
    try:
        for opening in (strict.session, strict.read_session):
            with pytest.raises(TypeError, match="must name its organization"), opening():
                pass
        for connecting in (strict.transaction, strict.read_transaction):
            with pytest.raises(TypeError, match="must name its organization"), connecting():
                pass
        with strict.read_transaction(ALL_ORGANIZATIONS) as conn:
            assert conn.scalar(text("SELECT 1")) == 1
        with strict.read_session(org_id) as session:
            assert session.scalars(select(Task.id)).all() == []
    finally:
        strict.dispose()
