"""Replay: a step re-run after a crash, or retried after an error, never repeats a send."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from agents.scripted import ScriptedChatModel, tool_call_message
from graphs.runner import TaskRunner, task_runner
from store.db import Database
from tests.fixtures.agent_runs import events, load_task, routed_to
from tests.fixtures.google_standin import GoogleStandIn
from tests.fixtures.slack_standin import SlackStandin
from tools.gate import idempotency
from tools.slack import client as slack_client
from tools.toolkit import Backends, set_backends_factory

SEND = "/gmail/v1/users/me/messages/send"
EMAIL = {"to": ["john@example.com"], "subject": "Thanks", "body": "Thank you, John."}
TITLE = "Reply to john@example.com thanking him for the meeting"  # the email agent path


class ProcessDied(BaseException):
    """Stands for the process dying: nothing in Delegate catches a BaseException."""


class _CrashAfter:
    """Wraps a backend: the first call of `method` goes through, then the 'process dies'."""

    def __init__(self, inner: Any, method: str, error: BaseException) -> None:
        self._inner = inner
        self._method = method
        self._error: BaseException | None = error

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name != self._method:
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            result = attr(*args, **kwargs)
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            return result

        return call


@pytest.fixture
def crash_backends() -> Iterator[dict[str, Any]]:
    """Set `plan["mailbox"|"chat"] = (method, error)` to make that backend crash once."""
    plan: dict[str, Any] = {}

    def factory(db: Database, org_id: str) -> Backends:
        real = Backends(db, org_id)
        wrapped: dict[str, Any] = {}
        for service, (method, error) in plan.items():
            wrapped[service] = _CrashAfter(getattr(real, service), method, error)
            plan[service] = (method, None)  # only the first run of the factory crashes
        return Backends(db, org_id, **wrapped)

    set_backends_factory(factory)
    yield plan
    set_backends_factory(None)


def _script(model: ScriptedChatModel, call: tuple[str, dict[str, Any]], answer: str) -> None:
    model.script = [routed_to(call[0]), tool_call_message(*call), answer]


def test_crash_after_the_send_is_reconciled_without_sending_again(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    crash_backends: dict[str, Any],
    db: Database,
    org_id: str,
) -> None:
    crash_backends["mailbox"] = ("send", ProcessDied())
    _script(scripted_model, ("send_email", EMAIL), "Sent the thanks.")
    task_id = runner.create(TITLE)
    with pytest.raises(ProcessDied):
        runner.execute(task_id)
    assert len(gmail_env.calls("POST", SEND)) == 1

    with task_runner(db, model="scripted") as second:  # "the next process"
        outcome = second.recover(task_id)

    assert outcome["status"] == "completed"
    assert len(gmail_env.calls("POST", SEND)) == 1
    assert len(events(db, org_id, task_id, "side_effect_reconciled")) == 1
    result = load_task(db, org_id, task_id).result
    assert result is not None
    assert (
        result["actions"][0]["result"]["message_id"] == gmail_env.sent_messages()[0]["Message-ID"]
    )


def test_crash_after_the_ledger_is_marked_returns_the_recorded_result(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    monkeypatch: pytest.MonkeyPatch,
    db: Database,
    org_id: str,
) -> None:
    real_mark_done = idempotency.mark_done
    crashes = [ProcessDied()]

    def mark_done_then_die(db_: Database, org: str, key: str, result: dict[str, Any]) -> None:
        real_mark_done(db_, org, key, result)
        if crashes:
            raise crashes.pop()

    monkeypatch.setattr(idempotency, "mark_done", mark_done_then_die)
    _script(scripted_model, ("send_email", EMAIL), "Sent the thanks.")
    task_id = runner.create(TITLE)
    with pytest.raises(ProcessDied):
        runner.execute(task_id)

    outcome = runner.recover(task_id)

    assert outcome["status"] == "completed"
    assert len(gmail_env.calls("POST", SEND)) == 1
    assert len(events(db, org_id, task_id, "side_effect_replayed")) == 1
    # Nothing asked Gmail whether it was sent: the ledger already knew.
    assert [c for c in gmail_env.calls("GET") if "rfc822msgid" in str(c.query)] == []


def test_retried_step_after_an_error_does_not_send_twice(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    gmail_env: GoogleStandIn,
    crash_backends: dict[str, Any],
    db: Database,
    org_id: str,
) -> None:
    crash_backends["mailbox"] = ("send", RuntimeError("connection reset after the send"))
    scripted_model.script = [
        routed_to("send_email"),
        tool_call_message("send_email", EMAIL),
        tool_call_message("send_email", EMAIL),  # the retried attempt proposes it again
        "Sent the thanks.",
    ]
    task_id = runner.create(TITLE)

    outcome = runner.execute(task_id)

    assert outcome["status"] == "completed"
    assert len(gmail_env.calls("POST", SEND)) == 1
    assert len(events(db, org_id, task_id, "attempt_failed")) == 1


def _crash_mid_post(
    runner: TaskRunner, model: ScriptedChatModel, crash_backends: dict[str, Any]
) -> str:
    """A run that dies right after Slack accepted its post; returns the task id."""
    crash_backends["chat"] = ("post_message", ProcessDied())
    _script(
        model,
        ("post_slack_message", {"channel": "#general", "text": "Launch at 5pm"}),
        "Posted.",
    )
    task_id = runner.create("Post the launch time to #general on Slack")
    with pytest.raises(ProcessDied):
        runner.execute(task_id)
    return task_id


def test_slack_post_cut_off_by_a_crash_is_found_in_the_channel_history(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    slack_env: SlackStandin,
    crash_backends: dict[str, Any],
    db: Database,
    org_id: str,
) -> None:
    task_id = _crash_mid_post(runner, scripted_model, crash_backends)

    outcome = runner.recover(task_id)

    assert outcome["status"] == "completed"
    assert len(slack_env.calls("chat.postMessage")) == 1
    (reconciled,) = events(db, org_id, task_id, "side_effect_reconciled")
    assert reconciled["provider_result"]["ts"] == slack_env.messages[0]["ts"]


def test_slack_post_the_history_cannot_confirm_goes_to_a_person(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    slack_env: SlackStandin,
    crash_backends: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    db: Database,
    org_id: str,
) -> None:
    monkeypatch.setattr(slack_client, "HISTORY_PAGES", 1)
    monkeypatch.setattr(slack_client, "HISTORY_PAGE", 1)
    task_id = _crash_mid_post(runner, scripted_model, crash_backends)
    slack_env.messages.append(
        {"ts": "1800000000.000000", "text": "later", "channel": "C01GENERAL0"}
    )

    outcome = runner.recover(task_id)

    assert outcome["status"] == "blocked"
    assert len(slack_env.calls("chat.postMessage")) == 1
    task = load_task(db, org_id, task_id)
    assert task.blocked_reason is not None and "may already have run" in task.blocked_reason
    (denied,) = events(db, org_id, task_id, "policy_denied")
    assert denied["rule"] == "unconfirmed_side_effect"


def test_provider_refusal_fails_the_task_without_a_retry_loop(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    slack_env: SlackStandin,
    db: Database,
    org_id: str,
) -> None:
    slack_env.fail_next("chat.postMessage", error_code="is_archived")
    _script(
        scripted_model,
        ("post_slack_message", {"channel": "#general", "text": "Launch at 5pm"}),
        "Posted.",
    )
    task_id = runner.create("Post the launch time to #general on Slack")

    outcome = runner.execute(task_id)

    assert outcome["status"] == "failed"
    assert len(slack_env.calls("chat.postMessage")) == 1
    task = load_task(db, org_id, task_id)
    assert task.failure_reason is not None and "is_archived" in task.failure_reason
