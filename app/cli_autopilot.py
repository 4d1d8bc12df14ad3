"""`delegate autopilot --once`: one autopilot cycle, and what it created, ran and skipped."""

from typing import Annotated

import typer

from app.cli_base import JsonFlag, app, open_db, out, state


@app.command()
def autopilot(
    once: Annotated[bool, typer.Option("--once", help="Run one cycle and stop.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Draft and send agendas for the next 24 hours' meetings that have none (once each)."""
    from app.render import print_json
    from graphs.autopilot import run_cycle
    from store.errors import InvalidInput

    if not once:
        raise InvalidInput(
            "autopilot runs one cycle with --once (the worker runs it on a schedule)"
        )
    result = run_cycle(open_db(), organization=state.org)
    if as_json:
        print_json(out, dict(result))
        return
    for item in result.get("created") or []:
        out.print(f"created  {item['task_id'][:8]}  {item['title']}")
    for item in result.get("ran") or []:
        out.print(f"ran      {item['task_id'][:8]}  {item['title']}  [dim]({item['status']})[/]")
    for item in result.get("skipped") or []:
        out.print(f"skipped  {item['title']}  [dim]({item['reason']})[/]")
    if result.get("stopped"):
        out.print(f"stopped: {result['stopped']}")
    if not any(result.get(k) for k in ("created", "ran", "skipped")):
        out.print("Nothing to do: no meeting in the next 24 hours needs an agenda.")
