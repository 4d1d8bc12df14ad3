"""The routes a classification can name: every registered workflow and agent, with when to use
each. The model picks one; code checks that it exists and follows it."""

from __future__ import annotations

from agents.registry import AGENTS
from agents.workflows import WORKFLOWS

#: Route name -> when to use it: the workflows first (a whole job), then the agents.
ROUTES: dict[str, str] = {
    **{name: spec.description for name, spec in WORKFLOWS.items()},
    **{agent_id: spec.description for agent_id, spec in AGENTS.items()},
}
if len(ROUTES) != len(WORKFLOWS) + len(AGENTS):
    raise RuntimeError("a workflow and an agent share a name; routes must be unique")

#: Tools that deliver a message to people (an email, a Slack post, an invitation): an agent
#: gets them only when the classification says the message is to be delivered.
DELIVERING_TOOLS = frozenset({"send_email", "post_slack_message", "create_calendar_event"})


def route_menu() -> str:
    """The registered routes as the classification prompt lists them."""
    return "\n".join(f"- {name}: {when}" for name, when in ROUTES.items())


def is_workflow(route: str) -> bool:
    """Whether the route is a workflow graph (else it is an agent)."""
    return route in WORKFLOWS
