"""The FastAPI app: task routes under /api, OpenAPI docs at /docs, cheap to import.

`app` is what `delegate serve` runs and what langgraph.json mounts next to the LangGraph
server's routes (`"http": {"app": "app.api.main:app"}`); every Delegate route lives under
/api so nothing clashes with the server's own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from app.api import (
    docs,
    routes_chat,
    routes_learned,
    routes_rules,
    routes_runs,
    routes_tasks,
    web,
)
from app.api.admission import AdmissionLimit, InFlight, max_in_flight_from_env
from app.api.errors import DeclaredBodyLimit, install_error_handlers
from app.api.schemas import Health
from app.api.state import ApiState
from app.logs import install_log_redaction
from store.db import Database

DESCRIPTION = """\
Delegate's task API. Authenticate with an organization's API key:
`Authorization: Bearer <key>` (create one with `delegate keys create --org NAME`).

Requests accept snake_case fields and the spec's camelCase aliases (`executionType`,
`dueDate`, `maxRetries`, `taskId`). Task responses use the store's snake_case columns;
execute, approve and reject answer with the spec's
`{success, strategy, result | subtasks | reason, message, taskId}`.
Errors are `{"detail": "..."}`; a 422 also lists each invalid field in `errors`.
"""


def create_app(
    db: Database | None = None,
    *,
    database_url: str | None = None,
    model: str | None = None,
    max_in_flight: int | None = None,
) -> FastAPI:
    """The API app over `db` (else DELEGATE_DATABASE_URL, opened on first use).

    `model` overrides DELEGATE_MODEL for the runs this app starts; `max_in_flight` bounds
    the /api requests served at once (else DELEGATE_MAX_IN_FLIGHT, default 32).
    """
    install_log_redaction()  # no log line of a request shows a secret
    state = ApiState(db, database_url=database_url, model=model)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Nothing opens at startup: the store opens on the first request that needs it and
        # the checkpointer on the first run. Opening them here, even in the background,
        # delayed the first answer of `delegate serve` by about a second on a busy machine.
        try:
            yield
        finally:
            await run_in_threadpool(state.close)

    app = FastAPI(
        title="Delegate",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # app.api.docs serves /docs from local files under a CSP
        openapi_url="/openapi.json",
        redoc_url=None,
        # Operation ids are the endpoint names (create_task, execute_task, ...) for clients.
        generate_unique_id_function=lambda route: route.name,
    )
    app.state.delegate = state
    install_error_handlers(app)
    app.add_middleware(DeclaredBodyLimit)
    app.state.admission = InFlight(limit=max_in_flight or max_in_flight_from_env())
    app.add_middleware(AdmissionLimit, counter=app.state.admission)

    @app.get("/api/health", tags=["health"])
    async def health() -> Health:
        """Liveness: answers as soon as the server is up (no key needed), even under load.

        It runs on the event loop (no worker thread) and is never shed by the admission
        limit, so it stays fast while other routes answer 503."""
        return Health(status="ok")

    # The execute routes first: `/api/tasks/execute` must not be read as a task id.
    app.include_router(routes_runs.router)
    app.include_router(routes_tasks.router)
    app.include_router(routes_rules.router)
    app.include_router(routes_chat.router)
    app.include_router(routes_learned.router)
    web.install(app)  # the page at / and its approvals inbox
    docs.install(app)  # /docs: Swagger UI from local files
    return app


app = create_app()
