"""The autopilot's inbox trigger: an important email nobody answered gets a drafted reply that
waits for a person's approval.

An inbox message that has waited longer than the reply delay, has no reply of ours in its
thread, and that the model (EmailTriage, through the model factory) calls important and from
a person (not a newsletter, a notification or a no-reply sender) becomes "Reply to <sender>:
<subject>", a task naming the email it answers (ai_context trigger and source, with the sender
the automation rules read; reply_to, its ids and subject, so the reply goes out in its
thread): its type is the AI's choice, so the reply is drafted and waits for a person's
approval unless an automation rule says it may act.

The model's answer for each email is kept (store.email_triage), whatever it was: a later
cycle reads it instead of asking the model again about the same message.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import ValidationError

from agents.email_triage import EmailTriage, triage_email
from agents.models import get_chat_model
from agents.planner import ModelOutputError
from graphs.autopilot_cycle import Cycle, Trigger
from store.email_triage import record_triage, recorded_triage
from tools.backends import Inbox
from tools.email.message import sender_address

#: Attempts at a usable triage answer before the email is left for the next cycle.
TRIAGE_ATTEMPTS = 2
#: How much of the email the reply task quotes.
MAX_QUOTE = 4000


def email_trigger(org_id: str, message: dict[str, Any]) -> Trigger:
    """The trigger of one inbox message, keyed by its Message-ID (else the mailbox's id)."""
    ident = (message.get("message_id") or "").strip().strip("<>") or str(message["id"])
    if len(ident) > 200:
        ident = hashlib.sha256(ident.encode()).hexdigest()
    return Trigger(
        "unanswered_email",
        f"autopilot:{org_id}:email:{ident}",
        message.get("subject") or "(no subject)",
        {
            "message_id": message.get("message_id") or "",
            "email_id": str(message["id"]),
            "thread_id": message.get("thread_id") or "",
            "from": message.get("from") or "",
            "subject": message.get("subject") or "",
            "received_at": message.get("date") or "",
        },
    )


def answered_email(message: dict[str, Any]) -> dict[str, str]:
    """What the reply task keeps of the email it answers, so its reply goes out in that
    email's conversation (email_drafting reads it from ai_context["reply_to"])."""
    return {
        "email_id": str(message["id"]),
        "message_id": message.get("message_id") or "",
        "thread_id": message.get("thread_id") or "",
        "subject": message.get("subject") or "",
    }


def reply_for(message: dict[str, Any], cycle: Cycle, inbox: Inbox) -> None:
    """Draft a reply to one waiting email, once, when the model says it needs one."""
    trigger = email_trigger(cycle.org_id, message)
    ids = {"email_id": str(message["id"])}
    if cycle.existing(trigger, "reply") is not None:
        cycle.skip(trigger, "reply already drafted", **ids)
        return
    sender = sender_address(message.get("from") or "")
    if not sender:
        cycle.skip(trigger, "no sender address to reply to", **ids)
        return
    if inbox.answered(message):
        cycle.skip(trigger, "already answered in its thread", **ids)
        return
    verdict = _triage(cycle, trigger, message)
    if verdict is None:
        cycle.skip(trigger, "the model could not say whether it needs a reply", **ids)
        return
    if not verdict.from_a_person:
        cycle.skip(trigger, f"not from a person: {verdict.reason}", **ids)
        return
    if not verdict.important:
        cycle.skip(trigger, f"needs no reply: {verdict.reason}", **ids)
        return
    if not cycle.room(tasks=1, actions=1):
        return
    task = cycle.create(
        trigger,
        "reply",
        f"Reply to {sender}: {trigger.title}",
        description=_reply_brief(message, sender, verdict),
        # Untyped: the AI's choice, so what it would send waits for a person unless the
        # automation rules (e.g. the sender's domain, read from `source`) say it may act.
        execution_type=None,
        context={
            "source": {"kind": "email", "id": str(message["id"]), "sender": sender},
            "reply_to": answered_email(message),
        },
        lost="another cycle is drafting this reply",
        **ids,
    )
    if task is not None:
        cycle.run(task)


def _triage(cycle: Cycle, trigger: Trigger, message: dict[str, Any]) -> EmailTriage | None:
    """The model's answer for the email: the one kept from an earlier cycle, else asked now
    (and kept, so no later cycle asks about the same message again)."""
    kept = recorded_triage(cycle.db, cycle.org_id, trigger.key)
    if kept is not None:
        try:
            return EmailTriage.model_validate(kept.decision)
        except ValidationError:
            pass  # kept by another version of the triage question: ask again
    model = get_chat_model(cycle.context.model)
    for _ in range(TRIAGE_ATTEMPTS):
        try:
            verdict = triage_email(model, message)
        except ModelOutputError:
            continue
        record_triage(cycle.db, cycle.org_id, trigger.key, verdict.model_dump(mode="json"))
        return verdict
    return None  # not kept: the next cycle asks again


def _reply_brief(message: dict[str, Any], sender: str, verdict: EmailTriage) -> str:
    body = (message.get("body") or "").strip()
    if len(body) > MAX_QUOTE:
        body = body[:MAX_QUOTE].rstrip() + " (cut short)"
    return "\n".join(
        [
            f"Reply to {sender}, answering their email of {message.get('date') or ''} "
            f"(subject: {message.get('subject') or '(no subject)'}). Why it needs an answer: "
            f"{verdict.reason}",
            "",
            "Their email:",
            body,
        ]
    )
