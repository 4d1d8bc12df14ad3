"""unscoped_sees_no_tenant_rows: a transaction must name its organization

Revision ID: unscoped_sees_no_tenant_rows
Revises: email_triage_decisions
Create Date: 2026-12-01 22:30:00

Until now a transaction that named no organization (`app.org_id` unset or '') saw every
organization's rows, so a query that forgot its org_id filter there leaked. Now every tenant
table's `tenant_isolation` policy shows such a transaction nothing; `'*'`
(store.db.ALL_ORGANIZATIONS, named on purpose by the API-key lookup, finding an organization
by name, and the tests' own queries) sees every organization; any other value sees
only that organization's rows. A later migration that reads or writes tenant rows names
every organization first: `op.execute("SELECT set_config('app.org_id', '*', true)")` (DDL is
not narrowed); the earlier ones ran under the old rule, where naming none saw them all.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "unscoped_sees_no_tenant_rows"
down_revision: str | Sequence[str] | None = "email_triage_decisions"
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
    "autopilot_triggers",
    "extracted_task_sources",
    "email_triage_decisions",
)
POLICY = "tenant_isolation"
SCOPE = "coalesce(current_setting('app.org_id', true), '')"
NAMED_ORGANIZATION_ONLY = f"({SCOPE} = '*' OR org_id = {SCOPE})"
UNSCOPED_SEES_ALL = f"({SCOPE} = '' OR org_id = {SCOPE})"


def _set_rule(rule: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        op.execute(f"ALTER POLICY {POLICY} ON {table} USING {rule} WITH CHECK {rule}")


def upgrade() -> None:
    _set_rule(NAMED_ORGANIZATION_ONLY)


def downgrade() -> None:
    _set_rule(UNSCOPED_SEES_ALL)
