"""organizations.automation_rules: the organization's default automation rules

Revision ID: org_automation_rules
Revises: 0004
Create Date: 2026-12-01 16:50:00

A JSON object {"rules": [...], "thresholds": {...}} (tools/gate/automation.py validates and
applies it); a task's own automation_rules come before it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "org_automation_rules"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(sa.Column("automation_rules", json_type, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("automation_rules")
