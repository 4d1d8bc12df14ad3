"""The `Idempotency-Key` header on POST routes: a retried request is answered, not redone.

A client that lost the answer to `POST /api/tasks` or `POST /api/tasks/execute` (a timeout,
a dropped connection) sends the same request with the same key and gets the first answer
back, marked `Idempotent-Replayed: true`: no second task, no second run. The key is kept
per organization and route for 24 hours (store.idempotent_requests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Header
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.api.state import ApiState, Caller
from store import idempotent_requests as keys

Answer = TypeVar("Answer", bound=BaseModel)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[\x21-\x7e][\x20-\x7e]*$",
        max_length=keys.MAX_KEY_LENGTH,
        description=(
            "Any unique string (a UUID). Retrying with the same key and request returns the "
            "first answer instead of doing the work again; the same key with another request "
            "is a 422, and while the first is still being served, a 409."
        ),
    ),
]


def serve_once(
    state: ApiState,
    caller: Caller,
    route: str,
    key: str | None,
    request: BaseModel,
    serve: Callable[[], Answer],
    *,
    status_code: int = 200,
    exclude_none: bool = False,
) -> Answer | JSONResponse:
    """Serve `request` through `serve`, or replay the answer a request with `key` got."""
    if key is None:
        return serve()
    digest = keys.fingerprint(request.model_dump(mode="json"))
    try:
        stored = keys.reserve(state.db, caller.org_id, route, key, digest)
    except keys.KeyReused as exc:  # a 422 naming the header, like any invalid field
        raise RequestValidationError(
            [{"loc": ("header", "Idempotency-Key"), "msg": str(exc), "type": "value_error"}]
        ) from None
    if stored is not None:
        return JSONResponse(
            stored.body, status_code=stored.status_code, headers={"Idempotent-Replayed": "true"}
        )
    try:
        answer = serve()
    except BaseException:
        keys.release(state.db, caller.org_id, route, key)
        raise
    body = answer.model_dump(mode="json", by_alias=True, exclude_none=exclude_none)
    keys.record(state.db, caller.org_id, route, key, status_code, body)
    return JSONResponse(body, status_code=status_code)
