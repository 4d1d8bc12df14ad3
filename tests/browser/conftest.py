"""Browser tests: the tools share one Chromium per settings; end them with each module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tools.browser.chromium import close_shared_browsers


@pytest.fixture(scope="module", autouse=True)
def _close_browsers() -> Iterator[None]:
    yield
    close_shared_browsers()
