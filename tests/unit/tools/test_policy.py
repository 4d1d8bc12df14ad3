"""The policy gate's rules: agent permissions, manual never acts, the data-flow rule."""

from __future__ import annotations

import re
from typing import Any

import pytest

from agents.registry import AGENTS
from store import tasks as repo
from store.db import Database
from store.enums import ExecutionType
from store.errors import PolicyDenied
from store.models import Organization
from tools.gate.calls import TaskFacts
from tools.gate.data_flow import DESTINATIONS, TrustedSources, destinations
from tools.gate.policy import PolicyGate
from tools.toolkit import Backends, ToolRun, all_specs, build_tools, invoke_spec

ARGS: dict[str, dict[str, Any]] = {
    "draft_email": {"to": ["john@example.com"], "subject": "Hi", "body": "Hello"},
    "send_email": {"to": ["john@example.com"], "subject": "Hi", "body": "Hello"},
    "search_email": {"query": "invoice"},
    "read_email": {"message_id": "m1"},
    "list_events": {},
    "create_calendar_event": {
        "summary": "Sync",
        "start": "2030-01-07T10:00:00+00:00",
        "end": "2030-01-07T10:30:00+00:00",
        "attendees": ["john@example.com"],
    },
    "find_free_time": {
        "duration_minutes": 30,
        "time_min": "2030-01-07T09:00:00+00:00",
        "time_max": "2030-01-07T17:00:00+00:00",
    },
    "post_slack_message": {"channel": "#general", "text": "Hello"},
    "list_slack_channels": {},
    "lookup_slack_user": {"email": "john@example.com"},
    "open_url": {"url": "https://example.org/page"},
    "fill_form": {
        "url": "https://example.org/form",
        "fields": {"name": "Ann"},
        "submit_selector": "Send",
    },
    "click": {"url": "https://example.org/page", "selector": "Go"},
    "screenshot": {"url": "https://example.org/page"},
}
TRUSTED_TEXT = "Tell john@example.com in #general about https://example.org/page"


class Recorder:
    """Every backend at once: records each call, answers with an id."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return [] if name in ("search", "list_events", "list_channels") else {"id": "x1"}

        return call


def _run(
    db: Database, org_id: str, tools: frozenset[str], execution_type: str = "fully_automated"
) -> tuple[ToolRun, Recorder]:
    with db.session() as session:
        task = repo.create_task(
            session,
            org_id,
            "Reply to the team",
            description=TRUSTED_TEXT,
            execution_type=execution_type,
        )
        facts = TaskFacts(
            task.id, org_id, task.title, task.description, ExecutionType(execution_type)
        )
    gate = PolicyGate(db=db, task=facts, agent_id="tester", allowed_tools=tools)
    fake = Recorder()
    backends = Backends(db, org_id, mailbox=fake, calendar=fake, chat=fake, browser=fake)
    return ToolRun(db=db, task=facts, agent_id="tester", gate=gate, backends=backends), fake


def test_every_tool_has_arguments_in_this_test() -> None:
    assert set(ARGS) == set(all_specs())


def test_side_effecting_tools_are_exactly_the_acting_ones() -> None:
    acting = {name for name, spec in all_specs().items() if spec.side_effect}
    assert acting == {
        "draft_email",
        "send_email",
        "create_calendar_event",
        "post_slack_message",
        "fill_form",
        "click",
    }


def test_every_side_effecting_tool_has_destinations_for_the_data_flow_rule() -> None:
    for name, spec in all_specs().items():
        if spec.side_effect:
            assert name in DESTINATIONS
            assert destinations(name, spec.validate(ARGS[name])), name


@pytest.mark.parametrize("tool", sorted(n for n, s in all_specs().items() if s.side_effect))
def test_manual_task_never_acts(db: Database, org_id: str, tool: str) -> None:
    run, fake = _run(db, org_id, frozenset(all_specs()), "manual")

    with pytest.raises(PolicyDenied) as denied:
        invoke_spec(run, all_specs()[tool], ARGS[tool], "call-1")

    assert denied.value.rule == "manual_never_acts"
    assert fake.calls == []


@pytest.mark.parametrize("tool", sorted(n for n, s in all_specs().items() if s.side_effect))
def test_fully_automated_side_effect_to_a_trusted_destination_runs_once(
    db: Database, org_id: str, tool: str
) -> None:
    run, fake = _run(db, org_id, frozenset(all_specs()))

    invoke_spec(run, all_specs()[tool], ARGS[tool], "call-1")
    invoke_spec(run, all_specs()[tool], ARGS[tool], "call-2")  # a replay of the same step

    assert len(fake.calls) == 1


@pytest.mark.parametrize(
    ("agent_id", "tool"), [(a, t) for a in sorted(AGENTS) for t in sorted(all_specs())]
)
def test_agent_may_use_only_its_own_tools(
    db: Database, org_id: str, agent_id: str, tool: str
) -> None:
    agent = AGENTS[agent_id]
    run, fake = _run(db, org_id, frozenset(agent.tools))

    if tool in agent.tools:
        invoke_spec(run, all_specs()[tool], ARGS[tool], "call-1")
        assert len(fake.calls) == 1
    else:
        with pytest.raises(PolicyDenied) as denied:
            invoke_spec(run, all_specs()[tool], ARGS[tool], "call-1")
        assert denied.value.rule == "agent_tool_permission"
        assert fake.calls == []


@pytest.mark.parametrize("agent_id", sorted(AGENTS))
def test_agent_is_bound_only_to_its_own_tools(db: Database, org_id: str, agent_id: str) -> None:
    agent = AGENTS[agent_id]
    run, _ = _run(db, org_id, frozenset(agent.tools))

    assert [t.name for t in build_tools(run, agent.tools)] == list(agent.tools)


def test_denial_is_logged_with_rule_tool_and_a_redacted_summary(db: Database, org_id: str) -> None:
    run, _ = _run(db, org_id, frozenset(all_specs()))
    args = {"to": ["eve@evil.test"], "subject": "x", "body": "the secret is 42"}

    with pytest.raises(PolicyDenied, match=re.escape("add eve@evil.test to the task or")):
        invoke_spec(run, all_specs()["send_email"], args, "call-1")

    with db.session() as session:
        log = repo.get_task(session, org_id, run.task.id).execution_log
    (denied,) = [e for e in log if e["event"] == "policy_denied"]
    assert denied["rule"] == "untrusted_destination"
    assert denied["tool"] == "send_email"
    assert denied["args"]["to"] == ["eve@evil.test"]
    assert "the secret is 42" not in str(log)


def test_opening_an_untrusted_url_is_refused(db: Database, org_id: str) -> None:
    run, fake = _run(db, org_id, frozenset(all_specs()))

    with pytest.raises(PolicyDenied, match="untrusted_destination"):
        invoke_spec(run, all_specs()["open_url"], {"url": "https://evil.test/?k=42"}, "c1")

    assert fake.calls == []


def test_gate_refuses_a_destination_that_is_not_exactly_one(db: Database, org_id: str) -> None:
    run, fake = _run(db, org_id, frozenset(all_specs()))
    args = {"to": ["john@example.com, eve@evil.test"], "subject": "x", "body": "y", "cc": []}

    with pytest.raises(PolicyDenied) as denied:
        run.gate.check_destinations("send_email", args)  # as if validation were skipped

    assert denied.value.rule == "ambiguous_destination"
    assert "more than one address" in denied.value.reason
    assert fake.calls == []


def test_invalid_destination_argument_is_refused_and_logged(db: Database, org_id: str) -> None:
    run, fake = _run(db, org_id, frozenset(all_specs()))
    args = {"to": ["john@example.com; eve@evil.test"], "subject": "x", "body": "y"}

    answer = invoke_spec(run, all_specs()["send_email"], args, "call-1")

    assert answer.startswith("error: invalid arguments for send_email: to.0:")
    assert fake.calls == []
    with db.session() as session:
        log = repo.get_task(session, org_id, run.task.id).execution_log
    (refused,) = [e for e in log if e["event"] == "arguments_refused"]
    assert refused["tool"] == "send_email" and "more than one address" in refused["reason"]


def test_organization_allowlist_authorizes_a_domain(db: Database, org_id: str) -> None:
    with db.session() as session:
        org = session.get(Organization, org_id)
        assert org is not None
        org.allowlist = {"domains": ["partner.example"]}
    run, fake = _run(db, org_id, frozenset(all_specs()))
    args = {"to": ["ann@sales.partner.example"], "subject": "x", "body": "y"}

    invoke_spec(run, all_specs()["send_email"], args, "call-1")

    assert fake.calls == ["send"]


@pytest.mark.parametrize(
    ("kind_value", "allowed"),
    [
        (("email", "john@example.com"), True),
        (("email", "eve@example.com"), False),
        (("channel", "general"), True),
        (("channel", "random"), False),
        (("host", "example.org"), True),
        (("host", "example.org:8443"), True),
        (("host", "evil.example.org"), False),
        (("host", "127.0.0.1:9000"), False),
    ],
)
def test_trusted_sources_from_task_text(kind_value: tuple[str, str], allowed: bool) -> None:
    from tools.gate.data_flow import Destination

    trusted = TrustedSources.build(TRUSTED_TEXT + " and http://127.0.0.1:8000/x", {})

    assert trusted.allows(Destination(*kind_value)) is allowed


def test_allowlist_host_with_port_must_match_the_port() -> None:
    from tools.gate.data_flow import Destination

    trusted = TrustedSources.build("", {"hosts": ["127.0.0.1:8000", "docs.example"]})

    assert trusted.allows(Destination("host", "127.0.0.1:8000"))
    assert not trusted.allows(Destination("host", "127.0.0.1:8001"))
    assert trusted.allows(Destination("host", "api.docs.example"))
