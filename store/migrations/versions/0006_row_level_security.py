"""row-level security on every tenant table (PostgreSQL; nothing on SQLite)

Revision ID: 0006
Revises: org_automation_rules
Create Date: 2026-12-01 16:10:00

Every table with an org_id column gets one policy, `tenant_isolation`: a transaction that
names its organization (store.db sets `app.org_id` with set_config(..., true), i.e. SET
LOCAL) reads and writes only that organization's rows, whatever its query says. FORCE ROW
LEVEL SECURITY makes the policy bind the tables' owner too, so the application may connect
as the role that ran the migrations as long as that role is not superuser or BYPASSRLS
(README: "PostgreSQL"). A transaction that names no organization (migrations, the API-key
lookup, the worker's scan of every organization's queue) is not narrowed.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "org_automation_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = (
    "api_keys",
    "tasks",
    "feedback",
    "side_effects",
    "idempotent_requests",
    "sandbox_emails",
    "sandbox_events",
    "sandbox_chat_messages",
)
POLICY = "tenant_isolation"
# NULL (never set in this connection) or '' (set, then its transaction ended) mean "no
# organization named"; anything else must equal the row's org_id.
SCOPE = "coalesce(current_setting('app.org_id', true), '')"
RULE = f"({SCOPE} = '' OR org_id = {SCOPE})"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {table} USING {RULE} WITH CHECK {RULE}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
