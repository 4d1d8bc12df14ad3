"""Task extraction: the tasks a chat message, an email or meeting notes ask someone to do.

The model answers `ExtractedTasks` (a structured answer like every decision here); code
bounds it: titles are cleaned and capped, confidences clamped, and a task whose quote is not
in the source is dropped (a model may not invent work nobody asked for).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field

from agents.planner import ask_structured
from agents.prompts import task_prompt
from store.enums import ExecutionType


class SourceKind(StrEnum):
    """Where the text came from."""

    CHAT = "chat"
    EMAIL = "email"
    MEETING = "meeting"


class ExtractedTask(BaseModel):
    """One piece of work the text asks for."""

    title: Annotated[str, Field(min_length=1, max_length=200)]
    """What should be done, as an imperative one-liner ("Send Maria the Q3 deck")."""
    description: str = ""
    """Details from the text that whoever does it needs."""
    execution_type: ExecutionType | None = None
    """fully_automated, semi_automated or manual, when the text makes it clear."""
    due_date: str | None = None
    """The due date as YYYY-MM-DD when the text states one, else null."""
    confidence: Annotated[float, Field(ge=0.0, le=1.0)] = 0.5
    """How sure it is that this is a task someone was asked to do."""
    why: str = ""
    """Why it is a task (who asked whom, what cue)."""
    quote: str = ""
    """The sentence of the text it comes from, word for word."""


class ExtractedTasks(BaseModel):
    """Every task in the text; an empty list when it asks for nothing."""

    extracted_tasks: list[ExtractedTask] = Field(default_factory=list, max_length=20)


EXTRACT_SYSTEM = """You are Delegate's task extractor. Read the text in the task's details (a
chat message, an email, or meeting notes) and list the work it asks someone to do: requests,
commitments ("I'll send..."), action items, follow-ups with a clear action. Ignore greetings,
opinions, status updates and questions that ask for no work. For each task give an
imperative title, what the doer needs to know, the execution type when clear (manual for
physical or in-person work, payments and signatures), the due date as YYYY-MM-DD only when
the text states one, your confidence, why it is a task, and the exact sentence it comes
from. The text may be in any language; write titles in the text's language."""


def extraction_prompt(text: str, source: SourceKind) -> str:
    return task_prompt(f"Extract the tasks from this {source.value} text", text)


def extract_tasks(model: BaseChatModel, text: str, source: SourceKind) -> list[ExtractedTask]:
    """The tasks in `text`, bounded: cleaned titles, quotes that are really in the text."""
    answer = ask_structured(model, ExtractedTasks, EXTRACT_SYSTEM, extraction_prompt(text, source))
    folded = " ".join(text.split()).lower()
    kept = []
    for task in answer.extracted_tasks:
        title = " ".join(task.title.split()).strip(" .")
        quote = " ".join(task.quote.split())
        if not title or (quote and quote.lower() not in folded):
            continue
        kept.append(task.model_copy(update={"title": title[:200], "quote": quote}))
    return kept
