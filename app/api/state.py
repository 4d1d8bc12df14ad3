"""What one API app holds (database, checkpointer, a runner per organization) and the auth check.

Everything heavy opens lazily: the database on the first request that needs it, the
checkpointer and the graph (LangGraph, LangChain) on the first run, so importing the app
stays cheap and `delegate serve` answers fast. The app's lifespan closes them on shutdown.
"""

from __future__ import annotations

import threading
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from store.db import ALL_ORGANIZATIONS, Database, get_database
from store.orgs import authenticate

if TYPE_CHECKING:
    from graphs.runner import TaskRunner


@dataclass(frozen=True)
class Caller:
    """The organization an API key belongs to."""

    org_id: str
    org_name: str
    authorization: str = field(default="", repr=False, compare=False)
    """The request's `Authorization` header: a run through the LangGraph server carries it."""


class ApiState:
    """One app's resources, opened on first need and closed on shutdown (`close`)."""

    def __init__(
        self,
        db: Database | None = None,
        *,
        database_url: str | None = None,
        model: str | None = None,
    ) -> None:
        self._db = db
        self._database_url = database_url
        self._model = model
        self._lock = threading.RLock()
        self._resources: ExitStack | None = None
        self._checkpointer: Any = None
        self._runners: dict[str, TaskRunner] = {}
        self._under_server: bool | None = None

    @property
    def db(self) -> Database:
        """The store (migrated on first open when the app was built without one)."""
        if self._db is None:
            with self._lock:
                if self._db is None:
                    self._db = get_database(self._database_url)
        return self._db

    def checkpointer(self) -> Any:
        """The app's one checkpointer, shared by every run it starts."""
        with self._lock:
            if self._checkpointer is None:
                from store.checkpoints import open_checkpointer

                resources = ExitStack()
                self._checkpointer = resources.enter_context(open_checkpointer(self.db))
                self._resources = resources
            return self._checkpointer

    def runner(self, caller: Caller) -> TaskRunner:
        """The TaskRunner of the caller's organization (built once, then reused); under the
        LangGraph server, one that runs tasks through the server for this caller."""
        local = self._local_runner(caller)
        if self._under_server is None:
            from app.langgraph_runtime import under_langgraph_server

            self._under_server = under_langgraph_server()
        if not self._under_server:
            return local
        from app.langgraph_runtime import ServerTaskRunner

        return ServerTaskRunner(local, caller.authorization)

    def _local_runner(self, caller: Caller) -> TaskRunner:
        with self._lock:
            runner = self._runners.get(caller.org_id)
            if runner is None:
                from graphs.runner import TaskRunner

                runner = TaskRunner(
                    self.db, self.checkpointer(), organization=caller.org_name, model=self._model
                )
                self._runners[caller.org_id] = runner
            return runner

    def close(self) -> None:
        """Close the checkpointer and forget the runners that used it."""
        with self._lock:
            self._runners.clear()
            self._checkpointer = None
            if self._resources is not None:
                self._resources.close()
                self._resources = None


def get_state(request: Request) -> ApiState:
    """The ApiState of the app serving this request."""
    state: ApiState = request.app.state.delegate
    return state


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An organization's API key (`delegate keys create --org NAME`).",
)


def current_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """Authenticate `Authorization: Bearer <key>`; Unauthorized (401) without a valid key."""
    key = credentials.credentials if credentials is not None else None
    # Finds the key's organization: the lookup must see every organization's keys.
    with get_state(request).db.session(ALL_ORGANIZATIONS) as session:
        org = authenticate(session, key)
        return Caller(org_id=org.id, org_name=org.name, authorization=f"Bearer {key}")


CallerDep = Annotated[Caller, Depends(current_caller)]
StateDep = Annotated[ApiState, Depends(get_state)]
