"""Where the store is: DELEGATE_DATABASE_URL, else a SQLite file in the working directory
(read without importing SQLAlchemy, for the CLI's start-up)."""

from __future__ import annotations

import os
from pathlib import Path

#: URL prefixes of a SQLite file through the stdlib driver (SQLAlchemy's default for sqlite).
_SQLITE_FILE_PREFIXES = ("sqlite:///", "sqlite+pysqlite:///")


def default_database_url() -> str:
    """DELEGATE_DATABASE_URL, else a SQLite file `delegate.db` in the working directory."""
    return os.environ.get("DELEGATE_DATABASE_URL") or f"sqlite:///{Path.cwd() / 'delegate.db'}"


def sqlite_file(url: str) -> Path | None:
    """The file a plain SQLite URL names (as SQLAlchemy reads it: `sqlite:///relative.db`,
    `sqlite:////absolute.db`); None for any other URL, an in-memory one, or one with options
    or escapes, which only SQLAlchemy should interpret."""
    for prefix in _SQLITE_FILE_PREFIXES:
        if url.startswith(prefix):
            database = url[len(prefix) :]
            if not database or database == ":memory:" or any(c in database for c in "?%#"):
                return None
            return Path(database)
    return None
