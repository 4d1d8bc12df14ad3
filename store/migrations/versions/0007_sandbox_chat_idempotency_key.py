"""the sandbox chat keeps each post's idempotency key (as Slack keeps message metadata)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 16:30:00

A run that died mid-post finds out whether its message went out by looking for the key in
the channel's log, as it does in Slack's history.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sandbox_chat_messages") as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_sandbox_chat_idempotency_key", ["org_id", "idempotency_key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sandbox_chat_messages") as batch_op:
        batch_op.drop_index("ix_sandbox_chat_idempotency_key")
        batch_op.drop_column("idempotency_key")
