"""The CLI's manners (as gh and kubectl have them): plain flags, --version, one-line usage
errors, id prefixes, edit / delete, keys list / revoke, and start-up without heavy imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli import app
from store import tasks as repo
from store.db import Database
from store.errors import Unauthorized
from store.orgs import authenticate

runner = CliRunner()

#: What neither `--help` nor `tasks` may import: the run's machinery and the clients.
HEAVY = ("langgraph", "langchain", "langchain_core", "openai", "playwright", "googleapiclient")
HEAVY += ("slack_sdk", "alembic")


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def run_json(*args: str) -> Any:
    code, stdout, stderr = invoke(*args, "--json")
    assert code == 0, stderr
    return json.loads(stdout)


def imported_by(args: list[str], cwd: Path) -> tuple[set[str], str]:
    """The modules a `delegate ARGS` process imported (read as it exits), and its output."""
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print(*sorted(sys.modules), file=sys.stderr))\n"
        f"sys.argv = ['delegate', *{args!r}]\n"
        "from app.cli import main\n"
        "main()\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DELEGATE_")}
    env["DELEGATE_DATABASE_URL"] = f"sqlite:///{cwd / 'delegate.db'}"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return set(done.stderr.split()), done.stdout


def packages(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_help_imports_no_database_model_or_client_library(tmp_path: Path) -> None:
    imported, _ = imported_by(["--help"], tmp_path)
    assert packages(imported).isdisjoint({*HEAVY, "sqlalchemy"})


def test_tasks_on_a_new_store_creates_it_without_a_model_or_client_library(
    tmp_path: Path,
) -> None:
    imported, stdout = imported_by(["tasks"], tmp_path)
    assert "sqlalchemy" in packages(imported)  # it created the store
    assert packages(imported).isdisjoint(set(HEAVY) - {"alembic"})  # (a migration is Alembic's)
    assert "no tasks yet" in stdout


@pytest.mark.parametrize(
    "args",
    [["tasks"], ["tasks", "--json"], ["show", "{id}"], ["show", "{id}", "--json"], ["log", "{id}"]],
    ids=["tasks", "tasks-json", "show", "show-json", "log"],
)
def test_reads_of_a_current_sqlite_store_import_no_sqlalchemy(
    tmp_path: Path, args: list[str]
) -> None:
    _, added = imported_by(["add", "Write the weekly report", "--json"], tmp_path)
    task_id = json.loads(added)["id"]
    imported, stdout = imported_by([a.format(id=task_id[:8]) for a in args], tmp_path)
    assert "Write the weekly report" in stdout
    assert packages(imported).isdisjoint({*HEAVY, "sqlalchemy", "pydantic"})


def test_version_prints_the_package_version() -> None:
    code, stdout, _ = invoke("--version")
    assert (code, stdout.strip()) == (0, f"delegate {version('delegate')}")


def test_help_shows_flags_without_a_type() -> None:
    code, stdout, _ = invoke("tasks", "--help")
    assert code == 0
    assert "<bool>" not in stdout
    assert "  --json " in stdout


def test_unknown_option_is_a_one_line_usage_error() -> None:
    code, stdout, stderr = invoke("tasks", "--bogus")
    assert code == 2
    assert stdout == ""
    assert stderr.strip().splitlines() == [
        "error: no such option: --bogus (see 'delegate tasks --help')"
    ]


def test_missing_argument_is_a_one_line_usage_error() -> None:
    code, _, stderr = invoke("show")
    assert code == 2
    assert stderr.strip().splitlines() == [
        "error: missing argument 'ID' (see 'delegate show --help')"
    ]


def test_json_is_a_plain_flag_not_a_value(db: Database) -> None:
    code, _, stderr = invoke("tasks", "--json", "true")
    assert code == 2
    assert "unexpected extra argument" in stderr


def test_id_prefix_shorter_than_four_characters_is_too_short(db: Database) -> None:
    task_id = run_json("add", "Write the newsletter")["id"]
    code, _, stderr = invoke("show", task_id[:3])
    assert code == 2
    assert stderr.strip() == (
        f"error: task id prefix '{task_id[:3]}' is too short; give at least 4 characters"
    )


def test_ambiguous_id_prefix_names_the_prefix(db: Database, org_id: str) -> None:
    with db.session() as session:
        for tail in ("1111", "2222"):
            repo.create_task(
                session, org_id, f"Task {tail}", task_id=f"abcd{tail}-0000-4000-8000-000000000000"
            )
    code, _, stderr = invoke("show", "abcd")
    assert code == 2
    assert stderr.strip() == "error: task id prefix 'abcd' is ambiguous; give more characters"
    assert run_json("show", "abcd1")["title"] == "Task 1111"


def test_edit_changes_the_named_fields_and_logs_them(db: Database) -> None:
    task_id = run_json("add", "Write the newsletter")["id"]

    edited = run_json(
        "edit",
        task_id[:8],
        "--title",
        "Write the December newsletter",
        "--priority",
        "high",
        "--type",
        "semi_automated",
        "--due",
        "2026-12-24T17:00",
    )

    assert edited["title"] == "Write the December newsletter"
    assert (edited["priority"], edited["execution_type"]) == ("high", "semi_automated")
    assert edited["due_date"].startswith("2026-12-24T17:00")
    entry = run_json("log", task_id)[-1]
    assert entry["event"] == "updated"
    assert entry["fields"] == ["due_date", "execution_type", "priority", "title"]


def test_edit_with_nothing_to_change_is_refused(db: Database) -> None:
    task_id = run_json("add", "Write the newsletter")["id"]
    code, _, stderr = invoke("edit", task_id)
    assert code == 2
    assert "nothing to change" in stderr


def test_edit_with_a_bad_due_date_names_it_and_changes_nothing(db: Database) -> None:
    task_id = run_json("add", "Write the newsletter")["id"]
    code, _, stderr = invoke("edit", task_id, "--title", "New", "--due", "next week")
    assert code == 2
    assert "--due 'next week' is not a date" in stderr
    assert run_json("show", task_id)["title"] == "Write the newsletter"


def test_delete_removes_the_task_and_its_subtasks(db: Database, org_id: str) -> None:
    parent_id = run_json("add", "Plan the offsite")["id"]
    with db.session() as session:
        repo.create_subtask(session, org_id, parent_id, "Book the venue")

    deleted = run_json("delete", parent_id[:8])

    assert deleted == {"id": parent_id, "deleted": True, "subtasks_deleted": 1}
    assert run_json("tasks") == []


def test_keys_list_shows_each_key_without_the_secret(db: Database) -> None:
    key = run_json("keys", "create", "--org", "acme", "--name", "ci")["api_key"]

    [listed] = run_json("--org", "acme", "keys", "list")

    assert (listed["name"], listed["prefix"]) == ("ci", key[:10])
    assert key not in json.dumps(listed)


def test_keys_revoke_stops_the_key_working(db: Database) -> None:
    key = run_json("keys", "create", "--org", "acme")["api_key"]
    [listed] = run_json("keys", "list", "--org", "acme")

    revoked = run_json("keys", "revoke", listed["id"][:6], "--org", "acme")

    assert revoked["revoked"] is True
    with pytest.raises(Unauthorized), db.session() as session:
        authenticate(session, key)
    assert run_json("keys", "list", "--org", "acme") == []


def test_keys_revoke_of_an_unknown_key_is_an_error(db: Database) -> None:
    code, _, stderr = invoke("keys", "revoke", "ffffffff")
    assert code == 1
    assert stderr.strip() == "error: no API key 'ffffffff' in this organization"
