"""A Rich console that never writes a control character it did not make itself.

Titles, results, log entries and provider errors are text from people, models and other
services; printed raw, an escape sequence in them could clear the screen, set the window
title or hide what follows. Rich passes such characters through, so this console shows
each one as a visible escape (`\\x1b`) while Rich's own styling still works.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Text

#: C0 and C1 control characters (except newline and tab, which layout needs), DEL, and the
#: bidi embedding/override/isolate characters.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible_escapes(text: str) -> str:
    """`text` with every unsafe character written as a `\\xNN` / `\\uNNNN` escape."""

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNSAFE.sub(escape, text)


class SafeConsole(Console):
    """`rich.console.Console` whose rendered text has control characters made visible.

    Strings are escaped before layout (so tables measure what is shown); anything that
    reaches rendering unescaped (a `Text` built elsewhere) is escaped segment by segment.
    Emoji codes stay as written: a title reading ":boom:" is shown as typed, not as 💥.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("emoji", False)
        super().__init__(*args, **kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(visible_escapes(text), **kwargs)

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            if segment.control or not _UNSAFE.search(segment.text):
                yield segment
            else:
                yield Segment(visible_escapes(segment.text), segment.style, segment.control)


def safe_console(**kwargs: Any) -> SafeConsole:
    """A `SafeConsole` with Rich's usual options."""
    return SafeConsole(**kwargs)
