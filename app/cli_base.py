"""The CLI's shared parts: the Typer app, its consoles, options and error handling.

Heavy libraries (SQLAlchemy, LangGraph, LangChain, Rich's console) are imported inside the
commands so that `delegate --help` answers at once (benchmarks/cli_startup.py). The command
modules leave out `from __future__ import annotations`: Typer would then compile every
parameter's annotation string on each start (half the time it takes to build the commands).
Help is plain text (flags without types, like gh and kubectl) and every error, a usage error
too, is one line on stderr with a non-zero exit.
"""

import os
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from app.terminal import SafeConsole
    from store.db import Database


class _ClearErrors(TyperGroup):
    """Turns every DelegateError and usage error into one line on stderr and a non-zero exit."""

    def invoke(self, ctx: Any) -> Any:
        from store.errors import DelegateError

        try:
            return super().invoke(ctx)
        except DelegateError as exc:
            from rich.markup import escape

            from app.logs import scrub

            err.print(f"[red]error:[/] {escape(scrub(str(exc)))}", highlight=False)
            raise typer.Exit(2 if exc.status_code in (400, 422) else 1) from None

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        # Typer's vendored click; pinned by uv.lock. NoArgsIsHelpError prints the help.
        from typer._click.exceptions import NoArgsIsHelpError

        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except typer.TyperException as exc:  # click's usage errors: one line, not a panel
            message = " ".join(exc.format_message().split()).rstrip(".")
            message = message[:1].lower() + message[1:]
            context = getattr(exc, "ctx", None)
            hint = f" (see '{context.command_path} --help')" if context is not None else ""
            print(f"error: {message}{hint}", file=sys.stderr)
            sys.exit(exc.exit_code)
        except typer.Abort:
            print("aborted", file=sys.stderr)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    name="delegate",
    cls=_ClearErrors,
    help="Delegate: hand over a task; the AI does it, splits it, or asks a person.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
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


class _LazyConsole:
    """A SafeConsole made on first use, so commands that print nothing Rich (`--help`,
    `--version`) never import Rich's console."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: SafeConsole | None = None

    @property
    def file(self) -> Any:
        """Where output goes, as Rich's console finds it, without making one (`--json`)."""
        if self._console is not None:
            return self._console.file
        return sys.stderr if self._options.get("stderr") else sys.stdout

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._console is None:
            from app.terminal import SafeConsole

            self._console = SafeConsole(**self._options)
        return getattr(self._console, name)


out = cast("SafeConsole", _LazyConsole())
err = cast("SafeConsole", _LazyConsole(stderr=True, soft_wrap=True))

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
TaskIdArg = Annotated[
    str, typer.Argument(metavar="ID", help="Task id, or a unique prefix of 4+ characters.")
]


class _State:
    org: str = os.environ.get("DELEGATE_ORG", "default")


state = _State()


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"delegate {version('delegate')}")
        raise typer.Exit()


@app.callback()
def _root(
    org: Annotated[
        str | None,
        typer.Option("--org", metavar="NAME", help="Organization (tenant); env DELEGATE_ORG."),
    ] = None,
    log_json: Annotated[bool, typer.Option("--log-json", help="Log JSON lines to stderr.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", is_eager=True, callback=_version
        ),
    ] = False,
) -> None:
    from app.logs import configure_logging

    state.org = org or os.environ.get("DELEGATE_ORG", "default")
    configure_logging(json_logs=log_json or None, level="INFO" if verbose else None)


def open_db() -> "Database":
    from store.db import Database

    db = Database()
    db.ensure_schema()
    return db


def open_runner(db: "Database") -> Any:
    """The organization's task runner: through the LangGraph server DELEGATE_LANGGRAPH_URL
    names (app/langgraph_runtime.py), else standalone on the store's checkpointer."""
    from app.langgraph_runtime import configured_server, server_task_runner
    from graphs.runner import task_runner
    from tools.provider_limits import check_limits

    check_limits()  # a bad setting is one line now, not a task failed at its first call
    server = configured_server()
    if server is not None:
        return server_task_runner(db, state.org, *server)
    return task_runner(db, organization=state.org)


def current_org_id(db: "Database", name: str | None = None) -> str:
    """The id of organization `name` (default: the global --org), created if new."""
    from store.db import ALL_ORGANIZATIONS
    from store.orgs import ensure_organization

    # Finds the organization by name: there is no organization to name yet.
    with db.session(ALL_ORGANIZATIONS) as session:
        return ensure_organization(session, name or state.org).id


def outcome_json(outcome: dict[str, Any]) -> dict[str, Any]:
    """A run's outcome in the API's shape (`POST /api/tasks/execute`: taskId, result, ...)."""
    from app.api.schemas import ExecuteResponse

    response = ExecuteResponse.from_outcome(outcome, str(outcome.get("task_id") or ""))
    return response.model_dump(mode="json", by_alias=True, exclude_none=True)


def task_json(task: Any, *, with_log: bool = False) -> dict[str, Any]:
    """A stored task in the API's shape (`GET /api/tasks`); its log only when asked."""
    from app.api.schemas import TaskOut

    data = TaskOut.model_validate(task).model_dump(mode="json")
    if with_log:
        data["execution_log"] = list(task.execution_log or [])
    return data


def show_outcome(outcome: dict[str, Any], as_json: bool, title: str | None = None) -> None:
    from app.render import outcome_panel, print_json

    if as_json:
        print_json(out, outcome_json(outcome))
    else:
        out.print(outcome_panel(outcome, title))
    if outcome.get("success") is False:
        raise typer.Exit(1)


def progress(message: str, quiet: bool) -> AbstractContextManager[Any]:
    """A spinner on the terminal while work runs (nothing when printing JSON)."""
    return nullcontext() if quiet else out.status(message, spinner="dots")
