"""Automation rules over HTTP: the organization's rules, and a task's, validated on write."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fixtures.api import ApiOrg

pytestmark = pytest.mark.integration

RULES: dict[str, Any] = {
    "rules": [
        {
            "name": "internal email acts",
            "when": {"category": ["email"], "sender_domains": ["corp.com"]},
            "then": "act",
        },
    ],
    "thresholds": {"act": 0.9, "ask": 0.6},
}


def test_the_organization_s_rules_are_replaced_and_read_back(
    api_client: TestClient, api_org: ApiOrg, other_org: ApiOrg
) -> None:
    put = api_client.put("/api/rules", json=RULES, headers=api_org.headers)

    assert put.status_code == 200
    assert api_client.get("/api/rules", headers=api_org.headers).json() == RULES
    assert api_client.get("/api/rules", headers=other_org.headers).json() == {"rules": []}


def test_a_bad_organization_rule_is_422_naming_the_field_and_keeps_the_old_ones(
    api_client: TestClient, api_org: ApiOrg
) -> None:
    api_client.put("/api/rules", json=RULES, headers=api_org.headers)
    bad = {"rules": [{"name": "x", "when": {"min_confidence": 7}, "then": "act"}]}

    response = api_client.put("/api/rules", json=bad, headers=api_org.headers)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "rules.0.when.min_confidence"
    assert api_client.get("/api/rules", headers=api_org.headers).json() == RULES


def test_a_task_s_rules_are_validated_on_create_and_stored(
    api_client: TestClient, api_org: ApiOrg
) -> None:
    good = api_client.post(
        "/api/tasks",
        json={
            "title": "Reply to the vendor",
            "automationRules": {"rules": [{"name": "ask first", "then": "ask"}]},
        },
        headers=api_org.headers,
    )
    bad = api_client.post(
        "/api/tasks",
        json={
            "title": "Reply to the vendor",
            "automationRules": {"rules": [{"name": "oops", "then": "maybe"}]},
        },
        headers=api_org.headers,
    )

    assert good.status_code == 201
    assert good.json()["automation_rules"] == {
        "rules": [{"name": "ask first", "when": {}, "then": "ask"}]
    }
    assert bad.status_code == 422
    assert "automationRules.rules.0.then" in bad.json()["detail"]
