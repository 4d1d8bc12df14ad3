"""organizations.budgets: per-organization limits on one run (model calls, tool calls, side effects)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 16:00:00

A JSON object of overrides, e.g. {"side_effects": 5}; a limit not set here takes its default
(tools/gate/budgets.py, from the environment).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(sa.Column("budgets", json_type, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("budgets")
