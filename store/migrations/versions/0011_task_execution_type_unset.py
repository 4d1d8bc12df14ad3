"""tasks.execution_type may be unset: the AI chooses it when the task is classified

Revision ID: task_execution_type_unset
Revises: 0010
Create Date: 2026-12-01 17:30:00

A task created without an execution type keeps NULL until its first classification stores
the model's choice (and the task's ai_context records that the AI chose it). Such a task is
runnable, so the queue's partial index (0008) is rebuilt to hold it too (SQLite's batch
mode rebuilds the table, which drops an expression index anyway).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "task_execution_type_unset"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


QUEUE_INDEX = "ix_tasks_executable_queue"
RANK = (
    "CASE WHEN priority = 'urgent' THEN 0 WHEN priority = 'high' THEN 1 "
    "WHEN priority = 'medium' THEN 2 WHEN priority = 'low' THEN 3 ELSE 2 END"
)
AUTOMATED = "execution_type IN ('fully_automated', 'semi_automated')"
#: store/task_queries.py writes the same predicate, so both planners match the index.
RUNNABLE = f"execution_status IN ('pending', 'queued') AND ({AUTOMATED} OR execution_type IS NULL)"


def _queue_index(where: str) -> None:
    op.execute(
        f"CREATE INDEX {QUEUE_INDEX} ON tasks "
        f"(org_id, ({RANK}), (due_date IS NULL), due_date, created_at, id) WHERE {where}"
    )


def upgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {QUEUE_INDEX}")
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column("execution_type", existing_type=sa.String(length=32), nullable=True)
    _queue_index(RUNNABLE)


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {QUEUE_INDEX}")
    op.execute("UPDATE tasks SET execution_type = 'semi_automated' WHERE execution_type IS NULL")
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column("execution_type", existing_type=sa.String(length=32), nullable=False)
    _queue_index(f"execution_status IN ('pending', 'queued') AND {AUTOMATED}")
