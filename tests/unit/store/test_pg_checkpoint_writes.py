"""PostgreSQL checkpoint writes in one statement (store.pg_checkpoint_writes): what they store
reads back exactly as what LangGraph's own PostgresSaver stores."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.postgres import PostgresSaver

from store.checkpoints import open_checkpointer
from store.db import Database


@pytest.fixture
def savers(pg_db: Database) -> Iterator[tuple[Any, PostgresSaver]]:
    """Ours (open_checkpointer's) and the stock saver, on the same connections."""
    with open_checkpointer(pg_db) as ours:
        yield ours, PostgresSaver(ours.conn, serde=ours.serde)


def _config(thread: str, checkpoint_id: str | None = None) -> Any:
    configurable = {"thread_id": thread, "checkpoint_ns": ""}
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


def _checkpoint(step: int) -> Any:
    checkpoint = empty_checkpoint()
    checkpoint["channel_values"] = {
        "task_id": "task-1",
        "attempt": step,
        "done": False,
        "nothing": None,
        "messages": [HumanMessage("Summarize the notes"), AIMessage(f"take {step}")],
        "outcome": {"status": "classified", "confidence": 0.9},
    }
    checkpoint["channel_versions"] = {
        k: f"{step}" for k in ("task_id", "attempt", "messages", "outcome", "gone")
    }
    return checkpoint


def _save(saver: Any, thread: str) -> Any:
    """Two checkpoints, the second a child of the first; a channel versioned without a value
    ("gone") is stored as the stock saver stores it (an empty blob)."""
    versions = {"task_id": "1", "attempt": "1", "messages": "1", "outcome": "1", "gone": "1"}
    first = saver.put(_config(thread), _checkpoint(1), {"source": "input", "step": -1}, versions)
    second = saver.put(first, _checkpoint(2), {"source": "loop", "step": 0}, {"messages": "2"})
    return second


def _read(stock: PostgresSaver, thread: str, checkpoint_id: str | None = None) -> Any:
    saved = stock.get_tuple(_config(thread, checkpoint_id))
    assert saved is not None
    return saved


def test_a_checkpoint_reads_back_as_the_stock_savers_own(savers: Any) -> None:
    ours, stock = savers
    _save(ours, "ours")
    _save(stock, "stock")

    mine, theirs = _read(stock, "ours"), _read(stock, "stock")

    assert mine.checkpoint["channel_values"] == theirs.checkpoint["channel_values"]
    assert mine.checkpoint["channel_versions"] == theirs.checkpoint["channel_versions"]
    assert mine.metadata == theirs.metadata
    assert mine.parent_config is not None and theirs.parent_config is not None
    parent = mine.parent_config["configurable"]["checkpoint_id"]
    assert _read(stock, "ours", parent).checkpoint["channel_values"]["messages"][1].content == (
        "take 1"
    )


def test_a_checkpoint_with_its_blobs_is_one_statement(
    savers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, _ = savers
    statements: list[str] = []
    execute, executemany = psycopg.Cursor.execute, psycopg.Cursor.executemany

    def counted(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        statements.append(str(query))
        return execute(self, query, *args, **kwargs)

    def counted_many(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        statements.append(str(query))
        return executemany(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counted)
    monkeypatch.setattr(psycopg.Cursor, "executemany", counted_many)

    saved = ours.put(_config("t"), _checkpoint(1), {}, {"messages": "1", "outcome": "1"})
    ours.put_writes(saved, [("outcome", {"status": "done"}), ("messages", [])], "task-a")

    assert len(statements) == 2
    assert "checkpoint_blobs" in statements[0] and "INSERT INTO checkpoints" in statements[0]
    assert "checkpoint_writes" in statements[1]


def test_a_steps_writes_read_back_as_the_stock_savers_own(savers: Any) -> None:
    ours, stock = savers
    for saver, thread in ((ours, "ours"), (stock, "stock")):
        saved = saver.put(_config(thread), _checkpoint(1), {}, {"messages": "1"})
        saver.put_writes(saved, [("outcome", {"status": "done"}), ("attempt", 2)], "task-a")
        saver.put_writes(saved, [("__error__", "first failure")], "task-b")

    mine, theirs = _read(stock, "ours"), _read(stock, "stock")

    assert mine.pending_writes == theirs.pending_writes
    assert [w[1] for w in mine.pending_writes] == ["outcome", "attempt", "__error__"]


def test_a_retried_steps_writes_keep_the_first_and_special_channels_the_last(
    savers: Any,
) -> None:
    # As the stock saver: a step run again does not replace its writes, except the special
    # channels' (an error, an interrupt), which say what happened last.
    ours, stock = savers
    for saver, thread in ((ours, "ours"), (stock, "stock")):
        saved = saver.put(_config(thread), _checkpoint(1), {}, {})
        saver.put_writes(saved, [("outcome", "first")], "task-a")
        saver.put_writes(saved, [("outcome", "second")], "task-a")
        saver.put_writes(saved, [("__error__", "first failure")], "task-b")
        saver.put_writes(saved, [("__error__", "second failure")], "task-b")

    mine, theirs = _read(stock, "ours"), _read(stock, "stock")

    assert mine.pending_writes == theirs.pending_writes
    assert [w[2] for w in mine.pending_writes] == ["first", "second failure"]
