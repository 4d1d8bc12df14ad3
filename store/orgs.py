"""Organizations (tenants) and their API keys; keys are stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.db import Transaction
from store.errors import InvalidInput, NotFound, Unauthorized
from store.models import ApiKey, Organization, Task, utcnow

DEFAULT_ORG = "default"
KEY_PREFIX = "dlg_"
#: How the LangGraph server knows an API key's caller: `org:<organization id>`.
IDENTITY_PREFIX = "org:"


def org_id_from_identity(identity: str | None) -> str | None:
    """The organization id in an `org:<id>` identity, else None."""
    if identity and identity.startswith(IDENTITY_PREFIX) and len(identity) > len(IDENTITY_PREFIX):
        return identity[len(IDENTITY_PREFIX) :]
    return None


def organization_name_by_id(session: Session, org_id: str) -> str | None:
    """The name of the organization with this id, or None."""
    org = session.get(Organization, org_id)
    return org.name if org is not None else None


def _clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise InvalidInput("an organization needs a non-empty name")
    return cleaned


def get_organization(session: Session, name: str) -> Organization:
    org = session.scalars(select(Organization).where(Organization.name == name)).first()
    if org is None:
        raise NotFound(f"no organization {name!r}")
    return org


def ensure_organization(session: Session, name: str = DEFAULT_ORG) -> Organization:
    """The organization with this name, created if it does not exist yet."""
    name = _clean_name(name)
    org = session.scalars(select(Organization).where(Organization.name == name)).first()
    if org is None:
        try:
            with session.begin_nested():
                org = Organization(name=name, allowlist={})
                session.add(org)
        except IntegrityError:
            # Another transaction created it between our read and our insert: use theirs.
            org = session.scalars(select(Organization).where(Organization.name == name)).one()
    return org


def list_organizations(session: Session) -> Sequence[Organization]:
    return session.scalars(select(Organization).order_by(Organization.created_at)).all()


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(session: Session, org_id: str, name: str = "default") -> str:
    """A new API key for the organization; the plain key is returned once and never stored."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiKey(org_id=org_id, name=name, prefix=key[:10], key_hash=hash_key(key)))
    session.flush()
    return key


def list_api_keys(session: Session, org_id: str) -> Sequence[ApiKey]:
    """The organization's API keys, oldest first (their hashes and prefixes, never the keys)."""
    query = select(ApiKey).where(ApiKey.org_id == org_id).order_by(ApiKey.created_at)
    return session.scalars(query).all()


def revoke_api_key(session: Session, org_id: str, ref: str) -> ApiKey:
    """Delete one of the organization's keys, named by its id, a unique id prefix of 4+
    characters, or the key's shown prefix (`dlg_...`); it stops working at once."""
    ref = (ref or "").strip()
    if len(ref) < 4:
        raise InvalidInput(f"key id {ref!r} is too short; give at least 4 characters")
    matches = [k for k in list_api_keys(session, org_id) if k.id.startswith(ref) or ref == k.prefix]
    if not matches:
        raise NotFound(f"no API key {ref!r} in this organization")
    if len(matches) > 1:
        raise InvalidInput(f"key id {ref!r} is ambiguous; give more characters")
    session.delete(matches[0])
    session.flush()
    return matches[0]


def authenticate(session: Session, key: str | None) -> Organization:
    """The organization an API key belongs to; Unauthorized for a missing or unknown key."""
    if not key:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    row = session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).first()
    if row is None:
        raise Unauthorized("unknown API key")
    org = session.get(Organization, row.org_id)
    if org is None:
        raise Unauthorized("unknown API key")
    row.last_used_at = utcnow()
    return org


#: The kinds of trusted destination an organization's allowlist holds.
ALLOWLIST_KINDS = ("emails", "domains", "channels", "hosts")


def update_allowlist(
    session: Session, org_id: str, kind: str, value: str, *, add: bool = True
) -> dict[str, list[str]]:
    """Add (or remove) one trusted destination; returns the whole allowlist."""
    if kind not in ALLOWLIST_KINDS:
        raise InvalidInput(
            f"unknown allowlist kind {kind!r}; use one of: {', '.join(ALLOWLIST_KINDS)}"
        )
    cleaned = value.strip().lower()
    if kind == "channels":
        cleaned = cleaned.lstrip("#")
    if not cleaned or any(c.isspace() for c in cleaned):
        raise InvalidInput(f"not a valid {kind[:-1]}: {value!r}")
    if kind == "emails" and cleaned.count("@") != 1:
        raise InvalidInput(f"not an email address: {value!r}")
    org = session.get(Organization, org_id, with_for_update=True)
    if org is None:
        raise NotFound(f"no organization {org_id!r}")
    allowlist = {k: list(v) for k, v in (org.allowlist or {}).items()}
    entries = allowlist.setdefault(kind, [])
    if add and cleaned not in entries:
        entries.append(cleaned)
    elif not add:
        if cleaned not in entries:
            raise NotFound(f"{value!r} is not in the {kind} allowlist")
        entries.remove(cleaned)
    org.allowlist = allowlist  # reassigned so the JSON change is saved
    session.flush()
    return {k: list(allowlist.get(k, [])) for k in ALLOWLIST_KINDS}


#: The limits on one run an organization can set (tools/gate/budgets.py enforces them).
BUDGET_NAMES = ("model_calls", "tool_calls", "side_effects")


def get_budget_overrides(session: Session, org_id: str) -> dict[str, int]:
    """The run limits this organization set (the others take their defaults)."""
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(f"no organization {org_id!r}")
    stored = org.budgets or {}
    return {name: int(stored[name]) for name in BUDGET_NAMES if name in stored}


def set_budget(session: Session, org_id: str, name: str, value: int | None) -> dict[str, int]:
    """Set one run limit (None: back to the default); returns the organization's overrides."""
    if name not in BUDGET_NAMES:
        raise InvalidInput(f"unknown budget {name!r}; use one of: {', '.join(BUDGET_NAMES)}")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise InvalidInput(f"the {name} budget must be a whole number of at least 1, not {value!r}")
    org = session.get(Organization, org_id, with_for_update=True)
    if org is None:
        raise NotFound(f"no organization {org_id!r}")
    budgets = {k: v for k, v in (org.budgets or {}).items() if k in BUDGET_NAMES}
    if value is None:
        budgets.pop(name, None)
    else:
        budgets[name] = value
    org.budgets = budgets  # reassigned so the JSON change is saved
    session.flush()
    return {k: int(budgets[k]) for k in BUDGET_NAMES if k in budgets}


def get_automation_rules(session: Session, org_id: str) -> dict[str, Any]:
    """The organization's default automation rules as stored (validated by the caller)."""
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(f"no organization {org_id!r}")
    return dict(org.automation_rules or {})


#: Built once (see store.task_queries): the rules a classified task is decided by.
_RULES_OF_TASK = (
    select(Task.automation_rules, Task.ai_context, Organization.automation_rules)
    .join(Organization, Organization.id == Task.org_id)
    .where(Task.id == bindparam("task_id"), Task.org_id == bindparam("org_id"))
)


def rules_of_task(
    tx: Transaction, org_id: str, task_id: str
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """The task's own automation rules, its ai_context and its organization's rules, as
    stored, in one read of three columns (every classification asks: loading the task and the
    organization as objects cost more than the rest of deciding). NotFound if no such task."""
    row = tx.execute(_RULES_OF_TASK, {"task_id": task_id, "org_id": org_id}).first()
    if row is None:
        raise NotFound(f"no task {task_id!r}")
    task_rules, context, org_rules = row
    return task_rules, dict(context or {}), dict(org_rules or {})


def set_automation_rules(session: Session, org_id: str, rules: dict[str, Any]) -> dict[str, Any]:
    """Replace the organization's default automation rules (validated by the caller)."""
    org = session.get(Organization, org_id, with_for_update=True)
    if org is None:
        raise NotFound(f"no organization {org_id!r}")
    org.automation_rules = dict(rules)
    session.flush()
    return dict(org.automation_rules)
