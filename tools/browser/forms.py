"""Finding and filling form fields and clickable elements on a Playwright page."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from tools.backends import ProviderError
from tools.browser.settings import TRUE_WORDS


def fill_field(page: Page, name: str, value: str) -> str:
    """Fill one field found by `locate_field`: text, select (value or label), checkbox, radio."""
    field = locate_field(page, name)
    tag = field.evaluate("e => e.tagName.toLowerCase()")
    kind = (field.get_attribute("type") or "").lower()
    if tag == "select":
        option = field.evaluate(
            "(e, v) => { const o = [...e.options].find("
            "o => o.value === v || o.label.trim() === v.trim()); return o ? o.value : null }",
            value,
        )
        if option is None:
            raise ProviderError("browser", f"{name!r} has no option {value!r}")
        field.select_option(value=option)
    elif kind == "checkbox":
        field.set_checked(value.strip().lower() in TRUE_WORDS)
    elif kind == "radio":
        group = _css_string(field.get_attribute("name") or "")
        choice = page.locator(f'input[type="radio"][name="{group}"][value="{_css_string(value)}"]')
        if choice.count() == 0:
            choice = page.get_by_label(value, exact=True)
        if choice.count() == 0:
            raise ProviderError("browser", f"{name!r} has no choice {value!r}")
        choice.first.check()
    else:
        field.fill(value)
    return name


def locate_field(page: Page, name: str) -> Locator:
    """A form field by exact label, name, exact placeholder, loose label/placeholder, CSS."""
    candidates: list[Callable[[], Locator]] = [
        lambda: page.get_by_label(name, exact=True),
        lambda: page.locator(f'[name="{_css_string(name)}"]'),
        lambda: page.get_by_placeholder(name, exact=True),
        lambda: page.get_by_label(name),
        lambda: page.get_by_placeholder(name),
        lambda: page.locator(name),
    ]
    found = _first_present(candidates)
    if found is None:
        raise ProviderError("browser", f"no form field matches {name!r} on {page.url}")
    return found


def locate_clickable(page: Page, target: str) -> Locator:
    """An element to click by button/link name, exact text, CSS selector, then loose text."""
    candidates: list[Callable[[], Locator]] = [
        lambda: page.get_by_role("button", name=target, exact=True),
        lambda: page.get_by_role("link", name=target, exact=True),
        lambda: page.get_by_text(target, exact=True),
        lambda: page.locator(target),
        lambda: page.get_by_role("button", name=target),
        lambda: page.get_by_role("link", name=target),
        lambda: page.get_by_text(target),
    ]
    found = _first_present(candidates)
    if found is None:
        raise ProviderError("browser", f"nothing to click matches {target!r} on {page.url}")
    return found


def _css_string(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _first_present(candidates: list[Callable[[], Locator]]) -> Locator | None:
    for make in candidates:
        try:
            locator = make()
            if locator.count() > 0:
                return locator.first
        except PlaywrightError:
            continue  # e.g. the text is not a valid CSS selector
    return None
