"""email_triage_decisions: the model's triage of each inbox email, asked once

Revision ID: email_triage_decisions
Revises: sandbox_email_replies
Create Date: 2026-12-01 22:40:00

The autopilot's inbox trigger asks the model whether an unanswered email needs a reply. The
emails it judged unimportant made no task, so nothing recorded the answer and every cycle
asked again about the same message. One row per (org_id, trigger_key) keeps the answer.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "email_triage_decisions"
down_revision: str | Sequence[str] | None = "sandbox_email_replies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "email_triage_decisions"
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
            "decision",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("org_id", "trigger_key", name="uq_email_triage_key"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {TABLE} USING {RULE} WITH CHECK {RULE}")


def downgrade() -> None:
    op.drop_table(TABLE)
