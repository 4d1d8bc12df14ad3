"""`delegate rules`: the organization's automation rules — show, add, remove, thresholds."""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli_base import JsonFlag, app, current_org_id, open_db, out

if TYPE_CHECKING:
    from tools.gate.automation import AutomationRules

rules_app = typer.Typer(
    help="The organization's automation rules: when a task acts on its own, asks a person to "
    "approve, or stays with a person. Without a subcommand: show them.",
    invoke_without_command=True,
)
app.add_typer(rules_app, name="rules")

ListOption = Annotated[list[str] | None, typer.Option()]


def _load() -> tuple[str, "AutomationRules"]:
    from store.orgs import get_automation_rules
    from tools.gate.automation import parse_rules

    db = open_db()
    org_id = current_org_id(db)
    with db.session(org_id) as session:
        return org_id, parse_rules(get_automation_rules(session, org_id), where="rules")


def _save(org_id: str, data: dict[str, Any]) -> "AutomationRules":
    from store.orgs import set_automation_rules
    from tools.gate.automation import parse_rules, rules_as_stored

    rules = parse_rules(data, where="rules")  # nothing is written unless all of it is valid
    db = open_db()
    with db.session(org_id) as session:
        set_automation_rules(session, org_id, rules_as_stored(rules))
    return rules


def _print(rules: "AutomationRules", as_json: bool) -> None:
    from rich.table import Table

    from app.render import print_json
    from store.acceptance import PROMOTE_AFTER
    from tools.gate.automation import Thresholds

    if as_json:
        print_json(out, rules.model_dump(mode="json", exclude_none=True))
        return
    if rules.rules:
        table = Table(title="Automation rules (first match wins)")
        for column in ("#", "name", "when", "then"):
            table.add_column(column)
        for n, rule in enumerate(rules.rules, 1):
            when = rule.when.model_dump(mode="json", exclude_none=True)
            conditions = "; ".join(f"{k}={v}" for k, v in when.items()) or "always"
            table.add_row(str(n), rule.name, conditions, rule.then.value)
        out.print(table)
    else:
        out.print("No rules: the thresholds decide.")
    thresholds = rules.thresholds or Thresholds()
    act = "never on the AI's choice alone" if thresholds.act is None else f">= {thresholds.act}"
    out.print(
        f"Thresholds for a type the AI chose: act {act}; ask >= {thresholds.ask}; "
        "below that, a person."
    )
    promote = PROMOTE_AFTER if rules.promote_after is None else rules.promote_after
    out.print(
        "Promotion: never."
        if promote == 0
        else f"Promotion: a category not named by a rule acts where the thresholds would ask "
        f"after {promote} acceptances in a row (approvals without edits, ratings 4-5)."
    )


@rules_app.callback()
def rules_main(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Show the rules when no subcommand is given."""
    if ctx.invoked_subcommand is None:
        _print(_load()[1], as_json)


@rules_app.command("show")
def rules_show(as_json: JsonFlag = False) -> None:
    """Show the rules, in the order they are tried, and the thresholds."""
    _print(_load()[1], as_json)


@rules_app.command("add")
def rules_add(
    name: Annotated[str, typer.Argument(help="A name the execution log will cite.")],
    then: Annotated[str, typer.Option(help="act | ask | person")],
    category: ListOption = None,
    execution_type: Annotated[list[str] | None, typer.Option("--type")] = None,
    min_confidence: Annotated[float | None, typer.Option()] = None,
    max_confidence: Annotated[float | None, typer.Option()] = None,
    sender_domain: ListOption = None,
    attendee_domain: ListOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a rule at the end (replacing one of the same name in place)."""
    from store.errors import InvalidInput

    org_id, rules = _load()
    when = {
        "category": category,
        "execution_type": execution_type,
        "min_confidence": min_confidence,
        "max_confidence": max_confidence,
        "sender_domains": sender_domain,
        "attendee_domains": attendee_domain,
    }
    new = {"name": name, "then": then, "when": {k: v for k, v in when.items() if v is not None}}
    if not name.strip():
        raise InvalidInput("a rule needs a name")
    _check_options(new)
    data = rules.model_dump(mode="json", exclude_none=True)
    names = [rule["name"] for rule in data["rules"]]
    if name in names:
        data["rules"][names.index(name)] = new
    else:
        data["rules"].append(new)
    _print(_save(org_id, data), as_json)


#: The `rules add` / `rules thresholds` option each rule or threshold field comes from.
_OPTION_OF_FIELD = {
    "name": "NAME",
    "then": "--then",
    "category": "--category",
    "execution_type": "--type",
    "min_confidence": "--min-confidence",
    "max_confidence": "--max-confidence",
    "sender_domains": "--sender-domain",
    "attendee_domains": "--attendee-domain",
    "act": "--act",
    "ask": "--ask",
}


def _check_options(rule: dict[str, Any]) -> None:
    """InvalidInput naming the option (and the value given) when `rule` is not valid."""
    from pydantic import ValidationError

    from store.errors import InvalidInput
    from tools.gate.automation import Rule

    try:
        Rule.model_validate(rule)
    except ValidationError as exc:
        raise InvalidInput(_option_error(exc)) from None


def _option_error(exc: Any) -> str:
    """`--OPTION 'VALUE': what is wrong`, for the first error of a pydantic ValidationError."""
    error = exc.errors()[0]
    fields = [part for part in error["loc"] if part in _OPTION_OF_FIELD]
    option = _OPTION_OF_FIELD[fields[-1]] if fields else ".".join(map(str, error["loc"]))
    given = error.get("input")
    shown = f" {given!r}" if isinstance(given, str | int | float) else ""
    return f"{option}{shown}: {error['msg']}"


@rules_app.command("remove")
def rules_remove(name: str, as_json: JsonFlag = False) -> None:
    """Remove the rule with this name."""
    from store.errors import NotFound

    org_id, rules = _load()
    data = rules.model_dump(mode="json", exclude_none=True)
    kept = [rule for rule in data["rules"] if rule["name"] != name]
    if len(kept) == len(data["rules"]):
        raise NotFound(f"no rule named {name!r}")
    data["rules"] = kept
    _print(_save(org_id, data), as_json)


@rules_app.command("thresholds")
def rules_thresholds(
    act: Annotated[str | None, typer.Option(help="0..1, or 'never'")] = None,
    ask: Annotated[float | None, typer.Option(help="0..1")] = None,
    promote_after: Annotated[
        int | None,
        typer.Option(help="Acceptances in a row that promote a category (0: never; default 5)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Set the confidence thresholds for a type the AI chose, and how many acceptances in a
    row promote a category (its actions the thresholds would hold for approval act)."""
    from store.errors import InvalidInput

    org_id, rules = _load()
    data = rules.model_dump(mode="json", exclude_none=True)
    thresholds = dict(data.get("thresholds") or {})
    if act is not None:
        if act.strip().lower() == "never":
            thresholds.pop("act", None)
        else:
            try:
                thresholds["act"] = float(act)
            except ValueError:
                raise InvalidInput(
                    f"--act is a number from 0 to 1 or 'never', not {act!r}"
                ) from None
    if ask is not None:
        thresholds["ask"] = ask
    _check_thresholds(thresholds)
    data["thresholds"] = thresholds
    if promote_after is not None:
        data["promote_after"] = promote_after
    _print(_save(org_id, data), as_json)


def _check_thresholds(thresholds: dict[str, Any]) -> None:
    """InvalidInput naming `--act` or `--ask` when a threshold is not valid."""
    from pydantic import ValidationError

    from store.errors import InvalidInput
    from tools.gate.automation import Thresholds

    try:
        Thresholds.model_validate(thresholds)
    except ValidationError as exc:
        raise InvalidInput(_option_error(exc)) from None


@rules_app.command("set")
def rules_set(
    file: Annotated[Path, typer.Argument(help="A JSON file {rules: [...], thresholds: {...}}")],
    as_json: JsonFlag = False,
) -> None:
    """Replace every rule with the file's (validated whole before anything is written)."""
    from store.errors import InvalidInput

    try:
        data = json.loads(file.read_text())
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read rules from {file}: {exc}") from None
    org_id, _ = _load()
    _print(_save(org_id, data), as_json)
