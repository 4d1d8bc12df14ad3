"""Which waiting emails deserve a reply: the model's structured answer `EmailTriage`.

The autopilot asks it about each inbox message nobody answered (agents never read a verdict
off keywords: the offline model answers with its own rules, agents/offline/triage.py). Code
acts only on an email a person wrote that the answer calls important.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field

from agents.planner import ModelOutputError, ask_structured
from agents.prompts import task_prompt

#: How much of a body the model reads to decide.
MAX_BODY = 4000


class EmailTriage(BaseModel):
    """Whether an email needs our reply."""

    from_a_person: bool = Field(
        description="True when a person wrote this email to us; false for newsletters, "
        "marketing, notifications, receipts and anything from a no-reply or automated sender."
    )
    important: bool = Field(
        description="True when it asks us a question, asks for something, or needs a decision "
        "or an answer from us; false for news, thanks or information that needs no answer."
    )
    reason: str = Field(description="One sentence: why, quoting the cue in the email.")


TRIAGE_SYSTEM = """You are Delegate's inbox assistant. For the email in the task's details,
say whether a person wrote it to us (not a newsletter, notification or automated sender),
whether it is important (it asks us something, asks for something, or needs our decision or
answer), and why, in one sentence."""


def email_text(message: dict[str, Any]) -> str:
    """An email as the model reads it: sender, subject, list headers when any, body."""
    lines = [f"From: {message.get('from') or ''}", f"Subject: {message.get('subject') or ''}"]
    for name, value in (message.get("bulk_headers") or {}).items():
        lines.append(f"{name.title()}: {value}")
    body = (message.get("body") or "").strip()
    lines += ["", body[:MAX_BODY]]
    return "\n".join(lines)


def triage_email(model: BaseChatModel, message: dict[str, Any]) -> EmailTriage:
    """The model's verdict on one email; ModelOutputError when it gives no reason."""
    answer = ask_structured(
        model, EmailTriage, TRIAGE_SYSTEM, task_prompt("Triage this email", email_text(message))
    )
    if not answer.reason.strip():
        raise ModelOutputError("the email triage has no reason")
    return answer
