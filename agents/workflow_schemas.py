"""The structured outputs the workflow graphs ask a model for: email, meeting summary, report.

Every model (a provider's, the offline one, the scripted one) fills these from the task text,
so each field says plainly what belongs in it.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class EmailDraft(BaseModel):
    """An email ready to be saved as a draft and, once approved, sent exactly as written."""

    to: list[str] = Field(
        description="Recipient email addresses, exactly as the task gives them "
        "(e.g. john@example.com). Never invent an address."
    )
    cc: list[str] = Field(
        default_factory=list,
        description="Addresses to copy, only if the task asks for it; usually empty.",
    )
    subject: str = Field(description="A short, specific subject line.")
    body: str = Field(
        description="The full message text: greeting, the point of the email in a few "
        "sentences, and a sign-off. Plain text, no placeholders left to fill."
    )


class ActionItem(BaseModel):
    """One thing someone agreed to do in the meeting."""

    owner: str = Field(
        description="Who does it: the person's name as the notes give it, or 'unassigned'."
    )
    action: str = Field(
        description="What to do, as a short imperative sentence that starts with a verb "
        "(e.g. 'Email the vendor about the delivery date')."
    )
    due: str | None = Field(
        default=None,
        description="When it is due, as the notes say it (e.g. 'Friday', '2025-03-14'); "
        "null if the notes give no date.",
    )


class MeetingSummary(BaseModel):
    """What a meeting concluded: a summary, the decisions made and the action items."""

    summary: str = Field(
        description="Two to five sentences: what the meeting was about and what came of it."
    )
    decisions: list[str] = Field(
        default_factory=list,
        description="Each decision the meeting took, one short sentence each; empty if none.",
    )
    action_items: list[ActionItem] = Field(
        default_factory=list,
        description="Every task someone agreed to do, one entry per task; empty if none.",
    )


class ReportSection(BaseModel):
    """One section of a report."""

    heading: str = Field(description="The section heading, a few words (e.g. 'Highlights').")
    body: str = Field(description="The section text: one or more paragraphs or a bullet list.")


class ReportDraft(BaseModel):
    """The prose of a report, written from the notes or figures a task gives."""

    title: str = Field(description="The report's title (e.g. 'Weekly sales report').")
    summary: str = Field(description="Two or three sentences: the most important findings.")
    sections: list[ReportSection] = Field(
        description="Two to six sections (e.g. Highlights, Risks, Next steps), using only "
        "facts from the input. The figures table is added from the input itself."
    )


class Figure(BaseModel):
    """One figure stated in the input: a metric, its value and how it changed."""

    metric: str = Field(description="What is measured (e.g. 'Revenue', 'New customers').")
    value: str = Field(description="The value as written in the input (e.g. '120k', '14').")
    change: str = Field(default="", description="The stated change (e.g. 'up 8%'), if any.")


class Report(ReportDraft):
    """A finished report: the model's prose plus the figures table taken from the input."""

    figures: list[Figure] = Field(
        default_factory=list,
        description="Every figure the input states, parsed from the input itself.",
    )
