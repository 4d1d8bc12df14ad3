"""`delegate eval` scores a real provider path: langchain-openai against the loopback stand-in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.classification import Classification
from app.cli import app
from store.enums import ExecutionType, Strategy
from tests.fixtures.openai_standin import STANDIN_MODEL, OpenAIStandin

pytestmark = pytest.mark.integration


def test_eval_runs_the_labelled_set_through_the_configured_provider(
    openai_standin: OpenAIStandin, tmp_path: Path
) -> None:
    labelled = tmp_path / "set.jsonl"
    labelled.write_text(
        json.dumps({"title": "Pay the AWS invoice", "strategy": "blocked"})
        + "\n"
        + json.dumps(
            {
                "title": "Announce the Lisbon office",
                "strategy": "immediate",
                "must_contain": ["Lisbon", "May 2"],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    openai_standin.add(
        Classification(
            strategy=Strategy.BLOCKED,
            execution_type=ExecutionType.MANUAL,
            confidence=0.9,
            reason="Paying needs a person.",
        ),
        Classification(
            strategy=Strategy.IMMEDIATE,
            execution_type=ExecutionType.FULLY_AUTOMATED,
            confidence=0.8,
            reason="A short announcement.",
            route="writer",
        ),
        "Our Lisbon office opens on [date].",
    )

    result = CliRunner().invoke(app, ["eval", "--data", str(labelled), "--json"])

    report = json.loads(result.stdout)
    assert result.exit_code == 0
    assert report["model"] == STANDIN_MODEL
    assert report["strategy"]["accuracy"] == 1.0
    assert report["deliverable"] == {"total": 1, "passed": 0, "rate": 0.0}
    assert [f["check"] for f in report["failures"]] == ["deliverable"]
    assert [r.tool_names for r in openai_standin.completions[:2]] == [["Classification"]] * 2
