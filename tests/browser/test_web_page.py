"""The web page for people, driven in Chromium against a real uvicorn serving create_app."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from agents.classification import SubtaskPlan
from agents.scripted import ScriptedChatModel
from graphs.runner import ANSWERABLE, task_runner
from store import tasks as repo
from store.enums import ExecutionType, Strategy
from store.models import Feedback
from tests.fixtures.web_page import (
    DESKTOP,
    EMAIL_DRAFT,
    EMAIL_TITLE,
    PHONE,
    WebApp,
    add_task,
    classification,
    open_page,
    screenshot,
    skip_without_chromium,
    task_row,
)

pytestmark = pytest.mark.browser

skip_without_chromium()


# --- tests ---------------------------------------------------------------------------------


def test_api_key_entry_rejects_a_bad_key_and_accepts_a_good_one(
    browser: Browser, web_app: WebApp
) -> None:
    page = open_page(browser, web_app, DESKTOP, key=False)
    panel = page.locator("#key-panel")
    expect(panel).to_contain_text("delegate init")
    expect(panel).to_contain_text("delegate keys create")

    page.get_by_role("textbox", name="API key").fill("dlg_not-a-real-key")
    page.get_by_role("button", name="Connect").click()
    expect(page.locator("#key-error")).to_contain_text("not accepted")

    page.get_by_role("textbox", name="API key").fill(web_app.key)
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("heading", name="Tasks")).to_be_visible()
    assert page.evaluate("localStorage.getItem('delegate.apiKey')") == web_app.key
    screenshot(page, "web-connected")
    page.context.close()


def test_created_task_runs_to_completed_live_and_shows_its_log(
    page: Page, web_app: WebApp, scripted_model: ScriptedChatModel
) -> None:
    release = threading.Event()

    def deliverable(messages: Any, tools: Any) -> str:
        release.wait(timeout=20)  # hold the run in progress until the page has shown it
        return (
            "## Welcome plan\n\nA calm first week.\n\n- Saturday briefing\n- Meet your buddy\n\n"
            "<b>not bold</b>"
        )

    scripted_model.script = [classification(), deliverable]
    add_task(page, "Outline a welcome plan for new volunteers", "Short and friendly.")
    row = task_row(page, "Outline a welcome plan for new volunteers")
    expect(row.locator(".badge")).to_have_text("Pending")

    row.get_by_role("button", name=re.compile("^Execute")).click()
    expect(row.locator(".badge")).to_have_text("In progress")  # polled, no reload
    release.set()
    expect(row.locator(".badge")).to_have_text("Completed")

    row.locator(".task-open").click()
    detail = page.locator("#detail")
    expect(detail.get_by_role("heading", name="Outline a welcome plan")).to_be_visible()
    expect(detail.locator(".detail-status .badge")).to_have_text("Completed")
    result = detail.locator(".result-output")
    expect(result.locator("h5")).to_have_text("Welcome plan")
    expect(result.locator("li")).to_have_text(["Saturday briefing", "Meet your buddy"])
    expect(result).to_contain_text("<b>not bold</b>")  # HTML is shown as text
    assert result.locator("b").count() == 0
    events = detail.locator(".timeline .tl-event")
    expect(events.first).to_have_text("You created it")
    assert {
        "Started working on it",
        "Decided to do it now on its own (90% sure)",
        "Finished",
    } <= set(events.all_inner_texts())
    timeline = detail.locator(".timeline")
    expect(timeline).not_to_contain_text("fully_automated", use_inner_text=True)
    expect(timeline).not_to_contain_text("execute_task", use_inner_text=True)
    expect(timeline.locator(".tl-executor").first).not_to_be_visible()  # folded away
    expect(timeline.locator("time").first).to_have_text(re.compile("now|ago"))
    started = detail.locator(".tl-item[data-event='started']")
    expect(started.locator(".tl-change")).to_contain_text("Pending")
    expect(started.locator(".tl-change")).to_contain_text("In progress")
    expect(started.locator(".tl-executor")).to_contain_text("execute_task")
    detail.locator(".timeline").scroll_into_view_if_needed()
    screenshot(page, "web-task-completed")


def test_edited_email_is_approved_and_lands_in_the_sandbox_outbox(
    page: Page, browser: Browser, web_app: WebApp, scripted_model: ScriptedChatModel
) -> None:
    email = classification(ExecutionType.SEMI_AUTOMATED, route="email_drafting")
    scripted_model.script = [email, EMAIL_DRAFT]
    add_task(page, EMAIL_TITLE, execution_type="semi_automated")
    task_row(page, EMAIL_TITLE).get_by_role("button", name=re.compile("^Execute")).click()

    expect(page.locator("#inbox-count")).to_have_text("1")
    page.get_by_role("tab", name=re.compile("^Approvals")).click()
    card = page.locator("#inbox .approval").filter(has_text=EMAIL_TITLE)
    expect(card).to_be_visible()
    expect(card.locator(".action-pill")).to_have_text("Send email")
    expect(card.locator(".field[data-field='to']")).to_contain_text("john@example.com")
    expect(card.locator(".field[data-field='subject']")).to_contain_text("Thank you")
    expect(card.locator(".field[data-field='body']")).to_contain_text(
        "Thank you for the meeting today."
    )
    expect(task_row(page, EMAIL_TITLE).locator(".badge")).to_have_text("Paused")
    assert web_app.sent_emails() == []
    screenshot(page, "web-approval-pending")
    phone = open_page(browser, web_app, PHONE, key=True)  # the same inbox on a phone
    phone.get_by_role("tab", name=re.compile("^Approvals")).click()
    expect(phone.locator("#inbox .approval .value-long")).to_contain_text("Thank you")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "web-phone-approval")
    phone.context.close()

    card.get_by_role("button", name="Edit").click()
    expect(card.get_by_label("To")).to_be_focused()
    edited = "Hi John,\n\nThanks a lot for today. See you on Friday!\n\nDelegate"
    card.get_by_label("Body").fill(edited)
    screenshot(page, "web-approval-editing")
    card.get_by_role("button", name="Approve edited version").click()

    expect(page.locator("#inbox .approval")).to_have_count(0)
    expect(page.locator("#inbox-empty")).to_be_visible()
    page.get_by_role("tab", name="Tasks").click()
    expect(task_row(page, EMAIL_TITLE).locator(".badge")).to_have_text("Completed")
    (sent,) = web_app.sent_emails()
    assert sent.body.strip() == edited.strip()
    assert sent.to == ["john@example.com"]
    assert sent.subject == "Thank you"

    task_row(page, EMAIL_TITLE).locator(".task-open").click()
    detail = page.locator("#detail")
    expect(detail.locator(".result-output")).to_contain_text("Email sent.")
    expect(detail.locator(".result-output")).to_contain_text("See you on Friday!")
    screenshot(page, "web-approval-sent")


def _email_waiting_for_approval(page: Page, scripted_model: ScriptedChatModel) -> None:
    """Add and execute the semi-automated email task from the page: one approval waits."""
    email = classification(ExecutionType.SEMI_AUTOMATED, route="email_drafting")
    scripted_model.script = [email, EMAIL_DRAFT]
    add_task(page, EMAIL_TITLE, execution_type="semi_automated")
    task_row(page, EMAIL_TITLE).get_by_role("button", name=re.compile("^Execute")).click()
    expect(page.locator("#inbox-count")).to_have_text("1")


def test_rejected_email_sends_nothing_and_blocks_the_task_with_the_reason(
    page: Page, web_app: WebApp, scripted_model: ScriptedChatModel
) -> None:
    _email_waiting_for_approval(page, scripted_model)
    page.get_by_role("tab", name=re.compile("^Approvals")).click()
    card = page.locator("#inbox .approval").filter(has_text=EMAIL_TITLE)
    expect(card).to_be_visible()

    card.get_by_role("button", name="Reject").click()
    card.get_by_role("button", name="Reject action").click()  # no reason yet: refused
    expect(card.locator(".approval-status")).to_contain_text("Say why")
    card.get_by_label("Why not?").fill("John left the company; write to Maria instead.")
    screenshot(page, "web-approval-rejecting")
    card.get_by_role("button", name="Reject action").click()

    expect(page.locator("#inbox .approval")).to_have_count(0)
    page.get_by_role("tab", name="Tasks").click()
    row = task_row(page, EMAIL_TITLE)
    expect(row.locator(".badge")).to_have_text("Blocked")
    assert web_app.sent_emails() == []
    row.locator(".task-open").click()
    expect(page.locator("#detail .callout-blocked")).to_contain_text("John left the company")
    screenshot(page, "web-approval-rejected")


def test_an_approval_whose_approver_died_offers_only_finishing_it(
    page: Page, web_app: WebApp, scripted_model: ScriptedChatModel
) -> None:
    _email_waiting_for_approval(page, scripted_model)
    # Someone approved it from another process, which died (long ago) before carrying it out.
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    with task_runner(web_app.db, clock=lambda: long_ago) as dead:
        [task_id] = [t["task_id"] for t in dead.pending_approvals()]
        [pending] = dead.pending_interrupts(task_id)
        answer = {"interrupt_id": pending.id, "value": {"type": "approve", "message": None}}
        dead.claim(task_id, ANSWERABLE, decision=answer)

    page.reload()
    page.get_by_role("tab", name=re.compile("^Approvals")).click()
    card = page.locator("#inbox .approval").filter(has_text=EMAIL_TITLE)
    expect(card).to_contain_text("Answered (approve); not carried out yet.")
    expect(card.get_by_role("button", name="Reject")).to_have_count(0)
    card.get_by_role("button", name="Finish").click()

    expect(page.locator("#inbox .approval")).to_have_count(0)
    assert len(web_app.sent_emails()) == 1


def test_feedback_with_stars_and_comment_is_saved_for_a_finished_task(
    page: Page, web_app: WebApp
) -> None:
    task_id = web_app.create_task("Summarize the volunteer survey")
    with web_app.db.session() as session:
        repo.start_task_execution(session, web_app.org_id, task_id)
        repo.complete_task_execution(
            session, web_app.org_id, task_id, {"strategy": "immediate", "output": "Done."}
        )
    page.goto(f"{web_app.url}/#task/{task_id}")
    detail = page.locator("#detail")
    expect(detail.get_by_role("heading", name="How did it go?")).to_be_visible()

    stars = detail.get_by_role("group", name="Your rating")
    stars.get_by_role("radio", name="1 star", exact=True).focus()
    page.keyboard.press("ArrowRight")  # radios are keyboard operable: 1 -> 2
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # 4 stars
    expect(stars.get_by_role("radio", name="4 stars")).to_be_checked()
    detail.get_by_label("Comment").fill("Clear and short.")
    detail.get_by_role("button", name="Send feedback").click()

    expect(detail.locator(".feedback-list")).to_contain_text("Clear and short.")
    expect(detail.locator(".feedback-list .star-text")).to_have_attribute(
        "aria-label", "4 of 5 stars"
    )
    with web_app.db.session() as session:
        (row,) = session.scalars(select(Feedback).where(Feedback.task_id == task_id)).all()
        assert (row.rating, row.comment) == (4, "Clear and short.")
    screenshot(page, "web-feedback")


def test_filters_and_search_narrow_the_task_list(page: Page, web_app: WebApp) -> None:
    web_app.create_task("Buy printer paper", execution_type="manual")
    web_app.create_task("Draft the newsletter intro", execution_type="semi_automated")
    web_app.create_task("Translate the flyer into Spanish")
    page.reload()
    expect(page.locator("#task-list .task-item")).to_have_count(3)

    page.get_by_label("Type").select_option("manual")
    expect(page.locator("#task-list .task-item")).to_have_count(1)
    expect(task_row(page, "Buy printer paper")).to_be_visible()
    # a manual task has no Execute button: a person does it
    expect(task_row(page, "Buy printer paper").get_by_role("button")).to_have_count(0)

    page.get_by_label("Type").select_option("")
    page.get_by_label("Search").fill("flyer")
    expect(page.locator("#task-list .task-item")).to_have_count(1)
    expect(task_row(page, "Translate the flyer into Spanish")).to_be_visible()

    page.get_by_label("Search").fill("")
    page.get_by_label("Status").select_option("completed")
    expect(page.locator("#tasks-empty")).to_have_text("No tasks with these filters.")


def test_decomposed_task_shows_its_subtask_tree_with_statuses(
    page: Page, web_app: WebApp, scripted_model: ScriptedChatModel
) -> None:
    scripted_model.script = [
        classification(
            strategy=Strategy.DECOMPOSE,
            subtasks=[
                SubtaskPlan(title="Write the agenda", execution_type=ExecutionType.FULLY_AUTOMATED),
                SubtaskPlan(title="Reserve the room", execution_type=ExecutionType.MANUAL),
            ],
        ),
        classification(),  # the automated subtask runs right after its parent
        "1. Welcome\n2. Tour\n3. Lunch",
    ]
    add_task(page, "Plan the volunteer onboarding day")
    row = task_row(page, "Plan the volunteer onboarding day")
    row.get_by_role("button", name=re.compile("^Execute")).click()
    expect(row.locator(".badge")).to_have_text("Paused")

    row.locator(".task-open").click()
    tree = page.locator("#detail .tree")
    agenda = tree.locator(".tree-node").filter(has_text="Write the agenda")
    room = tree.locator(".tree-node").filter(has_text="Reserve the room")
    expect(agenda.locator(".badge")).to_have_text("Completed")
    expect(room.locator(".badge")).to_have_text("Pending")
    expect(room).to_contain_text("Manual")
    expect(page.locator("#detail .progress-line")).to_contain_text("1 of 2 completed")
    screenshot(page, "web-subtasks")

    agenda.get_by_role("button", name="Write the agenda").click()
    expect(page.locator("#detail-title")).to_have_text("Write the agenda")
    expect(page.locator("#detail .result-output li")).to_have_count(3)
    expect(page.locator("#detail .detail-nav")).to_contain_text("Plan the volunteer onboarding day")


def test_phone_layout_fits_390px_and_every_control_has_a_label(
    browser: Browser, web_app: WebApp
) -> None:
    task_id = web_app.create_task(
        "Draft a thank-you note to the volunteers of the spring book fair",
        description="Mention the **record** turnout.",
    )
    web_app.create_task("Buy printer paper", execution_type="manual")
    page = open_page(browser, web_app, PHONE, key=True)
    expect(page.locator("#task-list .task-item")).to_have_count(2)

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width}px wide on a {PHONE['width']}px screen"
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
              .filter(el => el.type !== 'hidden' && !el.closest('[hidden]'))
              .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
              .map(el => el.id || el.name)"""
    )
    assert unlabeled == []
    assert page.locator("[role=status][aria-live=polite]").count() >= 1
    screenshot(page, "web-phone-list")

    task_row(page, "Draft a thank-you note").locator(".task-open").click()
    title = page.locator("#detail-title")
    expect(title).to_be_focused()  # focus moves to the detail for keyboard and screen readers
    expect(title).to_be_in_viewport()
    expect(page.locator("#detail .description strong")).to_have_text("record")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    screenshot(page, "web-phone-detail")

    page.get_by_role("button", name="← All tasks").click()
    expect(task_row(page, "Draft a thank-you note").locator(".task-open")).to_be_focused()
    assert task_id not in page.url
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


def test_keyboard_alone_adds_a_task_and_lands_on_its_detail(page: Page) -> None:
    page.get_by_label("What should be done?").focus()
    page.keyboard.type("Translate the flyer into Spanish")
    page.keyboard.press("Enter")

    title = page.locator("#detail-title")
    expect(title).to_have_text("Translate the flyer into Spanish")
    expect(title).to_be_focused()
    expect(page.locator("#announcer")).to_have_text("Added “Translate the flyer into Spanish”.")
    page.keyboard.press("Tab")  # the next stop is the detail's own Execute button
    expect(page.locator("#detail .execute")).to_be_focused()
    screenshot(page, "web-keyboard-focus")
