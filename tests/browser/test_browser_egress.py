"""Browser egress in whole task runs: a page the task names may reach only the hosts the
task names. Playwright drives Debian's Chromium against two loopback sites on different
ports: the named one serves pages that try to reach the other by a form, a redirect, an
image (direct and redirected), a fetch and a WebSocket."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agents.scripted import ScriptedChatModel
from graphs.runner import TaskRunner
from store.db import Database
from tests.fixtures.agent_runs import events, load_task, run_one_tool
from tests.fixtures.web_standin import WebPages
from tools.browser.settings import DEBIAN_CHROMIUM

pytestmark = [pytest.mark.integration, pytest.mark.browser]

if not Path(DEBIAN_CHROMIUM).is_file():
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)


@pytest.fixture
def sites(browser_env: WebPages, other_site: WebPages) -> tuple[WebPages, WebPages]:
    """(the named site, the other site), with the real browser backend and no allowlist."""
    return browser_env, other_site


def refused_requests(db: Database, org_id: str, task_id: str) -> list[dict[str, Any]]:
    return [r for e in events(db, org_id, task_id, "egress_refused") for r in e["requests"]]


#: page -> (tool, its extra arguments, the kind of request refused, the task is blocked)
CASES = {
    "/leaky/form": ("fill_form", {"fields": {"Email": "ann@example.com"}}, "document", True),
    "/leaky/redirect": ("open_url", {}, "document+redirect", True),
    "/leaky/image": ("open_url", {}, "image", False),
    "/leaky/image-redirect": ("open_url", {}, "image+redirect", False),
    "/leaky/fetch": ("open_url", {}, "fetch", False),
    "/leaky/websocket": ("open_url", {}, "websocket", False),
}


def _args(path: str, url: str) -> tuple[str, dict[str, Any]]:
    tool, extra, _kind, _blocks = CASES[path]
    args = {"url": url, **extra}
    if tool == "fill_form":
        args["submit_selector"] = "Subscribe"
    return tool, args


@pytest.mark.parametrize("path", sorted(CASES))
def test_page_cannot_reach_a_host_the_task_does_not_name(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    sites: tuple[WebPages, WebPages],
    db: Database,
    org_id: str,
    path: str,
) -> None:
    named, other = sites
    url = named.url(path)
    tool, args = _args(path, url)

    task_id, outcome = run_one_tool(runner, scripted_model, f"Look at {url} for me", tool, args)

    assert other.requests == []
    refused = refused_requests(db, org_id, task_id)
    _tool, _extra, kind, blocks = CASES[path]
    assert [(r["kind"], r["host"]) for r in refused] == [(kind, other.host)]
    assert "s3cr3t" not in str(refused)  # the query (what a page tries to leak) is not logged
    if blocks:
        assert outcome["status"] == "blocked"
        assert other.host.split(":")[0] in (load_task(db, org_id, task_id).blocked_reason or "")
        (denied,) = events(db, org_id, task_id, "policy_denied")
        assert denied["rule"] == "untrusted_destination"
    else:
        assert outcome["status"] == "completed"
        assert "Hello" in str(load_task(db, org_id, task_id).result)


@pytest.mark.parametrize("path", sorted(CASES))
def test_page_reaches_the_other_host_when_the_task_names_it_too(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    sites: tuple[WebPages, WebPages],
    db: Database,
    org_id: str,
    path: str,
) -> None:
    named, other = sites
    url = named.url(path)
    tool, args = _args(path, url)

    task_id, _outcome = run_one_tool(
        runner, scripted_model, f"Look at {url} (it uses {other.base_url}/)", tool, args
    )

    assert other.requests, "the control: the same page does reach a named host"
    assert refused_requests(db, org_id, task_id) == []
