"""The offline model's answer to `EmailTriage`: is the email from a person, and does it need
our answer? Read from the sender, the list headers and the wording of the body."""

from __future__ import annotations

import re
from email.utils import parseaddr
from typing import Any

from agents.offline.text import TaskText

#: Senders that are machines: no-reply addresses, notification and newsletter mailboxes.
_MACHINE_SENDER = re.compile(
    r"^(?:no-?reply|do-?not-?reply|donotreply|mailer-daemon|postmaster|bounces?|notifications?|"
    r"notify|alerts?|newsletters?|news|updates|digest|marketing|promotions?|info|hello)\b",
    re.IGNORECASE,
)
#: Headers only list and automated mail carries.
_LIST_HEADER = re.compile(
    r"^(?:list-unsubscribe|list-id|precedence:\s*(?:bulk|list|junk)|auto-submitted:\s*auto)",
    re.IGNORECASE | re.MULTILINE,
)
#: What a newsletter or a notification says about itself.
_BULK_WORDS = re.compile(
    r"\b(?:unsubscribe|view (?:this email )?in (?:your |a )?browser|manage (?:your )?"
    r"(?:email |subscription )?preferences|you(?:'re| are) receiving this|newsletter|"
    r"abbestellen|darse de baja|se désabonner|désinscri\w*)\b",
    re.IGNORECASE,
)
#: Cues that the writer needs something from us: a question, a request, a deadline.
_ASKS = re.compile(
    r"[^.!?\n]*(?:\?|\b(?:can|could|would|will) you\b|\bplease\b|\blet me know\b|\bneed\b|"
    r"\basap\b|\burgent\w*\b|\bdeadline\b|\bby (?:monday|tuesday|wednesday|thursday|friday|"
    r"tomorrow|today|tonight|eod|end of (?:the )?(?:day|week))\b|\bconfirm\b|\bapprov\w+\b|"
    r"\bsign[- ]off\b|\bkönnten sie\b|\bbitte\b|\bpor favor\b|\bpodrías?\b|\bs'il vous plaît\b|"
    r"\bpourriez-vous\b)[^.!?\n]*[.!?]?",
    re.IGNORECASE,
)


def _field(details: str, name: str) -> str:
    found = re.search(rf"^{name}:\s*(.*)$", details, re.IGNORECASE | re.MULTILINE)
    return found.group(1).strip() if found else ""


def _body(details: str) -> str:
    head, _, body = details.partition("\n\n")
    return body if body else head


def email_triage(task: TaskText) -> dict[str, Any]:
    """{from_a_person, important, reason} for the email in the task's details."""
    details = task.details
    sender = parseaddr(_field(details, "From"))[1]
    local = sender.split("@", 1)[0]
    body = _body(details)
    if _MACHINE_SENDER.match(local):
        return _verdict(False, False, f"it comes from an automated mailbox ({sender})")
    header = _LIST_HEADER.search(details.partition("\n\n")[0])
    if header:
        return _verdict(False, False, f"it carries a mailing-list header ({header.group(0)})")
    bulk = _BULK_WORDS.search(body)
    if bulk:
        return _verdict(False, False, f"it reads like a newsletter ('{bulk.group(0)}')")
    ask = _ASKS.search(f"{_field(details, 'Subject')}.\n{body}")
    if ask:
        return _verdict(
            True, True, f"{sender or 'the sender'} asks: '{' '.join(ask.group(0).split())}'"
        )
    return _verdict(True, False, f"{sender or 'the sender'} asks for nothing that needs an answer")


def _verdict(person: bool, important: bool, reason: str) -> dict[str, Any]:
    return {"from_a_person": person, "important": important, "reason": reason}
