"""The one place secrets are taken out of text before it is stored, logged or shown.

Two kinds of secret are removed:
- every configured one: provider API keys (OPENAI_API_KEY and any other `*_API_KEY`),
  tokens (DELEGATE_GOOGLE_TOKEN, SLACK_BOT_TOKEN, any `*_TOKEN`), `*_SECRET` and `*_PASSWORD`
  variables, the tokens and client secret in DELEGATE_GOOGLE_CREDENTIALS' file, and the
  password of every database URL this process opened;
- anything shaped like a credential, configured or not: `sk-...`, `xox?-...`, `ya29....`,
  `Bearer ...`, Delegate's own `dlg_...` API keys, `AIza...` keys, `user:password@` in URLs.

Callers: the lifecycle writes (store.execution) and the side-effect ledger for what is
stored, the checkpointer's serializer (store.checkpoints), log records (app.logs), the API's
and the CLI's error answers, and the outcomes a run returns.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

MASK = "***"
#: Configured values shorter than this are not treated as secrets (too likely to be words).
MIN_SECRET_LENGTH = 8

#: Variables that always hold a secret.
SECRET_VARIABLES = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "DELEGATE_GOOGLE_TOKEN",
    "SLACK_BOT_TOKEN",
    "LANGSMITH_API_KEY",
)
#: Any variable whose name ends so holds a secret too (GROQ_API_KEY, SLACK_APP_TOKEN, ...).
SECRET_SUFFIXES = ("_API_KEY", "_TOKEN", "_SECRET", "_PASSWORD", "_ACCESS_KEY")
CREDENTIALS_VARIABLE = "DELEGATE_GOOGLE_CREDENTIALS"
DATABASE_VARIABLE = "DELEGATE_DATABASE_URL"
#: Fields of an authorized-user JSON that are secret.
_CREDENTIAL_FIELDS = ("token", "refresh_token", "client_secret", "access_token")

#: Every token shape below contains one of these (lower-cased text is searched): a fast
#: substring test spares the regular expression for the text that has none.
_MARKERS = ("sk-", "xox", "ya29.", "dlg_", "aiza", "bearer", "://")

#: Token shapes: (what stays visible, the secret part).
_SHAPES = [
    r"(?<![\w-])(sk-)[A-Za-z0-9_\-]{8,}",
    r"(?<![\w-])(xox[abposre]-)[A-Za-z0-9\-]+",
    r"(?<![\w-])(ya29\.)[A-Za-z0-9_.\-]+",
    r"(?<![\w-])(dlg_)[A-Za-z0-9_\-]{8,}",
    r"(?<![\w-])(AIza)[A-Za-z0-9_\-]{20,}",
    r"(?i:(?<![\w-])(bearer\s+))[A-Za-z0-9._~+/=\-]{4,}",
    r"(://[^:/@\s'\"]+:)[^@\s'\"/]+(?=@)",
]


class _Redactor:
    """The compiled patterns for one set of configured secrets."""

    def __init__(self, secrets: frozenset[str]) -> None:
        literal = "|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True))
        alternatives = ([f"(){literal}"] if literal else []) + _SHAPES
        # Each alternative's first group is the part that stays visible.
        self._text = re.compile("|".join(f"(?:{a})" for a in alternatives))
        self._bytes = re.compile(self._text.pattern.encode())
        self.secrets = secrets
        self._secret_bytes = tuple(s.encode() for s in secrets)
        self._marker_bytes = tuple(m.encode() for m in _MARKERS)

    def text(self, value: str) -> str:
        if not self._may_hold_secret(value, value.lower(), self.secrets, _MARKERS):
            return value
        return self._text.sub(self._keep_prefix, value)

    @staticmethod
    def _may_hold_secret(value: Any, lowered: Any, secrets: Any, markers: Any) -> bool:
        return any(m in lowered for m in markers) or any(s in value for s in secrets)

    @staticmethod
    def _keep_prefix(match: re.Match[str]) -> str:
        prefix = next((g for g in match.groups() if g is not None), "")
        return prefix + MASK

    def data(self, value: bytes) -> bytes:
        """Secrets in serialized bytes overwritten with '*' of the same length, so a framed
        format (msgpack's length-prefixed strings) stays valid."""
        if not self._may_hold_secret(value, value.lower(), self._secret_bytes, self._marker_bytes):
            return value
        if not self._bytes.search(value):
            return value
        return self._bytes.sub(lambda m: b"*" * len(m.group(0)), value)


_lock = threading.Lock()
_cached: tuple[_Snapshot, _Redactor] | None = None
_registered: set[str] = set()


def register_secret(value: str | None) -> None:
    """Treat `value` as a secret from now on (e.g. the password of a database URL)."""
    global _cached
    # A short one (a dev database's "pass") is left to the URL shape: masked everywhere, it
    # would garble every word that contains it.
    if value and len(value) >= MIN_SECRET_LENGTH and value not in _registered:
        with _lock:
            _registered.add(value)
            _cached = None


class _Snapshot:
    """What the configured secrets were read from, cheap to compare on every call: the
    environment's size and the values of the variables that mattered (a variable set or
    removed changes the size; looking up absent names would cost an exception each)."""

    def __init__(self) -> None:
        self.size = len(os.environ)
        names = [
            name
            for name in os.environ
            if name in (*SECRET_VARIABLES, DATABASE_VARIABLE, CREDENTIALS_VARIABLE)
            or name.upper().endswith(SECRET_SUFFIXES)
        ]
        self.values = tuple((name, os.environ.get(name)) for name in names)
        self.credentials_mtime = _mtime(os.environ.get(CREDENTIALS_VARIABLE, ""))

    def current(self) -> bool:
        return (
            len(os.environ) == self.size
            and all(os.environ.get(name) == value for name, value in self.values)
            and (
                self.credentials_mtime is None
                or _mtime(os.environ.get(CREDENTIALS_VARIABLE, "")) == self.credentials_mtime
            )
        )


def _mtime(path: str) -> float | None:
    try:
        return Path(path.strip()).expanduser().stat().st_mtime if path.strip() else None
    except OSError:
        return None


def configured_secrets() -> frozenset[str]:
    """Every secret this process is configured with (values, never their names)."""
    found = set(_registered)
    for name, value in os.environ.items():
        secret_name = name in SECRET_VARIABLES or name.upper().endswith(SECRET_SUFFIXES)
        if secret_name and value.strip():
            found.add(value.strip())
    found |= _credentials_file_secrets(os.environ.get(CREDENTIALS_VARIABLE, "").strip())
    password = _url_password(os.environ.get(DATABASE_VARIABLE, ""))
    if password:
        found.add(password)
    return frozenset(s for s in found if len(s) >= MIN_SECRET_LENGTH)


def _credentials_file_secrets(path: str) -> set[str]:
    if not path:
        return set()
    try:
        data = json.loads(Path(path).expanduser().read_text())
    except (OSError, ValueError):
        return set()
    if not isinstance(data, dict):
        return set()
    return {str(data[k]) for k in _CREDENTIAL_FIELDS if isinstance(data.get(k), str) and data[k]}


def _url_password(url: str) -> str | None:
    match = re.search(r"://[^:/@\s]+:([^@\s/]+)@", url or "")
    return match.group(1) if match else None


def _redactor() -> _Redactor:
    global _cached
    cached = _cached
    if cached is not None and cached[0].current():
        return cached[1]
    with _lock:
        snapshot = _Snapshot()
        redactor = _Redactor(configured_secrets())
        _cached = (snapshot, redactor)
    return redactor


def redact(text: str) -> str:
    """`text` with every secret replaced by *** (a token's visible prefix kept: `sk-***`)."""
    if not text:
        return text
    return _redactor().text(text)


def redact_bytes(data: bytes) -> bytes:
    """Serialized data with every secret overwritten by '*' of the same length."""
    return _redactor().data(data) if data else data


def contains_secret(data: bytes) -> bool:
    return bool(data) and _redactor().data(data) is not data


def redact_value(value: Any) -> Any:
    """A copy of `value` with secrets taken out of every string inside it: dicts, lists,
    tuples, sets and pydantic models (chat messages); other objects are returned as they are.
    Unchanged values are returned as the same object."""
    return _walk(value, _redactor().text)


def _walk(value: Any, clean: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        items = {k: _walk(v, clean) for k, v in value.items()}
        return value if all(items[k] is value[k] for k in value) else type(value)(items)
    if isinstance(value, list | tuple | set | frozenset):
        walked = [_walk(v, clean) for v in value]
        if all(a is b for a, b in zip(walked, value, strict=True)):
            return value
        if isinstance(value, tuple) and hasattr(value, "_fields"):
            return type(value)(*walked)  # a NamedTuple
        return type(value)(walked)
    if _is_pydantic_model(value):
        fields = {k: _walk(v, clean) for k, v in value.__dict__.items()}
        changed = {k: v for k, v in fields.items() if v is not value.__dict__[k]}
        return value.model_copy(update=changed) if changed else value
    return value


def _is_pydantic_model(value: Any) -> bool:
    """Whether value is a pydantic model, without importing pydantic.

    A process that never imported pydantic holds no model, and importing it here costs the
    CLI's quick reads more than the rest of their start-up (app.logs imports this module)."""
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(value, pydantic.BaseModel)
