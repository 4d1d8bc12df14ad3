"""`delegate eval` scores the extraction, held-out and unseen sets separately, and names the
held-out and unseen ones as such."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import app.cli_eval as cli_eval
from app.cli import app
from store.db import Database

runner = CliRunner()


def _write(path: Path, *lines: dict[str, object]) -> Path:
    path.mkdir()
    (path / "set.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8"
    )
    return path


@pytest.fixture
def repository_sets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Small stand-ins for the repository's default sets."""
    tasks = _write(tmp_path / "eval", {"title": "Write the memo", "strategy": "immediate"})
    seen = _write(
        tmp_path / "extraction",
        {"source": "chat", "text": "Can you send me the Q3 deck?", "tasks": [["q3 deck"]]},
    )
    heldout = _write(
        tmp_path / "heldout",
        {"source": "chat", "text": "Thanks, that works!", "tasks": []},
        {"source": "chat", "text": "Please renew the domain.", "tasks": [["domain"]]},
        {"source": "chat", "text": "Please book the hotel.", "tasks": [["flights"]]},
    )
    monkeypatch.setattr(cli_eval, "DEFAULT_DATA", tasks)
    monkeypatch.setattr(cli_eval, "DEFAULT_EXTRACTION", seen)
    unseen = _write(
        tmp_path / "unseen",
        {"source": "chat", "text": "Please renew the domain.", "tasks": [["domain"]]},
        {"source": "chat", "text": "Please book the hotel.", "tasks": [["hotel"]]},
        {"source": "chat", "text": "Please order the cake.", "tasks": [["flowers"]]},
    )
    monkeypatch.setattr(cli_eval, "DEFAULT_HELDOUT", heldout)
    monkeypatch.setattr(cli_eval, "DEFAULT_UNSEEN", unseen)


@pytest.mark.usefixtures("repository_sets")
def test_eval_scores_the_held_out_extraction_set_apart_from_the_other(db: Database) -> None:
    result = runner.invoke(app, ["eval", "--model", "offline", "--json"])

    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["extraction"]["total"]["expected"] == 1
    held_out = report["extraction_heldout"]["total"]
    assert (held_out["expected"], held_out["found"]) == (2, 1)
    assert held_out["precision"] == 0.5


@pytest.mark.usefixtures("repository_sets")
def test_eval_prints_the_held_out_figures_under_their_own_title(db: Database) -> None:
    result = runner.invoke(app, ["eval", "--model", "offline"])

    assert result.exit_code == 0, result.stderr
    assert "task extraction (chats, emails, meeting notes)" in result.stdout
    assert "HELD-OUT" in result.stdout


def test_eval_of_one_s_own_extraction_set_scores_that_set_alone(
    db: Database, tmp_path: Path
) -> None:
    tasks = _write(tmp_path / "eval", {"title": "Write the memo", "strategy": "immediate"})
    mine = _write(
        tmp_path / "mine",
        {"source": "chat", "text": "Please renew the domain.", "tasks": [["domain"]]},
    )

    result = runner.invoke(
        app,
        ["eval", "--model", "offline", "--data", str(tasks), "--extraction", str(mine), "--json"],
    )

    report = json.loads(result.stdout)
    assert report["extraction"]["total"]["expected"] == 1
    assert "extraction_heldout" not in report
    assert "extraction_unseen" not in report


@pytest.mark.usefixtures("repository_sets")
def test_eval_scores_the_unseen_extraction_set_apart_from_the_others(db: Database) -> None:
    result = runner.invoke(app, ["eval", "--model", "offline", "--json"])

    assert result.exit_code == 0, result.stderr
    unseen = json.loads(result.stdout)["extraction_unseen"]["total"]
    assert (unseen["expected"], unseen["found"]) == (3, 2)
    assert unseen["precision"] == 2 / 3


@pytest.mark.usefixtures("repository_sets")
def test_eval_prints_the_unseen_figures_under_a_title_saying_they_are_unseen(
    db: Database,
) -> None:
    result = runner.invoke(app, ["eval", "--model", "offline"])

    assert result.exit_code == 0, result.stderr
    words = " ".join(result.stdout.split())  # the title wraps to the table's width
    assert "UNSEEN set (unseen: never used to tune the offline model)" in words
