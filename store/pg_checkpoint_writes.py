"""A PostgreSQL checkpoint write in one statement: one round trip instead of a pipeline.

LangGraph's PostgresSaver writes a checkpoint as a pipeline (its blobs with executemany, then
the checkpoint row) and a step's writes likewise: several waits on the socket each, and in a
worker fleet every wait is a turn to win the interpreter lock back among the runs in flight.
Here each is one statement on the saver's own tables and conflict rules (the blobs in a
data-modifying CTE before the saver's own checkpoint upsert, the writes from arrays with
`unnest`), so
it is still atomic, and it costs about a third less client CPU (benchmarks/worker_fleet.py:
0.87 -> 0.63 ms a checkpoint, 1.11 -> 0.76 ms a step's writes, 50 runs in flight).

Anything these statements do not cover goes to the stock methods (`None` is returned): a
saver bound to one pipelined connection, and delta channels (their snapshots have their own
encoding).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langgraph.checkpoint.base import get_serializable_checkpoint_metadata
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.postgres.base import WRITES_IDX_MAP
from psycopg.types.json import Jsonb

try:  # the stock saver's marker for a delta channel's value (a private class)
    from langgraph.checkpoint.serde.types import _DeltaSnapshot

    DELTA_SNAPSHOT: type | None = _DeltaSnapshot
except ImportError:  # pragma: no cover - a LangGraph without it writes no such values
    DELTA_SNAPSHOT = None

PLAIN = (str, int, float, bool)
"""Values the stock saver keeps inline in the checkpoint row (and None)."""

_BLOBS = """
WITH blobs AS (
    INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
    SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[],
                         %s::bytea[])
    ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING
)"""
"""The blobs of a checkpoint, written by the statement that upserts it (the stock saver's
UPSERT_CHECKPOINTS_SQL follows)."""

_WRITES = """
INSERT INTO checkpoint_writes
    (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, blob)
SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::int[],
                     %s::text[], %s::text[], %s::bytea[])
ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
"""
#: As the stock saver: writes of the special channels (errors, interrupts, ...) replace what
#: a retried step wrote before; other writes keep the first.
_WRITES_REPLACE = _WRITES + (
    "DO UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob"
)
_WRITES_KEEP = _WRITES + "DO NOTHING"


def put_checkpoint(
    saver: PostgresSaver,
    config: Any,
    checkpoint: Any,
    metadata: Any,
    new_versions: Any,
) -> Any | None:
    """Save `checkpoint` as PostgresSaver.put does, in one statement; its next config, or
    None when the stock method must do it."""
    values = checkpoint["channel_values"]
    if saver.pipe is not None or (
        DELTA_SNAPSHOT is not None and any(isinstance(v, DELTA_SNAPSHOT) for v in values.values())
    ):
        return None
    configurable = config["configurable"]
    thread_id = configurable["thread_id"]
    checkpoint_ns = configurable["checkpoint_ns"]
    inline = {k: v for k, v in values.items() if v is None or isinstance(v, PLAIN)}
    blob_values = {k: v for k, v in values.items() if k not in inline}
    row = (
        thread_id,
        checkpoint_ns,
        checkpoint["id"],
        configurable.get("checkpoint_id"),
        Jsonb({**checkpoint, "channel_values": inline}),
        Jsonb(get_serializable_checkpoint_metadata(config, metadata)),
    )
    blob_versions = {k: v for k, v in new_versions.items() if k in blob_values}
    sql, params = saver.UPSERT_CHECKPOINTS_SQL, row
    if blob_versions:
        blobs = saver._dump_blobs(thread_id, checkpoint_ns, blob_values, blob_versions)
        sql, params = _BLOBS + sql, (*_columns(blobs, 6), *row)
    with saver._cursor() as cur:
        cur.execute(sql, params)
    return {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": checkpoint_ns,
            "checkpoint_id": checkpoint["id"],
        }
    }


def put_checkpoint_writes(
    saver: PostgresSaver,
    config: Any,
    writes: Sequence[tuple[str, Any]],
    task_id: str,
    task_path: str,
) -> bool:
    """Store a step's writes as PostgresSaver.put_writes does, in one statement; False when
    the stock method must do it."""
    if saver.pipe is not None:
        return False
    if not writes:
        return True
    configurable = config["configurable"]
    rows = saver._dump_writes(
        configurable["thread_id"],
        configurable["checkpoint_ns"],
        configurable["checkpoint_id"],
        task_id,
        task_path,
        writes,
    )
    replace = all(channel in WRITES_IDX_MAP for channel, _ in writes)
    with saver._cursor() as cur:
        cur.execute(_WRITES_REPLACE if replace else _WRITES_KEEP, _columns(rows, 9))
    return True


def _columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Rows as columns, for `unnest`."""
    return [[row[i] for row in rows] for i in range(width)]
