"""The checkpointer factory: LangGraph checkpoints in the same database family as the store.

SQLite stores checkpoints in a file beside the store's (`<name>.checkpoints.db`) so the two
never contend for one write lock; PostgreSQL keeps them in the same database.

Secrets never reach a checkpoint: the serializer takes them out of every value it writes
(checkpoints and pending writes: messages, errors, state), and the savers take them out of
the plain strings PostgreSQL keeps inline in the checkpoint row (store.redaction).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from sqlalchemy.engine import make_url

from store.db import Database
from store.redaction import contains_secret, redact_bytes, redact_value


class RedactingSerializer(JsonPlusSerializer):
    """LangGraph's serializer, with secrets taken out of what it writes.

    The common case costs one scan of the serialized bytes. When a secret is there, the value
    is redacted and serialized again; anything the walk cannot reach is overwritten in the
    bytes with '*' of the same length (msgpack frames stay valid)."""

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        type_, data = super().dumps_typed(obj)
        if not contains_secret(data):
            return type_, data
        type_, data = super().dumps_typed(redact_value(obj))
        return type_, redact_bytes(data)


def _redacted_checkpoint(checkpoint: Any) -> Any:
    values = checkpoint.get("channel_values") or {}
    clean = {k: redact_value(v) if isinstance(v, str) else v for k, v in values.items()}
    if all(clean[k] is values[k] for k in values):
        return checkpoint
    return {**checkpoint, "channel_values": clean}


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


class _AsyncInThreads:
    """A sync saver's async methods, each the sync one run in a thread: for a worker fleet,
    where the event loop must never wait on the database (mixed in before the saver)."""

    async def aget_tuple(self, config: Any) -> Any:
        return await asyncio.to_thread(self.get_tuple, config)  # type: ignore[attr-defined]

    async def alist(self, config: Any, **kwargs: Any) -> Any:
        rows = await asyncio.to_thread(lambda: list(self.list(config, **kwargs)))  # type: ignore[attr-defined]
        for item in rows:
            yield item

    async def aput(self, config: Any, checkpoint: Any, metadata: Any, versions: Any) -> Any:
        return await asyncio.to_thread(self.put, config, checkpoint, metadata, versions)  # type: ignore[attr-defined]

    async def aput_writes(
        self, config: Any, writes: Any, task_id: str, task_path: str = ""
    ) -> None:
        await asyncio.to_thread(self.put_writes, config, writes, task_id, task_path)  # type: ignore[attr-defined]

    async def adelete_thread(self, thread_id: str) -> None:
        await asyncio.to_thread(self.delete_thread, thread_id)  # type: ignore[attr-defined]


@contextmanager
def open_checkpointer(
    db: Database, *, threaded: bool = False, pool_size: int = 10
) -> Iterator[Any]:
    """A ready checkpointer (SqliteSaver or PostgresSaver), set up and closed for you;
    `threaded`: one whose async methods run the sync ones in threads; `pool_size`: its
    connections on PostgreSQL (as many operations run at once)."""
    location = checkpoint_location(db)
    if db.is_sqlite:
        from langgraph.checkpoint.sqlite import SqliteSaver

        class ThreadedSqliteSaver(_AsyncInThreads, SqliteSaver):  # type: ignore[misc]
            """SqliteSaver's async methods, each the sync one run in a thread."""

        saver_class = ThreadedSqliteSaver if threaded else SqliteSaver
        conn = sqlite3.connect(location, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        # As the store's (store.db): a commit survives the process dying; in WAL mode only a
        # power loss can undo the last ones, and not the database's consistency.
        conn.execute("PRAGMA synchronous=NORMAL")
        try:
            saver = saver_class(conn, serde=RedactingSerializer())
            saver.setup()
            yield saver
        finally:
            conn.close()
    else:
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        from store.pg_checkpoint_writes import put_checkpoint, put_checkpoint_writes

        class _RedactingPostgresSaver(PostgresSaver):
            """Plain strings of a checkpoint are stored inline, past the serializer; each
            write is one statement (store.pg_checkpoint_writes)."""

            def put(self, config: Any, checkpoint: Any, metadata: Any, new_versions: Any) -> Any:
                checkpoint = _redacted_checkpoint(checkpoint)
                saved = put_checkpoint(self, config, checkpoint, metadata, new_versions)
                if saved is None:
                    saved = super().put(config, checkpoint, metadata, new_versions)
                return saved

            def put_writes(
                self, config: Any, writes: Any, task_id: str, task_path: str = ""
            ) -> None:
                if not put_checkpoint_writes(self, config, writes, task_id, task_path):
                    super().put_writes(config, writes, task_id, task_path)

        class ThreadedPostgresSaver(_AsyncInThreads, _RedactingPostgresSaver):  # type: ignore[misc]
            """The PostgresSaver's async methods, each the sync one run in a thread."""

        size = max(pool_size, 2)
        with ConnectionPool(
            location,
            # A fleet's opened first: a pool that grows on demand adds one connection at a
            # time while its first runs queue for them.
            min_size=size if threaded else 1,
            max_size=size,
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
            open=True,
        ) as pool:
            saver_class_pg = ThreadedPostgresSaver if threaded else _RedactingPostgresSaver
            pg_saver = saver_class_pg(pool, serde=RedactingSerializer())  # type: ignore[arg-type]
            # The saver takes one lock around every operation, also when each operation checks
            # out a connection of its own from a pool (langgraph#7259): every run's checkpoint
            # writes queued behind it. The pool is what bounds them.
            pg_saver.lock = threading.BoundedSemaphore(size)  # type: ignore[assignment]
            pg_saver.setup()
            pool.wait(timeout=60)
            # The learned store's first set-up builds an index CONCURRENTLY, which waits for
            # every open transaction: done here, before runs open any, and never again later
            # from inside one (where it would wait on its own caller forever).
            from store.learned import setup_learned_store

            setup_learned_store(db)
            yield pg_saver


@asynccontextmanager
async def open_async_checkpointer(db: Database, *, pool_size: int = 10) -> AsyncIterator[Any]:
    """The checkpointer of a worker fleet, opened and closed from its event loop
    (graphs.async_runner; its runs `invoke` the graph in threads): the sync saver of
    `open_checkpointer`, whose async methods (for `ainvoke`) run the sync ones in threads,
    on PostgreSQL with up to `pool_size` connections (one per run in flight keeps them from
    queueing).

    Why not AsyncSqliteSaver: it holds its lock across several event-loop turns per write,
    and with 50 runs in flight its writes queued for hundreds of ms each
    (benchmarks/worker_fleet.py: 13.2 s against 11.2 s for 200 tasks). Why not
    AsyncPostgresSaver: its work runs on the event loop, which every run in flight shares; in
    threads, the worker spent a quarter less CPU per task (and with a semaphore in place of
    its one lock it still cost more: 9-11 ms against 8 ms of CPU per run of a three-step graph,
    50 in flight). Why not one writer thread committing the writes queued meanwhile together:
    in a fleet they arrive a pair at a time (a step's writes, then its checkpoint), so it saved
    little CPU and the one writer made every run wait its turn (wall time 10% longer)."""
    context = open_checkpointer(db, threaded=True, pool_size=pool_size)
    saver = await asyncio.to_thread(context.__enter__)
    try:
        yield saver
    except BaseException as exc:
        if not await asyncio.to_thread(context.__exit__, type(exc), exc, exc.__traceback__):
            raise
    else:
        await asyncio.to_thread(context.__exit__, None, None, None)
