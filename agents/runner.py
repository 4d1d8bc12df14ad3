"""Run one agent on one task: its own tools behind the policy gate, on langchain's create_agent.

Called inside a graph node, the agent runs as a subgraph of that node: its checkpoints (and
an approval interrupt raised by the gate) live in the task's thread, so a run paused for
approval resumes in any process from the same database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from langchain.agents import create_agent
from langchain.agents.middleware import (
    AgentMiddleware,
    ModelCallLimitMiddleware,
    ToolCallLimitMiddleware,
)
from langchain.agents.middleware.model_call_limit import ModelCallLimitExceededError
from langchain.agents.middleware.tool_call_limit import ToolCallLimitExceededError
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langgraph.errors import GraphBubbleUp, GraphRecursionError

from agents import learning
from agents.planner import ModelOutputError
from agents.prompts import task_prompt
from agents.provider_errors import provider_failure
from agents.registry import AgentSpec, sync_agents
from store import tasks as repo
from store.db import Database
from store.errors import DelegateError
from tools.backends import ProviderError
from tools.gate import idempotency as ledger
from tools.gate.calls import TaskFacts
from tools.gate.gate_log import summarize_args
from tools.gate.policy import PolicyGate
from tools.toolkit import Backends, ToolRun, backends_for, build_tools


@dataclass
class AgentResult:
    """What an agent run produced."""

    agent_id: str
    output: str
    """The agent's final answer."""
    actions: list[dict[str, Any]] = field(default_factory=list)
    """The side effects done for the task: {tool, idempotency_key, args (summary), result}."""


#: Databases whose agents table this process has brought up to date.
_synced: set[str] = set()


def record_agent(db: Database, task: TaskFacts, spec: AgentSpec, step: str) -> None:
    """Set the task's agent_id and log the choice of a tool-using agent, once (a resumed node
    runs this again). The writer is the plain path: its choice is only recorded."""
    with db.session(task.org_id) as session:
        if db.url not in _synced:
            sync_agents(session)  # the agents table mirrors the definitions in code
            _synced.add(db.url)
        row = repo.get_task(session, task.org_id, task.id, for_update=True)
        if row.agent_id == spec.id:
            return
        row.agent_id = spec.id
        if not spec.tools:
            return
        repo.add_execution_log_entry(
            session,
            task.org_id,
            task.id,
            {
                "event": "agent_selected",
                "executor_id": spec.id,
                "executor_type": "agent",
                "node": step,
                "agent": spec.id,
                "tools": list(spec.tools),
            },
        )


def done_actions(db: Database, task: TaskFacts) -> list[dict[str, Any]]:
    """The task's completed side effects, with provider ids and summarized arguments."""
    return [
        {**action, "args": summarize_args(action["args"])}
        for action in ledger.actions_for_task(db, task.org_id, task.id)
    ]


def _final_text(messages: list[BaseMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, AIMessage) and not message.tool_calls:
            return str(message.text).strip()
    return ""


def run_agent(
    spec: AgentSpec,
    *,
    db: Database,
    task: TaskFacts,
    model: BaseChatModel,
    step: str = "execute",
    backends: Backends | None = None,
) -> AgentResult:
    """Run `spec` on `task` to its final answer.

    Raises PolicyDenied (a rule refused a side effect, or BudgetExceeded: the run reached
    one of its limits), ApprovalRejected (a person said no), ProviderError (a service refused
    or kept failing) and ModelOutputError (the model failed or gave no answer: worth another
    attempt). An approval interrupt propagates to the graph.
    """
    gate = PolicyGate(
        db=db, task=task, agent_id=spec.id, allowed_tools=frozenset(spec.tools), step=step
    )
    run = ToolRun(
        db=db,
        task=task,
        agent_id=spec.id,
        gate=gate,
        backends=backends or backends_for(db, task.org_id),
    )
    budget = gate.budget
    limits: list[AgentMiddleware[Any, Any, Any]] = [
        ModelCallLimitMiddleware(run_limit=budget.model_calls, exit_behavior="error"),
        ToolCallLimitMiddleware(run_limit=budget.tool_calls, exit_behavior="error"),
    ]
    agent = create_agent(
        model,
        tools=build_tools(run, spec.tools),
        system_prompt=spec.system_instructions,
        middleware=limits,
        name=f"{spec.id}_agent",
    )
    learned = learning.prompt_lines(db, task.org_id, spec.id)
    prompt = task_prompt(task.title, task.description, task.execution_type.value, learned=learned)
    try:
        state = agent.invoke(
            {"messages": [HumanMessage(prompt)]},
            # A backstop under the call limits: a model step and a tool step per call, plus
            # the middleware's hooks.
            {"recursion_limit": 6 * (budget.model_calls + 1) + 10},
        )
    except ModelCallLimitExceededError as exc:
        raise gate.over_budget("model_calls", model_calls=exc.run_count) from None
    except ToolCallLimitExceededError:
        raise gate.over_budget("tool_calls") from None
    except GraphRecursionError:
        raise gate.over_budget("model_calls") from None
    except (GraphBubbleUp, DelegateError, ProviderError, ModelOutputError):
        raise
    except Exception as exc:
        failure = provider_failure(exc)
        if failure is not None:
            raise failure from exc
        lines = str(exc).strip().splitlines()
        raise ModelOutputError(
            f"{spec.id} agent failed: {(lines[0] if lines else type(exc).__name__)[:300]}"
        ) from exc
    actions = done_actions(db, task)
    output = _final_text(list(state.get("messages") or []))
    if not output and actions:
        output = "Done: " + ", ".join(a["tool"] for a in actions)
    if not output:
        raise ModelOutputError(f"{spec.id} agent gave no answer")
    return AgentResult(agent_id=spec.id, output=output, actions=actions)
