"""GET|DELETE /api/learned: feedback with an edited output teaches a preference, shown with
the feedback it came from, and forgotten on request."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from store import tasks as repo
from store.db import Database
from tests.fixtures.api import ApiOrg

pytestmark = pytest.mark.integration

BODY = "Hi John,\n\nThank you for the meeting.\n\nBest regards,"
SIGN_OFF = "Anna Berg, Acme"


def _finished_email(db: Database, org: ApiOrg) -> str:
    with db.session() as session:
        task = repo.create_task(session, org.id, "Email john@example.com a thank-you")
        task.ai_context = {"classification": {"route": "email_drafting"}}
        repo.start_task_execution(session, org.id, task.id)
        repo.complete_task_execution(
            session, org.id, task.id, {"email": {"to": ["john@example.com"], "body": BODY}}
        )
        return task.id


def _edit(client: TestClient, org: ApiOrg, task_id: str) -> None:
    response = client.post(
        f"/api/tasks/{task_id}/feedback",
        json={"rating": 4, "edited_output": f"{BODY}\n{SIGN_OFF}"},
        headers=org.headers,
    )
    assert response.status_code == 201, response.text


def test_three_edited_outputs_with_the_same_closing_line_are_a_learned_sign_off(
    api_client: TestClient, api_org: ApiOrg, db: Database
) -> None:
    task_ids = [_finished_email(db, api_org) for _ in range(3)]
    for task_id in task_ids:
        _edit(api_client, api_org, task_id)

    response = api_client.get("/api/learned", headers=api_org.headers)

    assert response.status_code == 200
    [item] = response.json()["learned"]
    assert (item["category"], item["kind"], item["value"]) == (
        "email_drafting",
        "sign_off",
        SIGN_OFF,
    )
    assert sorted(s["task_id"] for s in item["sources"]) == sorted(task_ids)


def test_deleting_what_was_learned_forgets_it(
    api_client: TestClient, api_org: ApiOrg, db: Database
) -> None:
    for _ in range(3):
        _edit(api_client, api_org, _finished_email(db, api_org))

    deleted = api_client.delete("/api/learned", headers=api_org.headers)

    assert deleted.json() == {"forgotten": 6}  # each feedback: its rating and its example
    assert api_client.get("/api/learned", headers=api_org.headers).json() == {
        "learned": [],
        "categories": [],
    }


def test_what_one_organization_taught_is_not_shown_to_another(
    api_client: TestClient, api_org: ApiOrg, other_org: ApiOrg, db: Database
) -> None:
    for _ in range(3):
        _edit(api_client, api_org, _finished_email(db, api_org))

    assert api_client.get("/api/learned", headers=other_org.headers).json() == {
        "learned": [],
        "categories": [],
    }


def _rate(client: TestClient, org: ApiOrg, task_id: str, rating: int) -> None:
    response = client.post(
        f"/api/tasks/{task_id}/feedback", json={"rating": rating}, headers=org.headers
    )
    assert response.status_code == 201, response.text


def test_each_category_shows_its_acceptance_and_where_it_stands(
    api_client: TestClient, api_org: ApiOrg, db: Database
) -> None:
    for rating in (5, 4, 2, 3):
        _rate(api_client, api_org, _finished_email(db, api_org), rating)

    [category] = api_client.get("/api/learned", headers=api_org.headers).json()["categories"]

    assert category["category"] == "email_drafting"
    assert (category["accepted"], category["edited"], category["rejected"]) == (2, 0, 1)
    assert category["acceptance_rate"] == pytest.approx(2 / 3)
    assert (category["status"], category["why"]) == (
        "learning",
        "0 of 5 acceptances in a row toward promotion",
    )


def test_ratings_of_four_or_five_promote_a_category_and_say_why(
    api_client: TestClient, api_org: ApiOrg, db: Database
) -> None:
    assert api_client.put(
        "/api/rules", json={"promote_after": 2}, headers=api_org.headers
    ).is_success
    task_ids = [_finished_email(db, api_org) for _ in range(2)]
    for task_id in task_ids:
        _rate(api_client, api_org, task_id, 5)

    body = api_client.get("/api/learned", headers=api_org.headers).json()

    [category] = body["categories"]
    assert category["status"] == "promoted"
    assert category["why"].startswith("learned: promoted after 2 acceptances")
    assert sorted(s["task_id"] for s in category["sources"]) == sorted(task_ids)
    [promoted] = body["learned"]
    assert (promoted["kind"], promoted["why"]) == ("promoted", category["why"])
