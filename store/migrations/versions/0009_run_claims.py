"""run claims: owner, lease, fencing token and next attempt time on each task

Revision ID: 0009_run_claims
Revises: 0008
Create Date: 2026-12-01 16:10:00

A run claims its task before it starts (store/claims.py): `claim_owner` and
`lease_expires_at` say who runs it and until when, `claim_token` grows on every claim so a
stale owner's writes are refused, and `next_attempt_at` holds a re-queued task back until its
backoff has passed. The index serves the workers' search for expired leases.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_run_claims"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_owner", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("claim_token", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_tasks_org_lease", ["org_id", "execution_status", "lease_expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_org_lease")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("lease_expires_at")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claim_token")
        batch_op.drop_column("claim_owner")
