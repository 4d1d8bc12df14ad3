"""The page's "Learned" view: per category its examples, preferences, acceptance rate and
standing with why; "Forget" clears it through DELETE /api/learned; a rating given on the page
shows up there. Screenshots at 1280x800 and 390x844."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from store import learned
from store import tasks as repo
from store.orgs import set_automation_rules
from tests.fixtures.web_page import (
    PHONE,
    WebApp,
    open_page,
    screenshot,
    skip_without_chromium,
)

pytestmark = pytest.mark.browser
skip_without_chromium()

LAPTOP = {"width": 1280, "height": 800}
SIGN_OFF = "Anna Berg, Head of Partnerships"
BODY = "Hi John,\n\nThank you for the meeting.\n\nBest regards,"


def _teach(web_app: WebApp) -> None:
    """Two approvals promote email_drafting (promote_after 2) and three edits give it a
    sign-off; three rejections put slack behind approval."""
    db, org = web_app.db, web_app.org_id
    with db.session() as session:
        set_automation_rules(session, org, {"promote_after": 2})
    for n in range(3):
        learned.record_example(
            db,
            org,
            "email_drafting",
            task_id=f"edit-{n}",
            original=BODY,
            edited=f"{BODY}\n{SIGN_OFF}",
            source="approval of send_email with an edited body",
        )
    for n in range(2):
        learned.record_decision(
            db, org, "email_drafting", task_id=f"ok-{n}", tool="send_email", decision="approve"
        )
    for n in range(3):
        learned.record_decision(
            db, org, "slack", task_id=f"no-{n}", tool="post_slack_message", decision="reject"
        )


def _open_learned(page: Page) -> None:
    page.get_by_role("tab", name="Learned").click()
    expect(page.get_by_role("tab", name="Learned")).to_have_attribute("aria-selected", "true")


def _card(page: Page, category: str):  # type: ignore[no-untyped-def]
    return page.locator(f'#learned-list [data-category="{category}"]')


def test_the_learned_view_shows_each_category_s_standing_acceptance_and_preferences(
    browser: Browser, web_app: WebApp
) -> None:
    _teach(web_app)
    page = open_page(browser, web_app, LAPTOP, key=True)
    _open_learned(page)

    email = _card(page, "email_drafting")
    expect(email.locator(".learned-status")).to_have_text("Acts on its own")
    expect(email.locator(".learned-why")).to_contain_text("learned: promoted after 2 acceptances")
    expect(email.locator(".learned-rate")).to_have_text("100% accepted as it was")
    expect(email.locator(".learned-examples")).to_have_text("3")
    preferences = email.get_by_role("list", name="Preferences learned for email_drafting")
    expect(preferences).to_contain_text(SIGN_OFF)
    slack = _card(page, "slack")
    expect(slack.locator(".learned-status")).to_have_text("Asks for approval")
    expect(slack.locator(".learned-why")).to_contain_text("3 of the last 3 slack actions")
    expect(slack.locator(".learned-rate")).to_have_text("0% accepted as it was")
    screenshot(page, "web-learned")
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


def test_forget_asks_first_then_clears_what_was_learned(browser: Browser, web_app: WebApp) -> None:
    _teach(web_app)
    page = open_page(browser, web_app, LAPTOP, key=True)
    _open_learned(page)
    expect(_card(page, "slack")).to_be_visible()

    page.locator("#learned").get_by_role("button", name="Forget", exact=True).click()
    confirm = page.get_by_role("group", name="Confirm forgetting")
    expect(confirm).to_be_visible()
    confirm.get_by_role("button", name="Keep it").click()
    expect(confirm).to_be_hidden()
    forget = page.locator("#learned").get_by_role("button", name="Forget", exact=True)
    expect(forget).to_be_focused()
    expect(forget).to_have_attribute("aria-expanded", "false")
    assert learned.all_learned(web_app.db, web_app.org_id) != []

    page.locator("#learned").get_by_role("button", name="Forget", exact=True).click()
    page.get_by_role("button", name="Forget everything").click()

    expect(page.locator("#toasts")).to_contain_text("Forgot 8 learned answers and examples.")
    expect(page.locator("#learned-empty")).to_be_visible()
    expect(page.locator("#learned-list .learned-card")).to_have_count(0)
    assert learned.all_learned(web_app.db, web_app.org_id) == []
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


def test_a_rating_given_on_the_page_counts_in_the_learned_view(
    browser: Browser, web_app: WebApp
) -> None:
    task_id = web_app.create_task("Email john@example.com a thank-you")
    with web_app.db.session() as session:
        task = repo.get_task(session, web_app.org_id, task_id)
        task.ai_context = {"classification": {"route": "email_drafting"}}
        repo.start_task_execution(session, web_app.org_id, task_id)
        repo.complete_task_execution(
            session, web_app.org_id, task_id, {"strategy": "immediate", "output": "Sent."}
        )
    page = open_page(browser, web_app, LAPTOP, key=True)
    page.goto(f"{web_app.url}/#task/{task_id}")
    detail = page.locator("#detail")
    detail.get_by_role("group", name="Your rating").get_by_role("radio", name="2 stars").check()
    detail.get_by_label("Comment").fill("Too stiff.")
    detail.get_by_role("button", name="Send feedback").click()
    expect(detail.locator(".feedback-list")).to_contain_text("Too stiff.")

    _open_learned(page)

    email = _card(page, "email_drafting")
    expect(email.locator(".learned-rate")).to_have_text("0% accepted as it was")
    expect(email).to_contain_text("0 accepted · 0 edited · 1 rejected")
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


def test_the_learned_view_fits_a_phone(browser: Browser, web_app: WebApp) -> None:
    _teach(web_app)
    page = open_page(browser, web_app, PHONE, key=True)
    _open_learned(page)
    expect(_card(page, "email_drafting")).to_be_visible()

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width}px wide on a {PHONE['width']}px screen"
    screenshot(page, "web-phone-learned")
    page.locator("#learned").get_by_role("button", name="Forget", exact=True).click()
    expect(page.get_by_role("button", name="Forget everything")).to_be_in_viewport()
    screenshot(page, "web-phone-learned-forget")
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()
