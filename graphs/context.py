"""The run-time context every Delegate graph takes: the model a run uses, and where it may
read and write (organization, database), which the caller never chooses.

`Context` is what a run's caller may set (LangGraph Studio shows it; the LangGraph API
passes a run's `context` to it): only the model. The organization comes from the caller's
authentication (LangGraph custom auth with Delegate's API keys, app/api/langgraph_auth.py)
and the database from the server's configuration (DELEGATE_DATABASE_URL). A `context` that
names an organization or a database is refused, so no run can switch tenant or store.

Code in this process (the task runner, the worker, tests) runs a graph with a
`ProcessContext`, which carries the organization and database it was given.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Annotated, Any

from langgraph.config import get_config

from agents.models import configured_model_name
from store.db import ALL_ORGANIZATIONS, Database, get_database
from store.errors import Unauthorized
from store.orgs import (
    DEFAULT_ORG,
    ensure_organization,
    org_id_from_identity,
    organization_name_by_id,
)

#: The key LangGraph's server puts the authenticated user under, in a run's configurable.
AUTH_USER_KEY = "langgraph_auth_user"


@dataclass(kw_only=True)
class Context:
    """What a run's caller may choose; Studio shows and edits it. Defaults from the environment."""

    model: Annotated[str, {"__template_metadata__": {"kind": "llm"}}] = field(
        default_factory=configured_model_name,
        metadata={"description": "'offline' or 'provider:model', e.g. openai:gpt-4o-mini."},
    )

    def database(self) -> Database:
        """The server's store (DELEGATE_DATABASE_URL)."""
        return get_database(None)

    def organization(self) -> str:
        """The organization of the authenticated caller, else the server's DELEGATE_ORG.

        Read from the run's config, where LangGraph's server puts the user its custom auth
        returned; a server without custom auth serves its configured organization only."""
        user = _auth_user()
        if user is not None:
            org = _user_field(user, "org_name") or self._named_by_identity(user)
            if not org:
                raise Unauthorized("the authenticated caller has no organization")
            return str(org)
        return os.environ.get("DELEGATE_ORG", "").strip() or DEFAULT_ORG

    def _named_by_identity(self, user: Any) -> str | None:
        """A cron's run carries only the identity it was created with (`org:<id>`, the
        server's cron scheduler keeps no more of the user): that organization's name."""
        org_id = org_id_from_identity(str(_user_field(user, "identity") or ""))
        if org_id is None:
            return None
        with self.database().session(org_id) as session:
            return organization_name_by_id(session, org_id)

    def org_id(self) -> str:
        """The organization's id: looked up (or created) once per database and name.

        Every node asks for it; caching it spares each step a transaction."""
        db = self.database()
        name = self.organization()
        key = (db.url, name)
        cached = _org_ids.get(key)
        if cached is None:
            # Finds the organization by name: there is no organization to name yet.
            with db.session(ALL_ORGANIZATIONS) as session:
                cached = ensure_organization(session, name).id
            _org_ids[key] = cached
        return cached


@dataclass(kw_only=True)
class ProcessContext(Context):
    """A context built by code in this process, which knows its organization and store.

    Never built from a run's input: LangGraph builds `Context` from a `context` dict, and
    a dict naming `organization` or `database_url` fails there."""

    organization_name: str = DEFAULT_ORG
    database_url: str | None = None

    def database(self) -> Database:
        return get_database(self.database_url)

    def organization(self) -> str:
        return self.organization_name


def _auth_user() -> Any:
    try:
        config = get_config()
    except RuntimeError:  # called outside a run
        return None
    return (config.get("configurable") or {}).get(AUTH_USER_KEY)


def _user_field(user: Any, name: str) -> Any:
    try:
        return user[name]
    except (KeyError, TypeError):
        return getattr(user, name, None)


#: Organization ids by (database URL, name); organizations are never renamed or re-keyed.
_org_ids: dict[tuple[str, str], str] = {}
