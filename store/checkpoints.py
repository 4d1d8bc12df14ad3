"""The checkpointer factory: LangGraph checkpoints in the same database family as the store.

SQLite stores checkpoints in a file beside the store's (`<name>.checkpoints.db`) so the two
never contend for one write lock; PostgreSQL keeps them in the same database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from store.db import Database


def checkpoint_location(db: Database) -> str:
    """Where the checkpoints of this database live (a file path or a libpq URL)."""
    url = make_url(db.url)
    if db.is_sqlite:
        if not url.database or url.database == ":memory:":
            return ":memory:"
        path = Path(url.database).expanduser().resolve()
        return str(path.with_name(path.stem + ".checkpoints" + (path.suffix or ".db")))
    # psycopg wants a plain libpq URL, without SQLAlchemy's "+driver" part.
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def open_checkpointer(db: Database) -> Iterator[Any]:
    """A ready checkpointer (SqliteSaver or PostgresSaver), set up and closed for you."""
    location = checkpoint_location(db)
    if db.is_sqlite:
        from langgraph.checkpoint.sqlite import SqliteSaver

        conn = sqlite3.connect(location, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        try:
            saver = SqliteSaver(conn)
            saver.setup()
            yield saver
        finally:
            conn.close()
    else:
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        with ConnectionPool(
            location,
            min_size=1,
            max_size=10,
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
            open=True,
        ) as pool:
            pg_saver = PostgresSaver(pool)  # type: ignore[arg-type]
            pg_saver.setup()
            yield pg_saver
