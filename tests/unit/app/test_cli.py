"""The CLI through Typer's runner: commands, --json output and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.classification import Classification, SubtaskPlan
from agents.scripted import ScriptedChatModel
from app.cli import app
from store.db import Database

runner = CliRunner()


def immediate(reason: str = "a draft") -> Classification:
    return Classification(
        strategy="immediate",
        execution_type="fully_automated",
        confidence=0.9,
        reason=reason,
        route="writer",
    )


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_run_json_prints_the_outcome_in_the_apis_shape(
    db: Database, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [immediate(), "Thank you all for a great quarter."]
    code, stdout, _ = invoke("run", "Write a short thank-you note to the team", "--json")
    assert code == 0
    outcome = json.loads(stdout)
    assert outcome["success"] is True
    assert outcome["strategy"] == "immediate"
    assert outcome["result"] == "Thank you all for a great quarter."
    assert len(outcome["taskId"]) == 36


def test_execute_decompose_lists_subtasks(db: Database, scripted_model: ScriptedChatModel) -> None:
    scripted_model.script = [
        Classification(
            strategy="decompose",
            execution_type="fully_automated",
            confidence=0.8,
            reason="phases",
            subtasks=[
                SubtaskPlan(title="Define audience", execution_type="manual"),
                SubtaskPlan(title="Approve budget", execution_type="manual"),
            ],
        ),
    ]
    _, stdout, _ = invoke("add", "Plan Q4 marketing campaign", "--json")
    task_id = json.loads(stdout)["id"]
    code, stdout, _ = invoke("execute", task_id[:8], "--json")
    assert code == 0
    outcome = json.loads(stdout)
    assert outcome["strategy"] == "decompose"
    assert [s["title"] for s in outcome["subtasks"]] == ["Define audience", "Approve budget"]


def test_blocked_outcome_carries_the_reason(
    db: Database, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [
        Classification(
            strategy="blocked", execution_type="manual", confidence=0.9, reason="needs a purchaser"
        )
    ]
    code, stdout, _ = invoke("run", "Order new office chairs", "--json")
    assert code == 0
    assert json.loads(stdout)["reason"] == "needs a purchaser"


def test_tasks_json_lists_the_apis_fields_without_the_log(db: Database) -> None:
    invoke("add", "Write the newsletter", "--type", "semi_automated")
    code, stdout, _ = invoke("tasks", "--json")
    assert code == 0
    [task] = json.loads(stdout)
    assert "execution_log" not in task
    for column in (
        "execution_type",
        "execution_status",
        "ai_confidence",
        "retry_count",
        "max_retries",
        "blocked_reason",
        "parent_task_id",
    ):
        assert column in task
    assert task["execution_type"] == "semi_automated"


def test_log_json_shows_each_step_in_order(db: Database, scripted_model: ScriptedChatModel) -> None:
    scripted_model.script = [immediate(), "done"]
    _, stdout, _ = invoke("run", "Write a haiku", "--json")
    code, stdout, _ = invoke("log", json.loads(stdout)["taskId"], "--json")
    assert code == 0
    events = [e["event"] for e in json.loads(stdout)]
    assert events == ["created", "started", "classified", "completed"]


def test_unknown_task_id_is_a_one_line_error(db: Database) -> None:
    code, _, stderr = invoke("show", "no-such-task")
    assert code != 0
    assert stderr.strip().splitlines() == ["error: no task 'no-such-task'"]


def test_empty_title_is_refused_and_nothing_is_written(db: Database) -> None:
    code, _, stderr = invoke("add", "   ")
    assert code != 0
    assert "non-empty title" in stderr
    assert json.loads(invoke("tasks", "--json")[1]) == []


def test_unknown_execution_type_names_the_allowed_ones(db: Database) -> None:
    code, _, stderr = invoke("add", "x", "--type", "robotic")
    assert code != 0
    assert "unknown execution type 'robotic'" in stderr
    assert "fully_automated" in stderr


def test_executing_a_completed_task_is_refused(
    db: Database, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [immediate(), "done"]
    task_id = json.loads(invoke("run", "Write a haiku", "--json")[1])["taskId"]
    code, _, stderr = invoke("execute", task_id)
    assert code != 0
    assert "completed" in stderr and "Traceback" not in stderr


def test_unreachable_database_url_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "DELEGATE_DATABASE_URL", "postgresql+psycopg://user:hunter2@127.0.0.1:1/delegate"
    )
    code, _, stderr = invoke("tasks")
    assert code != 0
    assert "cannot connect to database" in stderr
    assert "hunter2" not in stderr


def test_classify_prints_one_result_per_line(
    tmp_path: Path, db: Database, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [immediate("a"), immediate("b")]
    path = tmp_path / "tasks.jsonl"
    path.write_text('{"title": "Draft a memo"}\n\n{"title": "Outline a talk"}\n')
    code, stdout, _ = invoke("classify", "--jsonl", str(path))
    assert code == 0
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert [r["reason"] for r in lines] == ["a", "b"]
    assert set(lines[0]) == {"strategy", "execution_type", "confidence", "reason"}


def test_classify_malformed_jsonl_names_the_line(
    tmp_path: Path, db: Database, scripted_model: ScriptedChatModel
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"title": "ok"}\n{"title": \n')
    code, stdout, stderr = invoke("classify", "--jsonl", str(path))
    assert code != 0
    assert "line 2" in stderr
    assert stdout == ""
    assert scripted_model.calls == []


def test_worker_once_runs_every_executable_task(
    db: Database, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.default = lambda messages, tools: (
        immediate() if "Classification" in tools else "done"
    )
    invoke("add", "First")
    invoke("add", "Second", "--priority", "urgent")
    invoke("add", "By hand", "--type", "manual")
    code, stdout, _ = invoke("worker", "--once", "--json")
    assert code == 0
    outcomes = json.loads(stdout)
    assert [o["status"] for o in outcomes] == ["completed", "completed"]
    statuses = {t["title"]: t["execution_status"] for t in json.loads(invoke("tasks", "--json")[1])}
    assert statuses == {"First": "completed", "Second": "completed", "By hand": "pending"}


def test_init_prints_an_api_key_once(db: Database) -> None:
    first = json.loads(invoke("init", "--json")[1])
    second = json.loads(invoke("init", "--json")[1])
    assert first["api_key"].startswith("dlg_")
    assert second["api_key"] is None


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys, app.cli; heavy = [m for m in ('langgraph', 'langchain_core', "
        "'sqlalchemy') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_sandbox_json_shows_mail_calendar_and_slack(db: Database, org_id: str) -> None:
    from tools.email.sandbox import SandboxMailbox
    from tools.slack.sandbox import SandboxChat

    SandboxMailbox(db, org_id).create_draft(["john@example.com"], "Thanks", "Hi John")
    SandboxChat(db, org_id).post_message("#general", "v2.3 is out")
    code, stdout, _ = invoke("sandbox", "--json")
    assert code == 0
    data = json.loads(stdout)
    assert data["drafts"][0]["to"] == ["john@example.com"]
    assert data["sent"] == [] and data["events"] == []
    assert [m["text"] for m in data["slack"]["general"]] == ["v2.3 is out"]


def test_sandbox_unknown_view_is_refused(db: Database) -> None:
    code, _, stderr = invoke("sandbox", "fax")
    assert code != 0
    assert "unknown sandbox view 'fax'" in stderr


def test_log_with_checkpoints_agrees_with_the_thread(
    db: Database, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [immediate(), "done"]
    task_id = json.loads(invoke("run", "Write a haiku", "--json")[1])["taskId"]
    code, stdout, stderr = invoke("log", task_id, "--checkpoints", "--json")
    assert code == 0, stderr
    data = json.loads(stdout)
    ran = [node for row in data["checkpoints"] for node in row["ran"]]
    logged = [e["node"] for e in data["log"] if "node" in e]
    assert ran == ["prepare", "classify", "execute"]
    assert logged == ran


def test_json_logs_carry_the_task_id_and_organization(
    db: Database, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [immediate(), "done"]
    result = runner.invoke(app, ["--log-json", "--verbose", "run", "Write a haiku", "--json"])
    task_id = json.loads(result.stdout)["taskId"]
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    run_lines = [line for line in lines if line["logger"] == "delegate.runner"]
    assert run_lines[0]["message"] == "run started"
    assert all(line["task_id"] == task_id and line["org"] == "default" for line in run_lines)


def test_allowlist_add_and_remove_change_what_the_gate_trusts(db: Database, org_id: str) -> None:
    from tools.gate.data_flow import TrustedSources

    code, stdout, _ = invoke("allowlist", "add", "channels", "#Ops", "--json")
    assert code == 0
    assert json.loads(stdout)["channels"] == ["ops"]
    invoke("allowlist", "add", "domains", "example.com")
    with db.session() as session:
        from store.models import Organization

        allowlist = session.get(Organization, org_id).allowlist
    assert "ops" in TrustedSources.build("", allowlist).channels
    code, stdout, _ = invoke("allowlist", "remove", "channels", "ops", "--json")
    assert json.loads(stdout)["channels"] == []


def test_allowlist_refuses_an_unknown_kind(db: Database) -> None:
    code, _, stderr = invoke("allowlist", "add", "phones", "555")
    assert code != 0
    assert "unknown allowlist kind 'phones'" in stderr


def slack_post_waiting_for_approval(scripted_model: ScriptedChatModel, title: str) -> str:
    """`delegate run TITLE` of a Slack post the model proposes, paused for approval; its id."""
    from agents.scripted import tool_call_message

    scripted_model.script = [
        Classification(
            strategy="immediate",
            execution_type="semi_automated",
            confidence=0.9,
            reason="a post",
            route="slack",
            deliver=True,
        ),
        tool_call_message("post_slack_message", {"channel": "#general", "text": "v2.3 is out"}),
    ]
    code, stdout, stderr = invoke("run", title, "--type", "semi_automated", "--json")
    assert code == 0, stderr
    return str(json.loads(stdout)["taskId"])


def test_show_json_includes_the_action_a_paused_task_waits_on(
    db: Database, scripted_model: ScriptedChatModel
) -> None:
    task_id = slack_post_waiting_for_approval(
        scripted_model, "Post the release notes in #general on Slack"
    )
    shown = json.loads(invoke("show", task_id, "--json")[1])
    assert shown["execution_status"] == "paused"
    [action] = shown["approval"]["action_requests"]
    assert (action["name"], action["args"]) == (
        "post_slack_message",
        {"channel": "#general", "text": "v2.3 is out", "thread_ts": None},
    )


def test_eval_json_scores_the_configured_model_per_class(
    scripted_model: ScriptedChatModel, tmp_path: Path
) -> None:
    labelled = tmp_path / "set.jsonl"
    labelled.write_text(
        json.dumps({"title": "Write the memo", "strategy": "immediate", "route": "writer"})
        + "\n"
        + json.dumps({"title": "Pay the bill", "strategy": "blocked"})
        + "\n",
        encoding="utf-8",
    )
    scripted_model.script = [immediate(), immediate()]

    code, stdout, _ = invoke("eval", "--data", str(labelled), "--json")

    report = json.loads(stdout)
    assert code == 0
    assert report["model"] == "scripted"
    assert report["strategy"]["per_class"]["blocked"]["recall"] == 0.0
    assert report["route"]["accuracy"] == 1.0
    assert [f["title"] for f in report["failures"]] == ["Pay the bill"]


def test_eval_prints_tables_and_failures(scripted_model: ScriptedChatModel, tmp_path: Path) -> None:
    labelled = tmp_path / "set.jsonl"
    labelled.write_text(json.dumps({"title": "Pay the bill", "strategy": "blocked"}) + "\n")
    scripted_model.script = [immediate()]

    code, stdout, _ = invoke("eval", "--data", str(labelled))

    assert code == 0
    assert "strategy: 0/1 correct" in stdout
    assert "strategy confusion" in stdout
    assert "Pay the bill" in stdout


def test_eval_of_a_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    code, _, stderr = invoke("eval", "--data", str(tmp_path / "nope.jsonl"))

    assert code == 2
    assert stderr.strip().splitlines() == [
        f"error: {tmp_path / 'nope.jsonl'}: no such file or folder"
    ]


def test_add_without_a_type_leaves_it_to_the_ai(db: Database) -> None:
    code, stdout, _ = invoke("add", "Write the newsletter", "--json")

    assert code == 0
    assert json.loads(stdout)["execution_type"] is None
    assert "the AI picks its type" in " ".join(invoke("add", "Write the memo")[1].split())
