"""autopilot_triggers: one row per proactive task, keyed by what triggered it; the sandbox
calendar's event organizer

Revision ID: 0010
Revises: 0009_run_claims
Create Date: 2026-12-01 17:40:00

The unique (org_id, trigger_key) is what keeps one trigger from ever creating the same task
twice, however often or concurrently the autopilot runs: the task and its trigger row are
written in one transaction, and the second writer's insert fails. sandbox_events.organizer
is the address of whoever organised an event (NULL: the organization's own user).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009_run_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "autopilot_triggers"
POLICY = "tenant_isolation"
SCOPE = "coalesce(current_setting('app.org_id', true), '')"
RULE = f"({SCOPE} = '' OR org_id = {SCOPE})"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "org_id",
            sa.String(36),
            sa.ForeignKey("organizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("trigger_key", sa.String(500), nullable=False),
        sa.Column(
            "task_id", sa.String(36), sa.ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("org_id", "trigger_key", name="uq_autopilot_triggers_key"),
    )
    with op.batch_alter_table("sandbox_events") as batch:
        batch.add_column(sa.Column("organizer", sa.String(320), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {TABLE} USING {RULE} WITH CHECK {RULE}")


def downgrade() -> None:
    with op.batch_alter_table("sandbox_events") as batch:
        batch.drop_column("organizer")
    op.drop_table(TABLE)
