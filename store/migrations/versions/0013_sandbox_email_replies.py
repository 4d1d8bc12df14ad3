"""sandbox_email_replies: the Message-ID a sandbox message answers (its In-Reply-To)

Revision ID: sandbox_email_replies
Revises: extracted_task_sources
Create Date: 2026-12-01 20:50:00

A reply sent in the sandbox names the email it answers, as Gmail's threadId and In-Reply-To
do, so the autopilot's "answered?" check finds it whatever its subject became.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sandbox_email_replies"
down_revision: str | Sequence[str] | None = "extracted_task_sources"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "sandbox_emails",
        sa.Column("in_reply_to", sa.String(200), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_column("sandbox_emails", "in_reply_to")
