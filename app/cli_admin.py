"""CLI administration: the database, API keys, the allowlist, budgets, the sandbox, serving,
the demo."""

from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli_base import (
    JsonFlag,
    allow_app,
    app,
    budgets_app,
    current_org_id,
    err,
    keys_app,
    open_db,
    out,
    state,
)

if TYPE_CHECKING:
    from store.db import Database


@app.command()
def init(as_json: JsonFlag = False) -> None:
    """Create or upgrade the database; create the organization and its first API key."""
    from sqlalchemy import func, select

    from app.render import print_json
    from store.db import Database, redact_url
    from store.models import ApiKey
    from store.orgs import create_api_key

    db = Database()
    db.upgrade()
    org_id = current_org_id(db)
    with db.session(org_id) as session:
        has_key = session.scalar(
            select(func.count()).select_from(ApiKey).where(ApiKey.org_id == org_id)
        )
        key = None if has_key else create_api_key(session, org_id, "init")
    _sync_agents(db)
    info = {
        "database": redact_url(db.url),
        "organization": state.org,
        "org_id": org_id,
        "api_key": key,
    }
    if as_json:
        print_json(out, info)
        return
    out.print(f"[green]database ready[/] {info['database']}")
    out.print(f"organization [bold]{state.org}[/] ({org_id})")
    if key:
        out.print(f"API key (shown once, store it now): [bold]{key}[/]")
    else:
        out.print("API keys exist already; `delegate keys create --org NAME` makes another.")


def _sync_agents(db: "Database") -> None:
    try:
        from agents.registry import sync_agents
    except ImportError:
        return
    from store.db import ALL_ORGANIZATIONS

    with db.session(ALL_ORGANIZATIONS) as session:  # the agents table is no organization's
        sync_agents(session)


@keys_app.command("create")
def keys_create(
    org: Annotated[
        str, typer.Option("--org", metavar="NAME", help="Organization the key belongs to.")
    ],
    name: Annotated[str, typer.Option("--name", metavar="LABEL", help="A label for the key.")] = (
        "cli"
    ),
    as_json: JsonFlag = False,
) -> None:
    """Create an API key for an organization (created if new). The key is shown once."""
    from app.render import print_json
    from store.orgs import create_api_key

    db = open_db()
    org_id = current_org_id(db, org)
    with db.session(org_id) as session:
        key = create_api_key(session, org_id, name)
    if as_json:
        print_json(out, {"organization": org, "org_id": org_id, "api_key": key})
    else:
        out.print(f"API key for [bold]{org}[/] (shown once): [bold]{key}[/]")


def _key_json(key: Any) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "created_at": key.created_at.isoformat(),
        "last_used_at": key.last_used_at.isoformat() if key.last_used_at else None,
    }


OrgOption = Annotated[
    str | None,
    typer.Option("--org", metavar="NAME", help="Organization (default: the global --org)."),
]


@keys_app.command("list")
def keys_list(org: OrgOption = None, as_json: JsonFlag = False) -> None:
    """List an organization's API keys (id, name, shown prefix, last use); never the keys."""
    from rich.table import Table

    from app.render import print_json
    from store.orgs import list_api_keys

    db = open_db()
    org_id = current_org_id(db, org)
    with db.session(org_id) as session:
        keys = [_key_json(k) for k in list_api_keys(session, org_id)]
    if as_json:
        print_json(out, keys)
        return
    if not keys:
        out.print(f"no API keys for {org or state.org}: `delegate keys create --org NAME`")
        return
    table = Table(title=f"API keys of {org or state.org}", box=None)
    for column in ("id", "name", "prefix", "created", "last used"):
        table.add_column(column)
    for key in keys:
        table.add_row(
            key["id"][:8],
            key["name"],
            key["prefix"] + "…",
            key["created_at"][:16],
            (key["last_used_at"] or "never")[:16],
        )
    out.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[
        str, typer.Argument(metavar="KEY", help="Key id (or 4+ characters of it) or its prefix.")
    ],
    org: OrgOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Revoke an API key: it stops working at once."""
    from app.render import print_json
    from store.orgs import revoke_api_key

    db = open_db()
    org_id = current_org_id(db, org)
    with db.session(org_id) as session:
        revoked = _key_json(revoke_api_key(session, org_id, key_id))
    if as_json:
        print_json(out, {**revoked, "revoked": True})
    else:
        out.print(f"revoked API key {revoked['id'][:8]} ({revoked['name']}, {revoked['prefix']}…)")


def _change_allowlist(kind: str, value: str, add: bool, as_json: bool) -> None:
    from app.render import print_json
    from store.orgs import update_allowlist

    db = open_db()
    org_id = current_org_id(db)
    with db.session(org_id) as session:
        allowlist = update_allowlist(session, org_id, kind, value, add=add)
    if as_json:
        print_json(out, allowlist)
    else:
        _print_allowlist(allowlist)


def _print_allowlist(allowlist: dict[str, list[str]]) -> None:
    for kind, entries in allowlist.items():
        out.print(f"[bold]{kind}[/]: {', '.join(entries) if entries else '[dim]none[/]'}")


@allow_app.command("show")
def allowlist_show(as_json: JsonFlag = False) -> None:
    """Show the allowlist."""
    from app.render import print_json
    from store.models import Organization
    from store.orgs import ALLOWLIST_KINDS

    db = open_db()
    org_id = current_org_id(db)
    with db.session(org_id) as session:
        stored = session.get(Organization, org_id).allowlist or {}  # type: ignore[union-attr]
    allowlist = {k: list(stored.get(k, [])) for k in ALLOWLIST_KINDS}
    if as_json:
        print_json(out, allowlist)
    else:
        _print_allowlist(allowlist)


@allow_app.command("add")
def allowlist_add(
    kind: Annotated[str, typer.Argument(help="emails | domains | channels | hosts")],
    value: Annotated[str, typer.Argument(help="e.g. ops@example.com, example.com, #general")],
    as_json: JsonFlag = False,
) -> None:
    """Trust a destination for every task of the organization."""
    _change_allowlist(kind, value, True, as_json)


@allow_app.command("remove")
def allowlist_remove(
    kind: Annotated[str, typer.Argument(help="emails | domains | channels | hosts")],
    value: Annotated[str, typer.Argument(help="The entry to remove.")],
    as_json: JsonFlag = False,
) -> None:
    """Stop trusting a destination."""
    _change_allowlist(kind, value, False, as_json)


def _print_budgets(as_json: bool, overrides: dict[str, int]) -> None:
    from app.render import print_json
    from tools.gate.budgets import RunBudget

    budget = RunBudget.resolve(overrides).as_dict()
    if as_json:
        print_json(out, budget)
        return
    for name, entry in budget.items():
        out.print(f"[bold]{name}[/]: {entry['limit']} per run [dim]({entry['source']})[/]")


@budgets_app.command("show")
def budgets_show(as_json: JsonFlag = False) -> None:
    """Show the limits on one run and where each comes from."""
    from store.orgs import get_budget_overrides

    db = open_db()
    org_id = current_org_id(db)
    with db.session(org_id) as session:
        overrides = get_budget_overrides(session, org_id)
    _print_budgets(as_json, overrides)


@budgets_app.command("set")
def budgets_set(
    name: Annotated[str, typer.Argument(help="model_calls | tool_calls | side_effects")],
    value: Annotated[str, typer.Argument(help="A whole number, or 'default' to unset it.")],
    as_json: JsonFlag = False,
) -> None:
    """Set one limit on every run of the organization's tasks."""
    from store.errors import InvalidInput
    from store.orgs import set_budget

    cleaned = value.strip().lower()
    if cleaned != "default" and not cleaned.isdigit():
        raise InvalidInput(f"a budget is a whole number or 'default', not {value!r}")
    db = open_db()
    org_id = current_org_id(db)
    with db.session(org_id) as session:
        limit = None if cleaned == "default" else int(cleaned)
        overrides = set_budget(session, org_id, name, limit)
    _print_budgets(as_json, overrides)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
) -> None:
    """Serve the HTTP API (and its docs at /docs) with uvicorn until interrupted."""
    from app.api.server import serve as serve_api

    err.print(f"Delegate API on http://{host}:{port} (docs at /docs); Ctrl+C stops it")
    serve_api(host, port, log_level=log_level)


@app.command()
def sandbox(
    what: Annotated[str, typer.Argument(help="all | mail | calendar | slack")] = "all",
    as_json: JsonFlag = False,
) -> None:
    """Show what the sandbox backends hold: drafts, sent mail, inbox, calendar, Slack."""
    from app.render import print_json
    from app.sandbox_view import print_sandbox, snapshot
    from store.errors import InvalidInput

    if what not in ("all", "mail", "calendar", "slack"):
        raise InvalidInput(f"unknown sandbox view {what!r}; use all, mail, calendar or slack")
    db = open_db()
    data = snapshot(db, current_org_id(db))
    if as_json:
        print_json(out, data)
    else:
        print_sandbox(out, data, None if what == "all" else what)


@app.command()
def demo(as_json: JsonFlag = False) -> None:
    """Run the spec's three scenarios end to end and show each outcome and log."""
    from app.demo import run_demo

    run_demo(out, as_json=as_json, organization=state.org)
