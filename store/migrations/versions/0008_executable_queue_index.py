"""a partial index in queue order for get_executable_tasks (SQLite and PostgreSQL)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 16:45:00

ix_tasks_org_executable (0002) finds the runnable tasks but not in the order the queue
wants: the sort key ranks priorities with a CASE, and the filter takes two statuses and
two types, so the database read and sorted every runnable task to return the first 100
(hundreds of milliseconds at 1,000,000 tasks). This index holds only runnable automated
tasks, already in queue order (organization, priority rank, due date with NULLs last, age,
id), so the query reads its first 100 entries and stops. store/task_queries.py writes the
same literal expressions, which is what lets both planners match them.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_tasks_executable_queue"
RANK = (
    "CASE WHEN priority = 'urgent' THEN 0 WHEN priority = 'high' THEN 1 "
    "WHEN priority = 'medium' THEN 2 WHEN priority = 'low' THEN 3 ELSE 2 END"
)
RUNNABLE = (
    "execution_status IN ('pending', 'queued') "
    "AND execution_type IN ('fully_automated', 'semi_automated')"
)


def upgrade() -> None:
    op.execute(
        f"CREATE INDEX {NAME} ON tasks "
        f"(org_id, ({RANK}), (due_date IS NULL), due_date, created_at, id) WHERE {RUNNABLE}"
    )


def downgrade() -> None:
    op.execute(f"DROP INDEX {NAME}")
