"""`delegate feedback` with an edited file teaches; `delegate learned` shows it and why;
`--reset` forgets it; bad input is a one-line error."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from app.cli import app
from store import tasks as repo
from store.db import Database

runner = CliRunner()
BODY = "Hi John,\n\nThank you for the meeting.\n\nBest regards,"
SIGN_OFF = "Anna Berg, Acme"


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _finished_email(db: Database, org_id: str) -> str:
    with db.session() as session:
        task = repo.create_task(session, org_id, "Email john@example.com a thank-you")
        task.ai_context = {"classification": {"route": "email_drafting"}}
        repo.start_task_execution(session, org_id, task.id)
        repo.complete_task_execution(session, org_id, task.id, {"email": {"body": BODY}})
        return task.id


def _edited_file(tmp_path: Path) -> Path:
    path = tmp_path / "edited.txt"
    path.write_text(f"{BODY}\n{SIGN_OFF}\n", encoding="utf-8")
    return path


def test_learned_shows_the_sign_off_three_edited_feedbacks_added(
    db: Database, org_id: str, tmp_path: Path
) -> None:
    edited = _edited_file(tmp_path)
    for _ in range(3):
        task_id = _finished_email(db, org_id)
        code, _, err = invoke("feedback", task_id, "--rating", "4", "--edited-file", str(edited))
        assert code == 0, err

    code, stdout, _ = invoke("learned", "--json")

    assert code == 0
    [item] = json.loads(stdout)["learned"]
    assert (item["kind"], item["value"]) == ("sign_off", SIGN_OFF)
    assert "3 edits of email_drafting outputs" in item["why"]


def test_learned_reset_forgets_it(db: Database, org_id: str, tmp_path: Path) -> None:
    edited = _edited_file(tmp_path)
    for _ in range(3):
        invoke(
            "feedback", _finished_email(db, org_id), "--rating", "4", "--edited-file", str(edited)
        )

    code, _, _ = invoke("learned", "--reset")

    assert code == 0
    assert json.loads(invoke("learned", "--json")[1]) == {"learned": [], "categories": []}


def test_feedback_with_a_rating_out_of_range_is_a_one_line_error(db: Database, org_id: str) -> None:
    code, _, err = invoke("feedback", _finished_email(db, org_id), "--rating", "9")

    assert code != 0
    assert "rating must be from 1 to 5" in err
    assert len(err.strip().splitlines()) == 1


def test_feedback_with_a_missing_edited_file_is_a_one_line_error(
    db: Database, org_id: str, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.txt"
    code, _, err = invoke(
        "feedback", _finished_email(db, org_id), "--rating", "3", "--edited-file", str(missing)
    )

    assert code != 0
    assert "--edited-file" in err and "nope.txt" in err
    assert len(err.strip().splitlines()) == 1


def test_learned_shows_each_category_s_acceptance_and_standing(db: Database, org_id: str) -> None:
    for rating in (5, 1):
        assert invoke("feedback", _finished_email(db, org_id), "--rating", str(rating))[0] == 0

    code, stdout, _ = invoke("learned")
    [category] = json.loads(invoke("learned", "--json")[1])["categories"]

    assert code == 0
    assert "Acceptance per category" in stdout and "50%" in stdout
    assert (category["accepted"], category["rejected"], category["acceptance_rate"]) == (1, 1, 0.5)
    assert category["status"] == "learning"
