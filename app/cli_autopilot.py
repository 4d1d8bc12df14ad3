"""`delegate autopilot --once`: one autopilot cycle, and what it created, ran and skipped;
`--schedule CRON --server URL`: the same cycle as a cron on a LangGraph server."""

from typing import Annotated

import typer

from app.cli_base import JsonFlag, app, open_db, out, state


@app.command()
def autopilot(
    once: Annotated[bool, typer.Option("--once", help="Run one cycle and stop.")] = False,
    schedule: Annotated[
        str | None,
        typer.Option(
            "--schedule",
            help="Run cycles on a LangGraph server on this cron schedule, e.g. '*/15 * * * *' "
            "(creates or updates the cron; needs --server).",
        ),
    ] = None,
    unschedule: Annotated[
        bool, typer.Option("--unschedule", help="Remove the server's autopilot cron.")
    ] = False,
    server: Annotated[
        str | None, typer.Option("--server", help="The LangGraph server's URL.")
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            envvar="DELEGATE_API_KEY",
            help="An API key of the organization (delegate keys create).",
        ),
    ] = None,
    timezone: Annotated[
        str | None, typer.Option("--timezone", help="IANA time zone of the schedule (UTC).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """One cycle: agendas for the next 24 hours' meetings, summaries of those that ended,
    replies for approval to important unanswered mail (each once); or schedule it on a server."""
    from app.render import print_json
    from graphs.autopilot import run_cycle
    from store.errors import InvalidInput

    if schedule is not None or unschedule:
        _schedule_on_server(schedule, unschedule, server, api_key, timezone, as_json)
        return
    if not once:
        raise InvalidInput(
            "autopilot runs one cycle with --once, or on a LangGraph server with --schedule "
            "(the worker runs it with --autopilot-every)"
        )
    result = run_cycle(open_db(), organization=state.org)
    if as_json:
        print_json(out, dict(result))
        return
    from rich.markup import escape

    for item in result.get("created") or []:
        out.print(f"created  {item['task_id'][:8]}  {escape(item['title'])}")
    for item in result.get("ran") or []:
        title = escape(item["title"])
        out.print(f"ran      {item['task_id'][:8]}  {title}  [dim]({item['status']})[/]")
    for item in result.get("skipped") or []:
        out.print(f"skipped  {escape(item['title'])}  [dim]({escape(item['reason'])})[/]")
    if result.get("stopped"):
        out.print(f"stopped: {result['stopped']}")
    if not any(result.get(k) for k in ("created", "ran", "skipped")):
        out.print("Nothing to do: no meeting needs an agenda or a summary, no email a reply.")


def _schedule_on_server(
    schedule: str | None,
    unschedule: bool,
    server: str | None,
    api_key: str | None,
    timezone: str | None,
    as_json: bool,
) -> None:
    from app.autopilot_cron import schedule_autopilot, unschedule_autopilot
    from app.render import print_json
    from store.errors import InvalidInput

    if schedule is not None and unschedule:
        raise InvalidInput("give --schedule or --unschedule, not both")
    if not server:
        raise InvalidInput("--schedule and --unschedule need --server (the LangGraph server URL)")
    if unschedule:
        removed = unschedule_autopilot(server, api_key=api_key)
        if as_json:
            print_json(out, {"removed": removed})
        else:
            out.print(f"removed {len(removed)} autopilot cron(s) from {server}")
        return
    assert schedule is not None
    cron = schedule_autopilot(server, schedule, api_key=api_key, timezone=timezone)
    if as_json:
        print_json(out, cron)
        return
    verb = "scheduled" if cron["created"] else "rescheduled"
    out.print(
        f"{verb} the autopilot on {server}: '{cron['schedule']}' "
        f"(cron {cron['cron_id'][:8]}, next run {cron['next_run_date']})"
    )
