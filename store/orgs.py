"""Organizations (tenants) and their API keys; keys are stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.errors import InvalidInput, NotFound, Unauthorized
from store.models import ApiKey, Organization, utcnow

DEFAULT_ORG = "default"
KEY_PREFIX = "dlg_"


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
