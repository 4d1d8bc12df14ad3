"""What Delegate learns from people, kept in a LangGraph store (BaseStore) per organization
and category (the route that did the work, e.g. email_drafting).

Two kinds of items, each naming the feedback it came from:
- examples: an output and the version a person made of it (an approval with an edit, or
  feedback with an edited output) — agents.learning derives preferences from them;
- decisions: approved, edited or rejected, per side effect a person was asked about, and the
  ratings of finished tasks — the category's acceptance (store.acceptance), which can make its
  side effects wait for approval or promote it.

SQLite keeps the store in a file beside the database (`<name>.learned.db`), PostgreSQL in the
same database (LangGraph's PostgresStore tables, through one small psycopg pool per Database,
closed when the Database is disposed: every run reads the store, and a connection per read
cost a PostgreSQL backend start each); an in-memory database gets a process-wide
InMemoryStore.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any
from uuid import uuid4

from langgraph.store.base import BaseStore, Item
from langgraph.store.memory import InMemoryStore

from store.checkpoints import checkpoint_location
from store.db import Database

EXAMPLES = "examples"
DECISIONS = "decisions"
#: How many of a category's latest decisions its demotion is judged on.
ACCEPTANCE_WINDOW = 3
#: The decision a rating of a finished task is kept as (with its `rating`).
RATED = "rated"

_memory: dict[str, InMemoryStore] = {}
_ready: set[str] = set()
_lock = threading.RLock()


def learned_location(db: Database) -> str:
    """Where the learned store of this database lives: beside the checkpoints (SQLite: its
    own file, so the two never contend for one write lock), in the database (PostgreSQL)."""
    location = checkpoint_location(db)
    if not db.is_sqlite or location == ":memory:":
        return location
    head, _, tail = location.rpartition(".checkpoints")
    return f"{head}.learned{tail}"


@contextmanager
def open_learned_store(db: Database) -> Iterator[BaseStore]:
    """The database's learned store, set up on first use (SQLite: a connection for this use;
    PostgreSQL: the Database's pooled store, which stays open)."""
    location = learned_location(db)
    if location == ":memory:":
        with _lock:
            yield _memory.setdefault(db.url, InMemoryStore())
        return
    if db.is_sqlite:
        from langgraph.store.sqlite import SqliteStore

        conn = sqlite3.connect(location, check_same_thread=False, timeout=30, isolation_level=None)
        try:
            sqlite_store = SqliteStore(conn)
            _setup_once(location, sqlite_store)
            yield sqlite_store
        finally:
            conn.close()
        return
    yield _pooled_store(db, location)


#: Connections a Database's learned store keeps to PostgreSQL at most (its calls are short).
POOL_MAX_SIZE = 4

_pooled: weakref.WeakKeyDictionary[Database, BaseStore] = weakref.WeakKeyDictionary()


def _pooled_store(db: Database, location: str) -> BaseStore:
    """The PostgresStore of `db`, on a connection pool opened on first use and closed when
    `db` is disposed."""
    with _lock:
        found = _pooled.get(db)
        if found is not None:
            return found
        from langgraph.store.postgres import PostgresStore
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        # The connection settings PostgresStore.from_conn_string gives its own connections.
        settings = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
        # min_size 0: a pool keeps what it opened (idle ones close after max_idle), but never
        # reconnects in the background to a database that went away.
        # A connection is checked as it is handed out: one the server closed (a restart)
        # is replaced instead of failing the read.
        pool: ConnectionPool[Any] = ConnectionPool(
            location,
            min_size=0,
            max_size=POOL_MAX_SIZE,
            kwargs=settings,
            check=ConnectionPool.check_connection,
            open=True,
        )
        pg_store = PostgresStore(conn=pool)
        try:
            _setup_once(location, pg_store)
        except BaseException:
            pool.close()
            raise
        _pooled[db] = pg_store
        weakref.finalize(db, pool.close)  # a Database dropped without dispose
        db.on_dispose(partial(_close_pool, weakref.ref(db), pool))
        return pg_store


def _close_pool(db: weakref.ref[Database], pool: Any) -> None:
    with _lock:
        disposed = db()
        if disposed is not None:
            _pooled.pop(disposed, None)
    pool.close()


def setup_learned_store(db: Database) -> None:
    """Create the learned store's tables now (once per process and database), at a moment
    when this process holds no open transaction."""
    with open_learned_store(db):
        pass


def _setup_once(location: str, store: Any) -> None:
    with _lock:
        if location not in _ready:
            store.setup()
            _ready.add(location)


def _namespace(org_id: str, category: str, kind: str) -> tuple[str, ...]:
    return ("learned", org_id, category, kind)


@dataclass(frozen=True)
class Learned:
    """One stored item: what it says and where it came from."""

    category: str
    kind: str
    key: str
    value: dict[str, Any]


def record_example(
    db: Database,
    org_id: str,
    category: str,
    *,
    task_id: str,
    original: str,
    edited: str,
    source: str,
) -> None:
    """Keep an output and a person's version of it; `source` says which feedback it was."""
    _put(
        db,
        _namespace(org_id, category, EXAMPLES),
        {"task_id": task_id, "original": original, "edited": edited, "source": source},
    )


def record_decision(
    db: Database, org_id: str, category: str, *, task_id: str, tool: str, decision: str
) -> None:
    """Keep a person's answer (approve, edit, reject, ...) to a side effect of the category."""
    _put(
        db,
        _namespace(org_id, category, DECISIONS),
        {"task_id": task_id, "tool": tool, "decision": decision},
    )


def record_rating(
    db: Database,
    org_id: str,
    category: str,
    *,
    task_id: str,
    rating: int,
    feedback_id: str,
    edited: bool = False,
) -> None:
    """Keep a person's 1-5 rating of a finished task of the category (`edited`: the feedback
    came with a corrected version of the output)."""
    _put(
        db,
        _namespace(org_id, category, DECISIONS),
        {
            "task_id": task_id,
            "tool": "feedback",
            "decision": RATED,
            "rating": rating,
            "edited": edited,
            "feedback_id": feedback_id,
        },
    )


def _put(db: Database, namespace: tuple[str, ...], value: dict[str, Any]) -> None:
    stamped = {**value, "at": datetime.now(UTC).isoformat()}
    with open_learned_store(db) as store:
        store.put(namespace, uuid4().hex, stamped, index=False)


def examples(db: Database, org_id: str, category: str) -> list[dict[str, Any]]:
    """The category's examples, oldest first."""
    return [item.value for item in _items(db, _namespace(org_id, category, EXAMPLES))]


def decisions(db: Database, org_id: str, category: str) -> list[dict[str, Any]]:
    """The category's decisions and ratings, oldest first."""
    return [item.value for item in _items(db, _namespace(org_id, category, DECISIONS))]


def all_learned(db: Database, org_id: str) -> list[Learned]:
    """Everything learned for the organization, by category and kind, oldest first."""
    found: list[Learned] = []
    with open_learned_store(db) as store:
        spaces = store.list_namespaces(prefix=("learned", org_id), max_depth=4, limit=1000)
    for namespace in sorted(spaces):
        for item in _items(db, namespace):
            found.append(Learned(namespace[2], namespace[3], item.key, item.value))
    return found


def forget(db: Database, org_id: str) -> int:
    """Forget everything learned for the organization; how many items were removed."""
    removed = 0
    with open_learned_store(db) as store:
        spaces = store.list_namespaces(prefix=("learned", org_id), max_depth=4, limit=1000)
        for namespace in spaces:
            for item in store.search(namespace, limit=10_000):
                store.delete(namespace, item.key)
                removed += 1
    return removed


def _items(db: Database, namespace: tuple[str, ...]) -> list[Item]:
    with open_learned_store(db) as store:
        items = store.search(namespace, limit=10_000)
    return sorted(items, key=lambda item: (str(item.value.get("at", "")), item.created_at))


#: The text arguments of a side effect whose edits are examples (an email's body, a post).
LEARNED_TEXT_ARGS = ("body", "text", "message", "description")


def learn_from_answer(
    db: Database,
    org_id: str,
    category: str,
    *,
    task_id: str,
    tool: str,
    decision: str,
    proposed: dict[str, Any],
    final: dict[str, Any],
) -> None:
    """Keep a person's answer to a side effect: the decision, and each text they edited as an
    example (an approval with an edit is feedback too)."""
    record_decision(db, org_id, category, task_id=task_id, tool=tool, decision=decision)
    for name in LEARNED_TEXT_ARGS:
        original, edited = proposed.get(name), final.get(name)
        if isinstance(original, str) and isinstance(edited, str) and original != edited:
            source = f"approval of {tool} with an edited {name}"
            record_example(
                db,
                org_id,
                category,
                task_id=task_id,
                original=original,
                edited=edited,
                source=source,
            )
