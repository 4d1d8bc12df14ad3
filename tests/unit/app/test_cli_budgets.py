"""`delegate budgets show|set`: the organization's limits on one run."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from app.cli import app
from store.db import Database
from store.orgs import get_budget_overrides

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_budgets_show_lists_each_limit_with_its_source(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DELEGATE_MAX_TOOL_CALLS", "30")
    code, stdout, _ = invoke("budgets", "show", "--json")
    assert code == 0
    assert json.loads(stdout) == {
        "model_calls": {"limit": 40, "source": "default"},
        "tool_calls": {"limit": 30, "source": "DELEGATE_MAX_TOOL_CALLS"},
        "side_effects": {"limit": 20, "source": "default"},
    }


def test_budgets_set_stores_the_limit_with_the_organization(db: Database, org_id: str) -> None:
    code, stdout, _ = invoke("budgets", "set", "side_effects", "5")
    assert code == 0
    assert "side_effects: 5 per run (organization)" in stdout
    with db.session() as session:
        assert get_budget_overrides(session, org_id) == {"side_effects": 5}

    code, _, _ = invoke("budgets", "set", "side_effects", "default")
    assert code == 0
    with db.session() as session:
        assert get_budget_overrides(session, org_id) == {}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("side_effects", "many"), "a budget is a whole number or 'default', not 'many'"),
        (("side_effects", "0"), "must be a whole number of at least 1"),
        (("tokens", "5"), "unknown budget 'tokens'"),
    ],
)
def test_budgets_set_refuses_bad_input_in_one_line(
    db: Database, args: tuple[str, str], message: str
) -> None:
    code, _, stderr = invoke("budgets", "set", *args)
    assert code == 2
    assert message in stderr
    assert len(stderr.strip().splitlines()) == 1
