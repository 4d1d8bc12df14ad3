"""JSON output for scripts (`--json`), apart from app.render so printing it imports no Rich."""

from __future__ import annotations

import json
from typing import IO, Any, Protocol


class HasFile(Protocol):
    """A console, or anything else that says where its output goes."""

    @property
    def file(self) -> IO[str]: ...


def print_json(console: HasFile, data: Any) -> None:
    """Plain JSON on the console's file for scripts (no colour, no wrapping)."""
    console.file.write(json.dumps(data, indent=2, default=str) + "\n")
    console.file.flush()
