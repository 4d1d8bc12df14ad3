"""Every browser tool in a whole task run: Playwright driving Debian's Chromium against pages
served on 127.0.0.1, with DELEGATE_BROWSER_OFFLINE=1 as on a machine without internet."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import ToolMessage

from agents.scripted import ScriptedChatModel
from graphs.runner import TaskRunner
from store.db import Database
from tests.fixtures.agent_runs import events, load_task, run_one_tool, stored_result
from tests.fixtures.web_standin import WebPages
from tools.browser.settings import DEBIAN_CHROMIUM

pytestmark = [pytest.mark.integration, pytest.mark.browser]

if not Path(DEBIAN_CHROMIUM).is_file():
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)


def page_requests(pages: WebPages, method: str, path: str) -> list[Any]:
    """What Chromium asked the pages for (favicon requests aside)."""
    return [r for r in pages.requests if (r.method, r.path) == (method, path)]


def test_open_url_returns_the_pages_readable_text(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    browser_env: WebPages,
    db: Database,
    org_id: str,
) -> None:
    url = browser_env.url("/contact")

    task_id, outcome = run_one_tool(
        runner, scripted_model, f"What are the opening hours on {url}?", "open_url", {"url": url}
    )

    assert outcome["status"] == "completed"
    (request,) = page_requests(browser_env, "GET", "/contact")
    assert "Chrome" in request.headers["User-Agent"]
    output = stored_result(db, org_id, task_id)["output"]
    assert "Monday to Friday: 7:00 - 18:00" in output
    assert "tracking-code-should-not-show" not in output
    assert '<untrusted_content source="a web page">' in output
    (called,) = events(db, org_id, task_id, "tool_called")
    assert (called["tool"], called["args"]) == ("open_url", {"url": url})


def test_fill_form_submits_the_form_on_the_named_page(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    browser_env: WebPages,
    db: Database,
    org_id: str,
) -> None:
    url = browser_env.url("/form")
    args = {
        "url": url,
        "fields": {"Your name": "Ann", "Email": "ann@example.com", "party_size": "4"},
        "submit_selector": "Book now",
    }

    task_id, outcome = run_one_tool(
        runner,
        scripted_model,
        f"Book a table for 4 for Ann (ann@example.com) on {url}",
        "fill_form",
        args,
        "Booked the table.",
    )

    assert outcome["status"] == "completed"
    (submission,) = browser_env.submissions
    assert submission["name"] == "Ann"
    assert submission["email"] == "ann@example.com"
    assert submission["party_size"] == "4"
    (post,) = page_requests(browser_env, "POST", "/form/submit")
    assert post.headers["Content-Type"] == "application/x-www-form-urlencoded"
    (action,) = stored_result(db, org_id, task_id)["actions"]
    assert action["tool"] == "fill_form"
    assert action["result"]["status"] == "submitted"
    assert "Thank you, Ann!" in action["result"]["text"]
    # The log keeps which fields were filled, never what was typed into them.
    (done,) = events(db, org_id, task_id, "side_effect_done")
    assert done["args"]["fields"] == {"fields": ["Email", "Your name", "party_size"]}
    assert "ann@example.com" not in str(done)


def test_click_presses_the_button_and_returns_the_changed_page(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    browser_env: WebPages,
    db: Database,
    org_id: str,
) -> None:
    url = browser_env.url("/button")

    task_id, outcome = run_one_tool(
        runner,
        scripted_model,
        f"Find today's opening hours on {url}",
        "click",
        {"url": url, "selector": "Show today's hours"},
    )

    assert outcome["status"] == "completed"
    assert len(page_requests(browser_env, "GET", "/button")) == 1
    result = stored_result(db, org_id, task_id)
    (action,) = result["actions"]
    assert action["tool"] == "click"
    assert action["result"]["status"] == "clicked"
    assert "Open until 18:00" in action["result"]["text"]
    assert "Open until 18:00" in result["output"]


def test_page_after_a_click_reaches_the_model_marked_untrusted(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    browser_env: WebPages,
) -> None:
    url = browser_env.url("/button")

    run_one_tool(
        runner,
        scripted_model,
        f"Find today's opening hours on {url}",
        "click",
        {"url": url, "selector": "Show today's hours"},
        "Open until 18:00.",
    )

    (shown,) = [m for m in scripted_model.calls[-1].messages if isinstance(m, ToolMessage)]
    assert str(shown.content).startswith('<untrusted_content source="a web page">')
    assert "Open until 18:00" in str(shown.content)


def test_screenshot_saves_a_png_of_the_named_page(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    browser_env: WebPages,
    db: Database,
    org_id: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where screenshots are saved
    url = browser_env.url("/contact")

    task_id, outcome = run_one_tool(
        runner, scripted_model, f"Take a screenshot of {url}", "screenshot", {"url": url}
    )

    assert outcome["status"] == "completed"
    (request,) = page_requests(browser_env, "GET", "/contact")
    assert request.method == "GET"
    (shot,) = (tmp_path / "delegate-screenshots").glob(f"{task_id}-*.png")
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert str(shot) in stored_result(db, org_id, task_id)["output"]


@pytest.mark.timeout(120)  # a generous bound; the speed goal is benchmarks/browser_timeout.py's
def test_page_that_never_loads_fails_the_task_instead_of_hanging(
    runner: TaskRunner,
    scripted_model: ScriptedChatModel,
    browser_env: WebPages,
    db: Database,
    org_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DELEGATE_BROWSER_TIMEOUT", "1")
    url = browser_env.url("/hang")

    task_id, outcome = run_one_tool(
        runner,
        scripted_model,
        f"Read the page {url}",
        "open_url",
        {"url": url},
        "Read it.",
        max_retries=0,
    )

    assert browser_env.hanging_started.is_set()
    assert outcome["status"] == "failed"
    assert outcome["success"] is False
    task = load_task(db, org_id, task_id)
    assert task.execution_status == "failed"
    assert task.failure_reason is not None
    assert "timed out after 1 s" in task.failure_reason and url in task.failure_reason
