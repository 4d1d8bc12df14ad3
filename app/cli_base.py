"""The CLI's shared parts: the Typer app, its consoles, options and error handling.

Heavy libraries (SQLAlchemy, LangGraph, LangChain) are imported inside the commands so that
`delegate --help` answers at once.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from app.terminal import SafeConsole

if TYPE_CHECKING:
    from store.db import Database


class _ClearErrors(TyperGroup):
    """Turns every DelegateError into one line on stderr and a non-zero exit."""

    def invoke(self, ctx: Any) -> Any:
        from store.errors import DelegateError

        try:
            return super().invoke(ctx)
        except DelegateError as exc:
            from app.logs import scrub

            err.print(f"[red]error:[/] {scrub(str(exc))}", highlight=False)
            raise typer.Exit(2 if exc.status_code in (400, 422) else 1) from None


app = typer.Typer(
    name="delegate",
    cls=_ClearErrors,
    help="Delegate: hand over a task; the AI does it, splits it, or asks a person.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
allow_app = typer.Typer(
    help="The organization's allowlist: destinations agents may use without naming them in "
    "the task (emails, domains, channels, hosts).",
    no_args_is_help=True,
)
app.add_typer(allow_app, name="allowlist")
budgets_app = typer.Typer(
    help="The organization's limits on one run: model calls, tool calls and side effects.",
    no_args_is_help=True,
)
app.add_typer(budgets_app, name="budgets")

out = SafeConsole()
err = SafeConsole(stderr=True, soft_wrap=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


class _State:
    org: str = os.environ.get("DELEGATE_ORG", "default")


state = _State()


@app.callback()
def _root(
    org: Annotated[
        str | None, typer.Option("--org", help="Organization (tenant); env DELEGATE_ORG.")
    ] = None,
    log_json: Annotated[bool, typer.Option("--log-json", help="Log JSON lines to stderr.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress.")] = False,
) -> None:
    from app.logs import configure_logging

    if org:
        state.org = org
    configure_logging(json_logs=log_json or None, level="INFO" if verbose else None)


def open_db() -> Database:
    from store.db import Database

    db = Database()
    db.ensure_schema()
    return db


def open_runner(db: Database) -> Any:
    from graphs.runner import task_runner

    return task_runner(db, organization=state.org)


def current_org_id(db: Database) -> str:
    from store.orgs import ensure_organization

    with db.session() as session:
        return ensure_organization(session, state.org).id


def show_outcome(outcome: dict[str, Any], as_json: bool, title: str | None = None) -> None:
    from app.render import outcome_panel, print_json

    if as_json:
        print_json(out, outcome)
    else:
        out.print(outcome_panel(outcome, title))
    if outcome.get("success") is False:
        raise typer.Exit(1)


def progress(message: str, quiet: bool) -> AbstractContextManager[Any]:
    """A spinner on the terminal while work runs (nothing when printing JSON)."""
    return nullcontext() if quiet else out.status(message, spinner="dots")
