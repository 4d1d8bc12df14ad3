"""The autopilot as a LangGraph cron: create, update or remove the server's schedule that runs
the `autopilot` graph, through the official langgraph_sdk client.

One cron per organization, found again by its metadata (`delegate: autopilot`); the server's
custom auth scopes it to the organization of the API key, so each organization's cycles run
for that organization. Schedules are standard cron (five fields, UTC unless a timezone is
given); the server validates them and its in-memory runtime (`langgraph dev`) runs them too.
"""

from __future__ import annotations

from typing import Any

from store.errors import DelegateError, InvalidInput, NotFound, Unauthorized

#: The langgraph.json graph a cron runs.
ASSISTANT = "autopilot"
#: Metadata that marks Delegate's autopilot cron (the org is added by the server's auth).
CRON_METADATA = {"delegate": "autopilot"}


def _client(server: str, api_key: str | None) -> Any:
    from langgraph_sdk import get_sync_client

    if not server.startswith(("http://", "https://")):
        raise InvalidInput(f"--server must be an http(s) URL, not {server!r}")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else None
    return get_sync_client(url=server.rstrip("/"), headers=headers)


def _call(action: str, server: str, request: Any) -> Any:
    """Run one SDK call; the server's refusals become Delegate's errors, with its reason."""
    import httpx

    try:
        return request()
    except httpx.HTTPStatusError as exc:
        status, detail = exc.response.status_code, _detail(exc.response)
        if status in (400, 422):
            raise InvalidInput(f"the server refused the schedule: {detail}") from None
        if status in (401, 403):
            raise Unauthorized(f"the server refused the API key (--api-key): {detail}") from None
        if status == 404:
            raise NotFound(f"{action}: the server has no such {ASSISTANT} graph or cron") from None
        raise DelegateError(f"{action} failed on the server: {status} {detail}") from None
    except httpx.TransportError as exc:
        raise DelegateError(f"cannot reach the server at {server} ({type(exc).__name__})") from None


def _detail(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    return str(body.get("detail") or body.get("message") or body)[:300]


def _assistant_id(client: Any, server: str) -> str:
    """The server's assistant for the autopilot graph (crons name assistants by id)."""
    found = _call(
        "finding the autopilot graph",
        server,
        lambda: client.assistants.search(graph_id=ASSISTANT, limit=1),
    )
    if not found:
        raise NotFound(f"the server at {server} does not serve the {ASSISTANT} graph")
    return str(found[0]["assistant_id"])


def _ours(client: Any, server: str, assistant_id: str) -> list[dict[str, Any]]:
    return list(
        _call(
            "listing the crons",
            server,
            lambda: client.crons.search(
                assistant_id=assistant_id, metadata=CRON_METADATA, limit=10
            ),
        )
    )


def schedule_autopilot(
    server: str, schedule: str, *, api_key: str | None = None, timezone: str | None = None
) -> dict[str, Any]:
    """Make the server run an autopilot cycle on `schedule`: the organization's cron is
    updated when it exists, else created. Returns {cron_id, schedule, next_run_date, created}."""
    if len(schedule.split()) not in (5, 6):
        raise InvalidInput(
            f"--schedule must be a cron expression of five fields (e.g. '*/15 * * * *'), "
            f"not {schedule!r}"
        )
    client = _client(server, api_key)
    assistant_id = _assistant_id(client, server)
    existing = _ours(client, server, assistant_id)
    if existing:
        cron_id = str(existing[0]["cron_id"])
        cron = _call(
            "updating the cron",
            server,
            lambda: client.crons.update(
                cron_id, schedule=schedule, enabled=True, timezone=timezone
            ),
        )
    else:
        cron = _call(
            "creating the cron",
            server,
            lambda: client.crons.create(
                assistant_id,
                schedule=schedule,
                input={},
                metadata=CRON_METADATA,
                timezone=timezone,
            ),
        )
    return {
        "cron_id": str(cron["cron_id"]),
        "schedule": cron.get("schedule") or schedule,
        "next_run_date": str(cron.get("next_run_date") or ""),
        "created": not existing,
    }


def unschedule_autopilot(server: str, *, api_key: str | None = None) -> list[str]:
    """Remove the organization's autopilot cron(s) from the server; the ids removed."""
    client = _client(server, api_key)
    removed = []
    for cron in _ours(client, server, _assistant_id(client, server)):
        cron_id = str(cron["cron_id"])
        _call("removing the cron", server, lambda cron_id=cron_id: client.crons.delete(cron_id))
        removed.append(cron_id)
    return removed
