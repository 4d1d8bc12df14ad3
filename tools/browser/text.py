"""Readable text from a page's HTML: headings, paragraphs, lists and tables; no scripts,
styles, navigation or hidden elements. Headings become "# ...", list items "- ...".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

# Content under these is never shown to a reader (or is chrome, like site navigation).
_SKIPPED = frozenset(
    {"script", "style", "noscript", "template", "svg", "nav", "iframe", "object", "head"}
)
# Elements that start a new line of text.
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "dd", "details", "div", "dl",
        "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
        "h5", "h6", "header", "hr", "li", "main", "ol", "p", "pre", "section", "summary",
        "table", "tbody", "thead", "tfoot", "tr", "ul", "br", "caption", "label", "option",
    }
)  # fmt: skip
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
     "track", "wbr", "param"}
)  # fmt: skip
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_SPACES = re.compile(r"\s+")


@dataclass
class ReadablePage:
    """What a reader (or an agent) gets from a page."""

    text: str
    links: list[dict[str, str]] = field(default_factory=list)


class _Extractor(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.lines: list[str] = []
        self.links: list[dict[str, str]] = []
        self._buffer: list[str] = []
        self._prefix = ""
        self._skip_stack: list[str] = []
        self._open_link: dict[str, str] | None = None
        self._link_text: list[str] = []
        self._cells: list[str] | None = None

    # -- parser callbacks -------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if self._skip_stack:
            if tag not in _VOID:
                self._skip_stack.append(tag)
            return
        hidden = "hidden" in attributes or attributes.get("aria-hidden") == "true"
        if tag in _SKIPPED or (hidden and tag not in _VOID):
            self._skip_stack.append(tag)
            return
        if tag in ("td", "th") and self._cells is not None:
            self._flush_cell()
            return
        if tag == "tr":
            self._flush()
            self._cells = []
            return
        if tag in _BLOCKS:
            self._flush()
        if tag in _HEADINGS:
            self._prefix = "#" * _HEADINGS[tag] + " "
        elif tag == "li":
            self._prefix = "- "
        elif tag == "a" and attributes.get("href"):
            self._open_link = {"url": urljoin(self.base_url, attributes["href"] or "")}
            self._link_text = []
        elif tag == "img" and attributes.get("alt"):
            self._buffer.append(f" {attributes['alt']} ")

    def handle_endtag(self, tag: str) -> None:
        if self._skip_stack:
            # Pop to the matching open tag (tolerates unclosed children).
            while self._skip_stack:
                if self._skip_stack.pop() == tag:
                    break
            return
        if tag == "a" and self._open_link is not None:
            text = _SPACES.sub(" ", "".join(self._link_text)).strip()
            if text and self._open_link["url"].startswith(("http://", "https://")):
                self.links.append({"text": text, "url": self._open_link["url"]})
            self._open_link = None
        if tag in ("td", "th") and self._cells is not None:
            self._flush_cell()
        elif tag == "tr" or (tag in ("table", "tbody", "thead") and self._cells is not None):
            self._flush_row()
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip_stack:
            return
        self._buffer.append(data)
        if self._open_link is not None:
            self._link_text.append(data)

    # -- line assembly ----------------------------------------------------------------------

    def _flush(self) -> None:
        text = _SPACES.sub(" ", "".join(self._buffer)).strip()
        self._buffer = []
        if text:
            self.lines.append(self._prefix + text)
        if text or self._prefix:
            self._prefix = ""

    def _flush_cell(self) -> None:
        text = _SPACES.sub(" ", "".join(self._buffer)).strip()
        self._buffer = []
        if self._cells is not None and text:
            self._cells.append(text)

    def _flush_row(self) -> None:
        self._flush_cell()
        if self._cells:
            self.lines.append(" | ".join(self._cells))
        self._cells = None

    def finish(self) -> None:
        self.close()
        if self._cells is not None:
            self._flush_row()
        self._flush()


def readable_text(html: str, base_url: str = "") -> ReadablePage:
    """The page's readable text, one block per line, and its links (absolute http(s) URLs)."""
    extractor = _Extractor(base_url)
    extractor.feed(html)
    extractor.finish()
    lines: list[str] = []
    for line in extractor.lines:
        if not lines or lines[-1] != line:
            lines.append(line)
    return ReadablePage(text="\n".join(lines), links=extractor.links)
