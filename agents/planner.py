"""The model calls every run makes: structured answers (classification), plain writing."""

from __future__ import annotations

from typing import Any, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, ValidationError

from agents.classification import Classification
from agents.models import structured_model
from agents.prompts import EXECUTE_SYSTEM, classify_system, task_prompt
from agents.provider_errors import provider_failure
from agents.routes import ROUTES, route_menu
from store.enums import Strategy
from store.redaction import redact


class ModelOutputError(Exception):
    """The model failed or answered with something unusable; worth another attempt.

    Its message is redacted when made: a provider's error may quote the API key, and LangGraph
    keeps a failed attempt's error in the run's checkpoints and shows it in thread history."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


SchemaT = TypeVar("SchemaT", bound=BaseModel)


def ask_structured(
    model: BaseChatModel, schema: type[SchemaT], system: str, prompt: str
) -> SchemaT:
    """One structured-output call; ModelOutputError if it fails or does not fit `schema`."""
    structured = structured_model(model, schema)
    messages = [SystemMessage(system), HumanMessage(prompt)]
    try:
        answer: Any = structured.invoke(messages)
    except ValidationError as exc:
        raise ModelOutputError(
            f"{schema.__name__} did not match the schema: {_brief(exc)}"
        ) from exc
    except Exception as exc:
        raise _failure(exc) from exc
    if answer is None:
        raise ModelOutputError(f"model returned no {schema.__name__}")
    if isinstance(answer, dict):
        try:
            answer = schema.model_validate(answer)
        except ValidationError as exc:
            raise ModelOutputError(
                f"{schema.__name__} did not match the schema: {_brief(exc)}"
            ) from exc
    if not isinstance(answer, schema):
        raise ModelOutputError(f"model returned {type(answer).__name__}, not {schema.__name__}")
    return answer


def classify_task(
    model: BaseChatModel,
    title: str,
    description: str = "",
    execution_type: str | None = None,
    parent_title: str | None = None,
) -> Classification:
    """Ask the model how to handle a task and who does it (the route); raise ModelOutputError
    on unusable output: no reason, a split into fewer than two, or immediate work no
    registered route was named for (an unknown one fails the schema already)."""
    answer = ask_structured(
        model,
        Classification,
        classify_system(route_menu()),
        task_prompt(title, description, execution_type, parent_title),
    )
    if not answer.reason.strip():
        raise ModelOutputError("classification has no reason")
    if answer.strategy is Strategy.DECOMPOSE and len(answer.subtasks) < 2:
        raise ModelOutputError("a decompose classification needs at least two subtasks")
    if answer.strategy is Strategy.IMMEDIATE and answer.route is None:
        raise ModelOutputError(f"an immediate classification needs a route: {', '.join(ROUTES)}")
    return answer


def write_deliverable(model: BaseChatModel, title: str, description: str = "") -> str:
    """Ask the model for the task's deliverable as text; ModelOutputError if it gives none."""
    messages = [SystemMessage(EXECUTE_SYSTEM), HumanMessage(task_prompt(title, description))]
    try:
        reply = model.invoke(messages)
    except Exception as exc:
        raise _failure(exc) from exc
    text = str(reply.text).strip()
    if not text:
        raise ModelOutputError("model returned an empty deliverable")
    return text


def _failure(exc: BaseException) -> Exception:
    """A provider's failure (an outage, a refusal) as such; anything else as bad output."""
    return provider_failure(exc) or ModelOutputError(f"model call failed: {_brief(exc)}")


def _brief(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):  # say which field was wrong, and how
        errors = exc.errors(include_url=False)
        parts = [f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in errors[:3]]
        return "; ".join(parts)[:300]
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:300]
