"""store/extracted_tasks: a message's tasks are found by its digest, including the tasks
extracted before the digest had its own table (the migration fills it in)."""

from __future__ import annotations

import pytest
from alembic import command

from store import tasks as repo
from store.db import Database
from store.extracted_tasks import (
    SourceAlreadyRecorded,
    record_source,
    source_digest,
    tasks_from_source,
)

BEFORE_SOURCES = "task_execution_type_unset"


def _migrate(db: Database, revision: str) -> None:
    config = db._alembic_config()
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        if revision == "head":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)


def _extracted(db: Database, org_id: str, title: str, digest: str) -> str:
    # Named: before the migration unscoped_sees_no_tenant_rows, '*' was no
    # organization's and the tests' default scope saw nothing there.
    with db.session(org_id) as session:
        task = repo.create_task(session, org_id, title, created_by="extract_tasks")
        task.ai_context = {"source": {"kind": "chat", "digest": digest}, "why": "asked for"}
        return task.id


def test_tasks_extracted_before_the_migration_are_found_by_their_message(
    db: Database, org_id: str
) -> None:
    message, other = source_digest("chat", "Send the deck"), source_digest("chat", "Call Bo")
    _migrate(db, BEFORE_SOURCES)
    first = _extracted(db, org_id, "Send the deck", message)
    elsewhere = _extracted(db, org_id, "Call Bo", other)
    second = _extracted(db, org_id, "Book the room", message)
    with db.session(org_id) as session:
        repo.create_task(session, org_id, "Typed by a person")

    _migrate(db, "head")

    with db.session() as session:
        assert [t.id for t in tasks_from_source(session, org_id, message)] == [first, second]
        assert [t.id for t in tasks_from_source(session, org_id, other)] == [elsewhere]


def test_a_message_recorded_already_is_refused(db: Database, org_id: str) -> None:
    digest = source_digest("chat", "Send the deck")
    first = _extracted(db, org_id, "Send the deck", digest)
    with db.session() as session:
        record_source(session, org_id, digest, [first])

    again = _extracted(db, org_id, "Send it", digest)

    with pytest.raises(SourceAlreadyRecorded), db.session() as session:
        record_source(session, org_id, digest, [again])

    with db.session() as session:
        assert [t.id for t in tasks_from_source(session, org_id, digest)] == [first]
