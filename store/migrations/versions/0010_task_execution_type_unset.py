"""tasks.execution_type may be unset: the AI chooses it when the task is classified

Revision ID: task_execution_type_unset
Revises: 0009_run_claims
Create Date: 2026-12-01 17:30:00

A task created without an execution type keeps NULL until its first classification stores
the model's choice (and the task's ai_context records that the AI chose it).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "task_execution_type_unset"
down_revision: str | Sequence[str] | None = "0009_run_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column("execution_type", existing_type=sa.String(length=32), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE tasks SET execution_type = 'semi_automated' WHERE execution_type IS NULL")
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column("execution_type", existing_type=sa.String(length=32), nullable=False)
