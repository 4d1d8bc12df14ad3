"""extracted_task_sources: the tasks a message created, by the message's digest

Revision ID: extracted_task_sources
Revises: task_execution_type_unset
Create Date: 2026-12-01 19:30:00

Finding whether a message was already read is an indexed lookup instead of a scan of recent
tasks' ai_context. The unique (org_id, digest, position) keeps two copies of one message that
arrive at once from both creating its tasks: the second writer's insert fails and its whole
transaction rolls back. Tasks extracted before this migration (their ai_context names the
source's digest) get their rows here, in the order they were created.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import sqlalchemy as sa
from alembic import op

revision: str = "extracted_task_sources"
down_revision: str | Sequence[str] | None = "task_execution_type_unset"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "extracted_task_sources"
POLICY = "tenant_isolation"
SCOPE = "coalesce(current_setting('app.org_id', true), '')"
RULE = f"({SCOPE} = '' OR org_id = {SCOPE})"


def upgrade() -> None:
    sources = op.create_table(
        TABLE,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "org_id",
            sa.String(36),
            sa.ForeignKey("organizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column(
            "task_id", sa.String(36), sa.ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("org_id", "digest", "position", name="uq_extracted_task_sources"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {TABLE} USING {RULE} WITH CHECK {RULE}")
    rows = _existing_sources()
    if rows:
        op.bulk_insert(sources, rows)


def _existing_sources() -> list[dict[str, Any]]:
    """A row for each top-level task whose ai_context names its source's digest."""
    tasks = sa.table(
        "tasks",
        sa.column("id", sa.String),
        sa.column("org_id", sa.String),
        sa.column("parent_task_id", sa.String),
        sa.column("ai_context", sa.JSON),
        sa.column("created_at", sa.DateTime),
    )
    query = (
        sa.select(tasks.c.id, tasks.c.org_id, tasks.c.ai_context)
        .where(tasks.c.parent_task_id.is_(None), tasks.c.ai_context.is_not(None))
        .order_by(tasks.c.created_at, tasks.c.id)
    )
    positions: dict[tuple[str, str], int] = {}
    rows: list[dict[str, Any]] = []
    now = datetime.now(UTC)
    for task_id, org_id, context in op.get_bind().execute(query):
        source = context.get("source") if isinstance(context, dict) else None
        digest = source.get("digest") if isinstance(source, dict) else None
        if not isinstance(digest, str) or not digest:
            continue
        position = positions.get((org_id, digest), 0)
        positions[(org_id, digest)] = position + 1
        rows.append(
            {
                "id": str(uuid4()),
                "org_id": org_id,
                "digest": digest,
                "position": position,
                "task_id": task_id,
                "created_at": now,
            }
        )
    return rows


def downgrade() -> None:
    op.drop_table(TABLE)
