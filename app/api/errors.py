"""The one place errors become HTTP answers: DelegateError -> its status, validation -> 422."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.schemas import ErrorBody, ValidationErrorBody
from store.errors import DelegateError, Unauthorized
from store.redaction import redact

log = logging.getLogger("delegate.api")

#: Largest request body accepted (bytes; FastAPI answers 413 above it). Tasks are text.
MAX_BODY_BYTES = 1024 * 1024

#: The error answers every /api route documents (422 replaces FastAPI's default schema).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No API key, or an unknown one."},
    404: {"model": ErrorBody, "description": "No such task in your organization."},
    409: {"model": ErrorBody, "description": "The task's state forbids this; detail says why."},
    413: {"model": ErrorBody, "description": "The request body is too large."},
    422: {"model": ValidationErrorBody, "description": "A field is missing or invalid."},
}


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    # ("body", "title") -> "title"; ("query", "limit") -> "limit"; ("body",) -> "body".
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else [str(p) for p in loc]
    return ".".join(parts) or "body"


def validation_body(errors: list[dict[str, Any]] | Any) -> dict[str, Any]:
    """A 422 body naming every invalid field, without echoing the (possibly secret) input."""
    items = []
    for error in errors:
        loc = list(error.get("loc") or ())
        message = str(error.get("msg") or "invalid value")
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        field = _field_name(loc)
        if error.get("type") == "json_invalid":
            # loc is ("body", <character position>): the body itself is the bad field.
            reason = (error.get("ctx") or {}).get("error", "JSON decode error")
            field, message = "body", f"invalid JSON at character {loc[-1]}: {reason}"
        items.append(
            {
                "field": field,
                "location": [p if isinstance(p, int) else str(p) for p in loc],
                "message": message,
            }
        )
    detail = "; ".join(f"{i['field']}: {i['message']}" for i in items) or "invalid request"
    return {"detail": detail, "errors": items}


async def _delegate_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DelegateError)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    if exc.status_code >= 500:
        log.error("request failed: %s", type(exc).__name__)
    return JSONResponse({"detail": redact(str(exc))}, status_code=exc.status_code, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(validation_body(exc.errors()), status_code=422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # FastAPI's answer to a body it cannot even decode (e.g. bytes that are not UTF-8):
        # for the client it is one more invalid field, so it gets the documented 422.
        return JSONResponse(
            validation_body([{"loc": ("body",), "msg": f"could not be read: {exc.detail}"}]),
            status_code=422,
        )
    detail = redact(exc.detail) if isinstance(exc.detail, str) else exc.detail
    return JSONResponse(
        {"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None)
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers: DelegateError, validation, and HTTP errors (all `{"detail"}`)."""
    app.add_exception_handler(DelegateError, _delegate_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


class DeclaredBodyLimit:
    """ASGI middleware: a JSON 413 for /api requests that declare a body over the limit.

    The routes' own `max_body_size` stops streamed bodies (also as JSON); this answers the
    common case before any byte is read, with the same `{"detail"}` shape as every error.
    Other paths (the LangGraph server's, when mounted there) pass through untouched.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES, prefix: str = "/api") -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            declared = Headers(scope=scope).get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
                response = JSONResponse(
                    {"detail": f"request body is larger than {self.max_bytes} bytes"},
                    status_code=413,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
