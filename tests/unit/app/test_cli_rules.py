"""`delegate rules`: show, add, remove and thresholds; a bad rule is refused and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from app.cli import app
from store.db import Database

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_rules_start_empty_with_the_default_thresholds(db: Database) -> None:
    code, stdout, _ = invoke("rules", "--json")

    assert code == 0
    assert json.loads(stdout) == {"rules": []}


def test_an_added_rule_is_shown_in_order(db: Database) -> None:
    invoke(
        "rules",
        "add",
        "internal email acts",
        "--then",
        "act",
        "--category",
        "email",
        "--sender-domain",
        "corp.com",
    )
    invoke(
        "rules", "add", "low confidence to a person", "--then", "person", "--max-confidence", "0.3"
    )

    code, stdout, _ = invoke("rules", "show", "--json")

    assert code == 0
    assert json.loads(stdout)["rules"] == [
        {
            "name": "internal email acts",
            "then": "act",
            "when": {"category": ["email"], "sender_domains": ["corp.com"]},
        },
        {"name": "low confidence to a person", "then": "person", "when": {"max_confidence": 0.3}},
    ]


def test_a_bad_rule_is_a_one_line_error_naming_the_option_and_writes_nothing(db: Database) -> None:
    invoke("rules", "add", "keep me", "--then", "ask")

    code, _, stderr = invoke("rules", "add", "broken", "--then", "explode")

    assert code != 0
    assert "--then 'explode': Input should be 'act', 'ask' or 'person'" in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert [r["name"] for r in json.loads(invoke("rules", "--json")[1])["rules"]] == ["keep me"]


def test_a_bad_condition_names_its_option(db: Database) -> None:
    code, _, stderr = invoke("rules", "add", "odd", "--then", "act", "--sender-domain", "a b")

    assert code != 0 and "--sender-domain 'a b': String should match pattern" in stderr


def test_removing_a_rule_by_name(db: Database) -> None:
    invoke("rules", "add", "one", "--then", "ask")

    assert invoke("rules", "remove", "one")[0] == 0
    code, _, stderr = invoke("rules", "remove", "one")
    assert code != 0 and "no rule named 'one'" in stderr


def test_thresholds_are_set_and_checked(db: Database) -> None:
    assert invoke("rules", "thresholds", "--act", "0.9", "--ask", "0.6")[0] == 0
    code, _, stderr = invoke("rules", "thresholds", "--act", "1.5")

    assert code != 0 and "--act 1.5: Input should be less than or equal to 1" in stderr
    assert json.loads(invoke("rules", "--json")[1])["thresholds"] == {"act": 0.9, "ask": 0.6}


def test_rules_set_replaces_them_from_a_file(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"rules": [{"name": "all ask", "then": "ask"}]}))

    code, stdout, _ = invoke("rules", "set", str(path), "--json")

    assert code == 0 and json.loads(stdout)["rules"][0]["name"] == "all ask"


def test_how_many_acceptances_promote_a_category_is_set_and_checked(db: Database) -> None:
    assert invoke("rules", "thresholds", "--promote-after", "3")[0] == 0
    code, _, stderr = invoke("rules", "thresholds", "--promote-after", "-1")

    assert code != 0 and "rules.promote_after" in stderr
    assert json.loads(invoke("rules", "--json")[1])["promote_after"] == 3
    assert "after 3 acceptances in a row" in invoke("rules")[1]
