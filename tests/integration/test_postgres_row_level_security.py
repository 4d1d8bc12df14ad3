"""Row-level security: a transaction that names its organization sees and writes only its
organization's rows on every tenant table, even when a query forgets the org_id filter; one
that names none sees no tenant rows; ALL_ORGANIZATIONS, named on purpose, sees them all."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import DBAPIError

from store.db import ALL_ORGANIZATIONS, Database
from store.models import (
    ApiKey,
    AutopilotTrigger,
    Base,
    EmailTriageDecision,
    ExtractedTaskSource,
    Feedback,
    IdempotentRequest,
    SandboxChatMessage,
    SandboxEmail,
    SandboxEvent,
    SideEffect,
    Task,
    new_id,
)
from store.orgs import ensure_organization

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

NOON = datetime(2030, 1, 1, 12, tzinfo=UTC)

#: One row of each tenant table for an organization (the task is the feedback's subject).
ROWS: dict[str, Callable[[str, str], Base]] = {
    "api_keys": lambda org, task: ApiKey(org_id=org, prefix="dk_", key_hash=new_id()),
    "tasks": lambda org, task: Task(org_id=org, title="another task"),
    "feedback": lambda org, task: Feedback(org_id=org, task_id=task, rating=5),
    "side_effects": lambda org, task: SideEffect(key=new_id(), org_id=org, tool="send_email"),
    "idempotent_requests": lambda org, task: IdempotentRequest(
        org_id=org, route="POST /api/tasks", key=new_id(), fingerprint="f", created_at=NOON
    ),
    "sandbox_emails": lambda org, task: SandboxEmail(org_id=org, folder="sent"),
    "sandbox_events": lambda org, task: SandboxEvent(
        org_id=org, event_id=new_id(), start=NOON, end=NOON
    ),
    "sandbox_chat_messages": lambda org, task: SandboxChatMessage(
        org_id=org, channel="C1", ts="1.0"
    ),
    "autopilot_triggers": lambda org, task: AutopilotTrigger(
        org_id=org, trigger_key=new_id(), task_id=task
    ),
    "email_triage_decisions": lambda org, task: EmailTriageDecision(
        org_id=org, trigger_key=new_id(), decision={"important": False}
    ),
    "extracted_task_sources": lambda org, task: ExtractedTaskSource(
        org_id=org, digest=new_id(), position=0, task_id=task
    ),
}


def _two_organizations(db: Database) -> tuple[str, str]:
    """Organizations a and b, each with one row in every tenant table."""
    with db.session() as session:
        orgs = [ensure_organization(session, name).id for name in ("a", "b")]
    for org in orgs:
        with db.session(org) as session:
            task = Task(org_id=org, title="the task rated")
            session.add(task)
            session.flush()
            session.add_all(make(org, task.id) for make in ROWS.values())
    return orgs[0], orgs[1]


def _org_ids_seen(db: Database, org: str, table: str) -> list[str]:
    """Every org_id an unfiltered SELECT on `table` returns inside org's transaction."""
    with db.session(org) as session:
        return list(session.scalars(text(f"SELECT DISTINCT org_id FROM {table}")))


@pytest.mark.parametrize("table", sorted(ROWS))
def test_a_query_without_an_organization_filter_sees_only_its_organization(
    pg_db: Database, table: str
) -> None:
    org_a, org_b = _two_organizations(pg_db)

    assert _org_ids_seen(pg_db, org_a, table) == [org_a]
    assert _org_ids_seen(pg_db, org_b, table) == [org_b]


def test_the_same_query_fails_once_the_policy_is_dropped(pg_db: Database) -> None:
    org_a, _ = _two_organizations(pg_db)
    with pg_db.engine.begin() as conn:  # the owner may drop it; the test must notice
        conn.exec_driver_sql("DROP POLICY tenant_isolation ON tasks")
        conn.exec_driver_sql("ALTER TABLE tasks DISABLE ROW LEVEL SECURITY")

    assert _org_ids_seen(pg_db, org_a, "tasks") != [org_a]


def test_every_table_with_an_org_id_has_the_tenant_policy_forced(pg_db: Database) -> None:
    tenant_tables = {name for name, table in Base.metadata.tables.items() if "org_id" in table.c}
    with pg_db.engine.connect() as conn:
        protected = set(
            conn.scalars(
                text(
                    "SELECT c.relname FROM pg_class c JOIN pg_policies p "
                    "ON p.tablename = c.relname AND p.policyname = 'tenant_isolation' "
                    "WHERE c.relrowsecurity AND c.relforcerowsecurity"
                )
            )
        )
    assert tenant_tables == set(ROWS)
    assert tenant_tables <= protected


def test_writing_a_row_of_another_organization_is_refused(pg_db: Database) -> None:
    org_a, org_b = _two_organizations(pg_db)

    with pytest.raises(DBAPIError, match="row-level security"), pg_db.session(org_a) as session:
        session.add(Task(org_id=org_b, title="smuggled"))

    with pg_db.session() as session:
        titles = session.scalars(select(Task.title).where(Task.org_id == org_b)).all()
    assert "smuggled" not in titles


def test_an_update_without_an_organization_filter_changes_only_its_organization(
    pg_db: Database,
) -> None:
    org_a, _ = _two_organizations(pg_db)

    with pg_db.session(org_a) as session:
        session.execute(text("UPDATE tasks SET title = 'renamed'"))

    with pg_db.session() as session:
        renamed = session.scalars(
            select(Task.org_id).where(Task.title == "renamed").distinct()
        ).all()
        total = session.scalar(select(func.count()).select_from(Task))
    assert renamed == [org_a]
    assert total == 4


def test_the_application_role_cannot_bypass_row_level_security(pg_db: Database) -> None:
    with pg_db.engine.connect() as conn:
        role = conn.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).one()
    assert (role.rolsuper, role.rolbypassrls) == (False, False)


@pytest.mark.parametrize("table", sorted(ROWS))
def test_a_transaction_that_names_no_organization_sees_no_tenant_rows(
    pg_db: Database, table: str
) -> None:
    _two_organizations(pg_db)

    with pg_db.engine.begin() as conn:  # around Database.session, which would refuse it
        assert conn.scalar(text(f"SELECT count(*) FROM {table}")) == 0


def test_a_transaction_that_names_no_organization_cannot_write_tenant_rows(
    pg_db: Database,
) -> None:
    org_a, _ = _two_organizations(pg_db)

    with pytest.raises(DBAPIError, match="row-level security"), pg_db.engine.begin() as conn:
        conn.execute(Task.__table__.insert().values(id=new_id(), org_id=org_a, title="unnamed"))
    with pg_db.engine.begin() as conn:
        assert conn.execute(text("UPDATE tasks SET title = 'renamed'")).rowcount == 0


@pytest.mark.parametrize("table", sorted(ROWS))
def test_all_organizations_named_on_purpose_sees_every_organization(
    pg_db: Database, table: str
) -> None:
    org_a, org_b = _two_organizations(pg_db)

    assert sorted(_org_ids_seen(pg_db, ALL_ORGANIZATIONS, table)) == sorted([org_a, org_b])


# A connection keeps its organization for the next transaction that asks for the same one
# (store.db): these check that it never carries it into a use that asks for another or none.


def _backend(conn: Connection) -> int:
    return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _org_ids_in(conn: Connection) -> set[str]:
    return set(conn.scalars(text("SELECT DISTINCT org_id FROM tasks")))


def test_a_pooled_connection_carries_no_organization_into_an_unscoped_use(
    pg_db: Database,
) -> None:
    org_a, org_b = _two_organizations(pg_db)
    with pg_db.transaction(org_a) as conn:
        backend = _backend(conn)
        assert _org_ids_in(conn) == {org_a}

    with pg_db.engine.connect() as conn:  # not through Database: asks for no organization
        assert _backend(conn) == backend
        assert _org_ids_in(conn) == set()
    with pg_db.read_transaction(ALL_ORGANIZATIONS) as conn:
        assert _backend(conn) == backend
        assert _org_ids_in(conn) == {org_a, org_b}


def test_a_pooled_connection_carries_no_organization_into_another_organizations_use(
    pg_db: Database,
) -> None:
    org_a, org_b = _two_organizations(pg_db)
    with pg_db.session(org_a) as session:
        backend = _backend(session.connection())
    with pg_db.transaction(org_b) as conn:
        assert _backend(conn) == backend
        assert _org_ids_in(conn) == {org_b}
    with pg_db.read_session(org_a) as session:
        assert _backend(session.connection()) == backend
        assert set(session.scalars(select(Task.org_id).distinct())) == {org_a}


def test_a_rolled_back_transaction_leaves_its_connection_set_as_it_asked(
    pg_db: Database,
) -> None:
    org_a, org_b = _two_organizations(pg_db)
    with pytest.raises(RuntimeError), pg_db.transaction(org_a) as conn:
        backend = _backend(conn)
        raise RuntimeError("the run failed")
    with pg_db.transaction(org_a) as conn:  # the same organization: kept, still enforced
        assert _backend(conn) == backend
        assert _org_ids_in(conn) == {org_a}
    with pytest.raises(RuntimeError), pg_db.transaction(org_b) as conn:
        raise RuntimeError("the run failed")
    with pg_db.transaction(ALL_ORGANIZATIONS) as conn:
        assert _backend(conn) == backend
        assert _org_ids_in(conn) == {org_a, org_b}


def test_concurrent_transactions_of_two_organizations_each_see_only_their_own(
    pg_db: Database,
) -> None:
    org_a, org_b = _two_organizations(pg_db)
    seen: dict[str, set[str]] = {org_a: set(), org_b: set()}

    def read(org: str) -> None:
        for _ in range(50):
            with pg_db.transaction(org) as conn:
                seen[org] |= _org_ids_in(conn)

    threads = [threading.Thread(target=read, args=(org,)) for org in (org_a, org_b, org_a)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert seen == {org_a: {org_a}, org_b: {org_b}}
