"""app.terminal: text from people, models and providers never reaches a terminal raw."""

from __future__ import annotations

import io

from rich.table import Table
from rich.text import Text

from app.terminal import SafeConsole, visible_escapes

HOSTILE = "Pay\x1b[2J\x1b]0;owned\x07 now\x9b\u202eevil"


def _printed(*renderables: object) -> str:
    buffer = io.StringIO()
    console = SafeConsole(
        file=buffer, force_terminal=True, width=120, color_system="standard", highlight=False
    )
    console.print(*renderables)
    return buffer.getvalue()


def test_visible_escapes_names_each_control_character() -> None:
    assert visible_escapes(HOSTILE) == "Pay\\x1b[2J\\x1b]0;owned\\x07 now\\x9b\\u202eevil"


def test_visible_escapes_keeps_newlines_tabs_and_ordinary_text() -> None:
    assert visible_escapes("Zoë\tsays\nhello — ok") == "Zoë\tsays\nhello — ok"


def test_a_printed_string_carries_no_escape_character_but_rich_styling_still_works() -> None:
    printed = _printed("[bold]" + HOSTILE + "[/bold]")

    assert "\x1b[2J" not in printed and "\x07" not in printed and "\u202e" not in printed
    assert "\\x1b[2J" in printed
    assert "\x1b[1m" in printed  # the console's own bold


def test_a_table_cell_shows_the_whole_escaped_title() -> None:
    table = Table()
    table.add_column("title")
    table.add_row(HOSTILE)

    printed = _printed(table)

    assert "Pay\\x1b[2J\\x1b]0;owned\\x07 now\\x9b\\u202eevil" in printed


def test_a_rich_text_built_elsewhere_is_escaped_too() -> None:
    printed = _printed(Text(HOSTILE))

    assert "\x1b]0" not in printed and "\x9b" not in printed and "\u202e" not in printed


def test_an_emoji_code_in_a_title_is_shown_as_typed() -> None:
    assert ":boom: launch" in _printed(":boom: launch")
