"""PostgreSQL: a worker's batch claim as one statement, sent in autocommit.

`UPDATE tasks ... FROM picked ... RETURNING` where `picked` is the queue's two scans
(store.queue: stranded runs, then fresh tasks, each `FOR UPDATE SKIP LOCKED` on its own index)
merged in urgency order and cut to the batch: the pick, the claim and its commit in one round
trip, instead of BEGIN, two SELECTs, the UPDATE and COMMIT. Rows another worker is claiming are
skipped as before; the UPDATE checks once more that each picked row is runnable.

Sent through the psycopg connection (Database.autocommit): SQLAlchemy's execution and result
handling of the returned rows cost more client CPU than the statement itself. The SQL is
SQLAlchemy's own rendering of the statement, built once; returned values are processed by
the model's types as SQLAlchemy would.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, bindparam, select, union_all, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError

from store.db import Database
from store.models import UTCDateTime
from store.queue import NOW, fresh_filter, runnable_filter, stranded_filter, urgency_order
from store.task_rows import TASKS

#: The statement's parameters besides the constants SQLAlchemy rendered into it.
_GIVEN = ("org_id", "now", "until", "owner", "limit")
_DIALECT = postgresql.psycopg.dialect()  # type: ignore[attr-defined]


def _pick(condition: Any, name: str) -> Any:
    """One scan of the queue, locked and skipping rows others hold (a materialized CTE: it
    runs once, as its index serves it)."""
    return (
        select(TASKS.c.id, TASKS.c.priority, TASKS.c.due_date, TASKS.c.created_at)
        .where(TASKS.c.org_id == bindparam("org_id", type_=String), condition)
        .order_by(*urgency_order())
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
        .cte(name)
        .prefix_with("MATERIALIZED")
    )


def claim_values() -> dict[str, Any]:
    """What a claim sets on each row it takes (parameters `owner` and `until`): its owner, a
    fencing token one higher, its start and lease, and a new version of the row."""
    return {
        "claim_owner": bindparam("owner", type_=String),
        "claim_token": TASKS.c.claim_token + 1,
        "claimed_at": NOW,
        "lease_expires_at": bindparam("until", type_=TASKS.c.lease_expires_at.type),
        "version": TASKS.c.version + 1,
        "updated_at": NOW,
    }


def _statement(stranded_only: bool) -> tuple[str, dict[str, Any]]:
    """The claim's SQL for psycopg and its constant parameters."""
    scans = [_pick(stranded_filter(NOW), "stranded")]
    if not stranded_only:
        scans.append(_pick(fresh_filter(NOW), "fresh"))
    both = union_all(*(select(scan) for scan in scans)).subquery("picked_rows")
    picked = (
        select(both.c.id)
        .order_by(*urgency_order(both.c))
        .limit(bindparam("limit", type_=Integer))
        .cte("picked")
    )
    statement = (
        update(TASKS)
        .where(TASKS.c.id == picked.c.id, runnable_filter(NOW))
        .values(claim_values())
        .returning(*TASKS.c)
    )
    compiled = statement.compile(dialect=_DIALECT)
    expanded = compiled.construct_expanded_state(dict.fromkeys(_GIVEN))
    constants = {k: v for k, v in expanded.parameters.items() if k not in _GIVEN}
    return str(expanded.statement), constants


_STATEMENTS = {only: _statement(only) for only in (False, True)}
_NAMES = [c.name for c in TASKS.c]
#: Timestamps are read back in UTC, as the model's type reads them; psycopg gives every
#: other column as SQLAlchemy would (jsonb decoded, double precision as float).
_TIME = UTCDateTime()
_TIMES = [n for n, c in enumerate(TASKS.c) if isinstance(c.type, UTCDateTime)]


def claim_rows(
    db: Database,
    org_id: str,
    owner: str,
    *,
    now: datetime,
    until: datetime,
    limit: int,
    stranded_only: bool = False,
) -> list[dict[str, Any]]:
    """Claim up to `limit` runnable tasks for `owner` (lease until `until`) in one autocommit
    statement; each claimed row as a dict of every column, in no particular order."""
    from psycopg import Error

    sql, constants = _STATEMENTS[stranded_only]
    params = {
        **constants,
        "org_id": org_id,
        "now": _TIME.process_bind_param(now, _DIALECT),
        "until": _TIME.process_bind_param(until, _DIALECT),
        "owner": owner,
        "limit": limit,
    }
    with db.autocommit(org_id) as driver:
        try:
            with driver.cursor() as cursor:
                cursor.execute(sql, params)
                fetched = cursor.fetchall()
        except Error as exc:
            raise DBAPIError.instance(sql, params, exc, Error) from exc
    rows = []
    for values in fetched:
        processed = list(values)
        for n in _TIMES:
            processed[n] = _TIME.process_result_value(processed[n], _DIALECT)
        rows.append(dict(zip(_NAMES, processed, strict=True)))
    return rows
