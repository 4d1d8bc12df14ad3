"""The page as people use it: the list first with a one-line quick add, approvals in a tab
naming their task and parent, a timeline in sentences, truthful status colours, a phone layout
that does not jump, and Mark done / Retry with a note. Screenshots at 1280x800 and 390x844."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from agents.classification import SubtaskPlan
from agents.scripted import ScriptedChatModel
from agents.workflow_schemas import EmailDraft
from store import tasks as repo
from store.enums import ExecutionType, Strategy
from tests.fixtures.web_page import (
    PHONE,
    WebApp,
    classification,
    open_page,
    screenshot,
    skip_without_chromium,
    task_row,
)

pytestmark = pytest.mark.browser
skip_without_chromium()

LAPTOP = {"width": 1280, "height": 800}
PARENT = "Plan the partner meeting"


def _draft(to: str, subject: str) -> EmailDraft:
    return EmailDraft(to=[to], subject=subject, body=f"Hi,\n\n{subject}.\n\nDelegate")


def _paused_email(web_app: WebApp, title: str) -> str:
    """Create and run a semi-automated email task through the API: it waits for approval
    (the scripted model answers with a classification and a draft)."""
    headers = {"Authorization": f"Bearer {web_app.key}"}
    with httpx.Client(base_url=web_app.url, headers=headers, timeout=30) as client:
        task = client.post(
            "/api/tasks", json={"title": title, "execution_type": "semi_automated"}
        ).json()
        outcome = client.post("/api/tasks/execute", json={"taskId": task["id"]}).json()
    assert outcome["status"] == "paused", outcome
    return str(task["id"])


@pytest.fixture
def laptop(browser: Browser, web_app: WebApp) -> Any:
    page = open_page(browser, web_app, LAPTOP, key=True)
    expect(page.get_by_role("tab", name="Tasks")).to_be_visible()
    yield page
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


@pytest.fixture
def phone(browser: Browser, web_app: WebApp) -> Any:
    page = open_page(browser, web_app, PHONE, key=True)
    expect(page.get_by_role("tab", name="Tasks")).to_be_visible()
    yield page
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


def test_the_task_list_comes_first_with_a_one_line_quick_add(laptop: Page, web_app: WebApp) -> None:
    for title in ("Buy printer paper", "Translate the flyer into Spanish"):
        web_app.create_task(title)
    laptop.reload()

    quick_add = laptop.get_by_label("What should be done?")
    add = laptop.get_by_role("button", name="Add task")
    first_row = laptop.locator("#task-list .task-item").first

    expect(first_row).to_be_in_viewport()
    quick_box, add_box = quick_add.bounding_box(), add.bounding_box()
    assert quick_box and add_box and abs(quick_box["y"] - add_box["y"]) < 8  # one line
    row_box = first_row.bounding_box()
    screenshot(laptop, "desktop-tasks")
    assert row_box and row_box["y"] < LAPTOP["height"] / 2, f"the list starts {row_box['y']}px down"
    expect(laptop.get_by_label("Details")).to_be_hidden()  # folded under More options


def test_approvals_tab_lists_newest_first_with_task_and_parent(
    laptop: Page, web_app: WebApp, scripted_model: ScriptedChatModel
) -> None:
    semi = classification(ExecutionType.SEMI_AUTOMATED, route="email_drafting")
    scripted_model.script = [
        semi,
        _draft("ann@example.com", "The agenda"),
        semi,
        _draft("bo@example.com", "Thank you"),
    ]
    older = _paused_email(web_app, "Email ann@example.com the agenda")
    newer = _paused_email(web_app, "Email bo@example.com a thank-you")
    parent_id = web_app.create_task(PARENT)
    with web_app.db.session() as session:
        repo.get_task(session, web_app.org_id, newer).parent_task_id = parent_id
    laptop.reload()

    tab = laptop.get_by_role("tab", name=re.compile("^Approvals"))
    expect(laptop.locator("#inbox-count")).to_have_text("2")
    tab.click()

    cards = laptop.locator("#inbox .approval")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_have_attribute("data-task-id", newer)
    expect(cards.nth(1)).to_have_attribute("data-task-id", older)
    expect(cards.nth(0).locator(".approval-context")).to_contain_text(f"Part of {PARENT}")
    expect(cards.nth(0).locator(".approval-context")).to_contain_text(
        re.compile("asked .*(now|ago)")
    )
    expect(cards.nth(1).locator(".approval-context")).not_to_contain_text("Part of")
    screenshot(laptop, "desktop-approvals")


def test_waiting_for_approval_is_an_amber_notice_that_goes_once_answered(
    laptop: Page, web_app: WebApp, scripted_model: ScriptedChatModel
) -> None:
    title = "Email john@example.com thanking him for the meeting"
    web_app.create_task(title, execution_type="semi_automated")
    scripted_model.script = [
        classification(ExecutionType.SEMI_AUTOMATED, route="email_drafting"),
        _draft("john@example.com", "Thank you"),
    ]
    laptop.reload()
    task_row(laptop, title).get_by_role("button", name=re.compile("^Execute")).click()

    notice = laptop.locator("#toasts .toast").filter(has_text="waiting for your approval")
    expect(notice).to_have_class(re.compile("toast-waiting"))
    expect(task_row(laptop, title).locator(".badge")).to_have_text("Paused")
    assert "completed" not in (
        task_row(laptop, title).locator(".badge").get_attribute("class") or ""
    )
    laptop.get_by_role("tab", name=re.compile("^Approvals")).click()
    laptop.locator("#inbox .approval").get_by_role("button", name="Approve").first.click()

    expect(laptop.locator("#inbox .approval")).to_have_count(0)
    expect(notice).to_have_count(0)


def test_offline_says_so_instead_of_up_to_date(laptop: Page) -> None:
    expect(laptop.locator("#live-text")).to_have_text("Up to date")
    laptop.route("**/api/**", lambda route: route.abort())

    laptop.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # refresh now

    expect(laptop.locator("#live-text")).to_have_text(re.compile("^Offline"))
    expect(laptop.locator("#live")).to_have_class(re.compile("is-offline"))
    laptop.unroute("**/api/**")
    laptop.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(laptop.locator("#live-text")).to_have_text("Up to date")
    laptop.errors.clear()  # type: ignore[attr-defined]


def test_quick_add_on_a_phone_keeps_the_page_where_it_is(phone: Page) -> None:
    phone.get_by_label("What should be done?").fill("Buy printer paper")
    phone.keyboard.press("Enter")

    expect(task_row(phone, "Buy printer paper")).to_be_visible()
    expect(phone.get_by_label("What should be done?")).to_be_focused()
    expect(phone.get_by_label("What should be done?")).to_have_value("")
    assert phone.evaluate("window.scrollY") < 50
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "phone-tasks")


def test_long_subtask_titles_take_at_most_two_lines_on_a_phone(
    phone: Page, web_app: WebApp, scripted_model: ScriptedChatModel
) -> None:
    long_title = (
        "Draft the announcement posts for every social channel and the partner newsletter, "
        "with the launch date, the pricing and the three customer quotes"
    )
    scripted_model.script = [
        classification(
            strategy=Strategy.DECOMPOSE,
            subtasks=[
                SubtaskPlan(title=long_title, execution_type=ExecutionType.MANUAL),
                SubtaskPlan(title="Book the launch venue", execution_type=ExecutionType.MANUAL),
            ],
        )
    ]
    task_id = web_app.create_task("Plan the Q4 marketing campaign")
    headers = {"Authorization": f"Bearer {web_app.key}"}
    httpx.post(
        f"{web_app.url}/api/tasks/execute", json={"taskId": task_id}, headers=headers, timeout=30
    )
    phone.goto(f"{web_app.url}/#task/{task_id}")

    title = phone.locator("#detail .tree .tree-title").filter(has_text="Draft the announcement")
    expect(title).to_be_visible()
    lines = title.evaluate(
        "el => Math.round(el.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(el).lineHeight))"
    )
    assert lines <= 2, f"the subtask title takes {lines} lines"
    expect(title).to_have_attribute("title", long_title)
    phone.locator("#detail .tree").scroll_into_view_if_needed()
    screenshot(phone, "phone-subtasks")


def test_mark_done_completes_a_manual_task_with_what_the_person_did(
    laptop: Page, web_app: WebApp
) -> None:
    task_id = web_app.create_task("Buy printer paper", execution_type="manual")
    laptop.goto(f"{web_app.url}/#task/{task_id}")
    detail = laptop.locator("#detail")

    detail.get_by_role("button", name="Mark done").click()
    detail.get_by_label("What did you do?").fill("Bought two boxes at the corner shop")
    detail.locator("form.person-form[data-action='result']").get_by_role(
        "button", name="Mark done"
    ).click()

    expect(detail.locator(".detail-status .badge")).to_have_text("Completed")
    expect(detail.locator(".result-output")).to_contain_text("Bought two boxes")
    expect(detail.locator(".timeline .tl-event").last).to_have_text("Marked done by a person")
    with web_app.db.session() as session:
        assert repo.get_task(session, web_app.org_id, task_id).execution_status == "completed"
    screenshot(laptop, "desktop-marked-done")


def test_retry_with_a_note_runs_a_blocked_task_again_with_the_note(
    laptop: Page, web_app: WebApp, scripted_model: ScriptedChatModel
) -> None:
    task_id = web_app.create_task("Write the welcome message for the new volunteers")
    with web_app.db.session() as session:
        repo.start_task_execution(session, web_app.org_id, task_id)
        repo.block_task_execution(session, web_app.org_id, task_id, "which volunteers?")
    scripted_model.script = [classification(), "Welcome, spring volunteers!"]
    laptop.goto(f"{web_app.url}/#task/{task_id}")
    detail = laptop.locator("#detail")
    expect(detail.get_by_role("button", name=re.compile("^Execute"))).to_have_count(0)

    detail.get_by_role("button", name="Retry with a note").click()
    form = detail.locator("form.person-form[data-action='note']")
    form.get_by_role("button", name="Retry with a note").click()  # no note yet: refused
    expect(form.locator(".approval-status")).to_contain_text("Write a note")
    detail.get_by_label("What should it know this time?").fill("The spring volunteers")
    screenshot(laptop, "desktop-retry")
    form.get_by_role("button", name="Retry with a note").click()

    expect(detail.locator(".detail-status .badge")).to_have_text("Completed")
    expect(detail.locator(".timeline")).to_contain_text("The spring volunteers")
    assert any("The spring volunteers" in call.text for call in scripted_model.calls)
