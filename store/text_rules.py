"""What text a person may put in a task title: no control characters, no bidi overrides.

A title is shown on terminals, pages and in provider requests; an escape sequence in it
(`\\x1b]0;...`) would rewrite a terminal, a bidi override would make it read differently
than it is. Whitespace controls (tab, newline, carriage return) are folded into spaces
by the caller; every other control character is refused.
"""

from __future__ import annotations

import unicodedata

#: Characters that reorder displayed text (Trojan Source): refused like control codes.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

#: Whitespace controls a title may contain; they are folded into single spaces.
FOLDED_WHITESPACE = frozenset("\t\n\r\x0b\x0c")


def forbidden_character(text: str) -> str | None:
    """The first character a title may not contain, or None.

    Control characters (Unicode category Cc, C0 and C1) other than folded whitespace, and
    bidi embedding/override/isolate characters.
    """
    for char in text:
        if char in FOLDED_WHITESPACE:
            continue
        if char in BIDI_CONTROLS or unicodedata.category(char) == "Cc":
            return char
    return None


def describe_character(char: str) -> str:
    """A readable name for a refused character: `U+001B (ESCAPE)`."""
    name = unicodedata.name(char, "") or {"\x1b": "ESCAPE", "\x00": "NUL"}.get(char, "control")
    return f"U+{ord(char):04X} ({name})"
