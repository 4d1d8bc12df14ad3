"""The newest schema revision as the store reads it (no Alembic) is Alembic's own head."""

from __future__ import annotations

from alembic.config import Config
from alembic.script import ScriptDirectory

from store.schema_version import MIGRATIONS_DIR, _revision_assignments, migration_heads


def test_newest_revision_is_alembics_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert migration_heads() == frozenset(ScriptDirectory.from_config(config).get_heads())


def test_a_merge_revision_written_over_several_lines_is_read_whole() -> None:
    source = (
        '"""Merge two branches.\n\nrevision: a note in the docstring\n"""\n'
        'revision: str = "0012_merge"\n'
        "down_revision: str | tuple[str, ...] | None = (\n"
        '    "0011_a",\n'
        '    "0011_b",\n'
        ")\n"
    )
    assert _revision_assignments(source) == {
        "revision": "0012_merge",
        "down_revision": ("0011_a", "0011_b"),
    }


def test_a_first_revision_revises_nothing() -> None:
    source = 'revision: str = "0001"\ndown_revision: str | None = None  # the first\n'
    assert _revision_assignments(source) == {"revision": "0001", "down_revision": None}
