"""Choose the mail and calendar backends: the sandbox by default, Google when configured."""

from __future__ import annotations

import os

from store.db import Database
from store.errors import ConfigurationError
from tools.backends import Calendar, Inbox, Mailbox

EMAIL_BACKEND_VAR = "DELEGATE_EMAIL_BACKEND"
CALENDAR_BACKEND_VAR = "DELEGATE_CALENDAR_BACKEND"
EMAIL_BACKENDS = ("sandbox", "gmail")
CALENDAR_BACKENDS = ("sandbox", "google")


def _choice(variable: str, allowed: tuple[str, ...]) -> str:
    value = (os.environ.get(variable) or "sandbox").strip().lower()
    if value not in allowed:
        raise ConfigurationError(
            f"{variable}={value!r} is not a known backend; use one of: {', '.join(allowed)}"
        )
    return value


def email_backend_name() -> str:
    """The configured mail backend: `sandbox` (default) or `gmail`."""
    return _choice(EMAIL_BACKEND_VAR, EMAIL_BACKENDS)


def calendar_backend_name() -> str:
    """The configured calendar backend: `sandbox` (default) or `google`."""
    return _choice(CALENDAR_BACKEND_VAR, CALENDAR_BACKENDS)


def get_mailbox(db: Database, org_id: str) -> Mailbox:
    """The organization's mailbox per DELEGATE_EMAIL_BACKEND (Gmail needs Google credentials)."""
    if email_backend_name() == "gmail":
        from tools.email.gmail import GmailMailbox

        return GmailMailbox()
    from tools.email.sandbox import SandboxMailbox

    return SandboxMailbox(db, org_id)


def get_inbox(db: Database, org_id: str) -> Inbox:
    """The organization's mailbox as the autopilot reads it (DELEGATE_EMAIL_BACKEND)."""
    if email_backend_name() == "gmail":
        from tools.email.gmail import GmailMailbox

        return GmailMailbox()
    from tools.email.sandbox import SandboxMailbox

    return SandboxMailbox(db, org_id)


def get_calendar(db: Database, org_id: str) -> Calendar:
    """The organization's calendar per DELEGATE_CALENDAR_BACKEND."""
    if calendar_backend_name() == "google":
        from tools.calendar.google import GoogleCalendar

        return GoogleCalendar()
    from tools.calendar.sandbox import SandboxCalendar

    return SandboxCalendar(db, org_id)
