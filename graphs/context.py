"""The run-time context every Delegate graph takes: model choice, organization, database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from agents.models import configured_model_name
from store.db import Database, get_database
from store.orgs import DEFAULT_ORG, ensure_organization


@dataclass(kw_only=True)
class Context:
    """Settings for one run; Studio shows and edits these. Defaults come from the environment."""

    model: Annotated[str, {"__template_metadata__": {"kind": "llm"}}] = field(
        default_factory=configured_model_name,
        metadata={"description": "'offline' or 'provider:model', e.g. openai:gpt-4o-mini."},
    )
    organization: str = field(
        default=DEFAULT_ORG,
        metadata={"description": "The organization (tenant) whose tasks this run touches."},
    )
    database_url: str | None = field(
        default=None,
        metadata={"description": "SQLAlchemy URL of the store; DELEGATE_DATABASE_URL if unset."},
    )

    def database(self) -> Database:
        return get_database(self.database_url)

    def org_id(self) -> str:
        """The organization's id: looked up (or created) once per database and name.

        Every node asks for it; caching it spares each step a transaction."""
        db = self.database()
        key = (db.url, self.organization)
        cached = _org_ids.get(key)
        if cached is None:
            with db.session() as session:
                cached = ensure_organization(session, self.organization).id
            _org_ids[key] = cached
        return cached


#: Organization ids by (database URL, name); organizations are never renamed or re-keyed.
_org_ids: dict[tuple[str, str], str] = {}
