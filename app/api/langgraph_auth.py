"""LangGraph custom auth with Delegate's API keys: who calls the LangGraph API, for which
organization, and which threads they see.

`langgraph.json` points the server at `auth`. Every request to the LangGraph API
(assistants, threads, runs, crons, store) needs `Authorization: Bearer <key>` with a key
from `delegate keys create`; the key's organization becomes the run's organization (graphs
read it from the authenticated user, never from a run's input) and every thread, run and
cron is tagged with it and filtered by it, so one organization never sees another's.
LangGraph Studio's own requests (`x-auth-scheme: langsmith`, handled by the server in
`langgraph dev`) act for the server's configured organization (DELEGATE_ORG).
"""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph_sdk import Auth
from langgraph_sdk.auth.types import StudioUser

from store.db import ALL_ORGANIZATIONS, get_database
from store.errors import Unauthorized
from store.orgs import IDENTITY_PREFIX, org_id_from_identity
from store.orgs import authenticate as authenticate_key

auth = Auth()

#: The metadata key that ties a thread, run, cron or assistant to its organization.
ORG_METADATA_KEY = "delegate_org_id"


def _bearer(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _organization_of(key: str | None) -> tuple[str, str]:
    # Finds the key's organization: the lookup must see every organization's keys.
    with get_database(None).session(ALL_ORGANIZATIONS) as session:
        org = authenticate_key(session, key)
        return org.id, org.name


@auth.authenticate
async def authenticate(authorization: str | None) -> Auth.types.MinimalUserDict:
    """The caller's organization from its API key; 401 without a valid key."""
    try:  # the store lookup is blocking: off the event loop
        org_id, org_name = await asyncio.to_thread(_organization_of, _bearer(authorization))
    except Unauthorized as exc:
        raise Auth.exceptions.HTTPException(status_code=401, detail=str(exc)) from None
    user: dict[str, Any] = {
        "identity": f"{IDENTITY_PREFIX}{org_id}",
        "display_name": org_name,
        "permissions": [],
        "org_id": org_id,
        "org_name": org_name,
    }
    return user  # type: ignore[return-value]  # extra fields reach runs as the auth user


def _org_id_of(user: Any) -> str:
    """The caller's organization: the org_id authenticate() returned or, for a run the
    server's cron scheduler starts (it keeps only the identity the cron was created with),
    the id in that identity."""
    try:
        return str(user["org_id"])
    except KeyError:
        org_id = org_id_from_identity(str(getattr(user, "identity", "") or ""))
        if org_id is None:
            raise Auth.exceptions.HTTPException(
                status_code=403, detail="the caller has no organization"
            ) from None
        return org_id


@auth.on
async def scope_to_organization(ctx: Auth.types.AuthContext, value: Any) -> Auth.types.FilterType:
    """Tag what is created with the caller's organization and see only what carries it."""
    if isinstance(ctx.user, StudioUser):
        return {}
    org_id = _org_id_of(ctx.user)
    if isinstance(value, dict) and ctx.action in ("create", "create_run", "update"):
        metadata = value.get("metadata")
        if not isinstance(metadata, dict):
            metadata = {}
            value["metadata"] = metadata
        metadata[ORG_METADATA_KEY] = org_id
    return {ORG_METADATA_KEY: org_id}


@auth.on.assistants
async def assistants_are_shared(ctx: Auth.types.AuthContext, value: Any) -> bool:
    """The graphs of langgraph.json are the server's, readable by every organization;
    only Studio (a developer on the server) may create or change assistants."""
    if isinstance(ctx.user, StudioUser):
        return True
    return ctx.action in ("read", "search")


@auth.on.store
async def scope_store(ctx: Auth.types.AuthContext, value: Any) -> None:
    """The LangGraph store is namespaced by organization."""
    if isinstance(ctx.user, StudioUser):
        return
    org_id = ctx.user["org_id"]
    namespace = tuple(value.get("namespace") or ())
    if not namespace or namespace[0] != org_id:
        value["namespace"] = (org_id, *namespace)
