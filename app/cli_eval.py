"""`delegate eval`: score the configured model on labelled task sets (agents.evaluation)."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli_base import JsonFlag, app, out, progress

if TYPE_CHECKING:
    from rich.table import Table

#: The labelled sets that ship with the repository (used when no --data is given).
DEFAULT_DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "eval"
#: The labelled messages for task extraction (chats, emails, meeting notes), written beside
#: the offline model's rules.
DEFAULT_EXTRACTION = Path(__file__).resolve().parents[1] / "tests" / "data" / "extraction"
#: Messages labelled apart from the offline model's rules (its honest measurement).
DEFAULT_HELDOUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "extraction_heldout"
#: Messages never used to tune the offline model (the held-out misses were; these were not).
DEFAULT_UNSEEN = Path(__file__).resolve().parents[1] / "tests" / "data" / "extraction_unseen"


def _files(paths: list[Path]) -> list[Path]:
    from store.errors import InvalidInput

    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(path.glob("*.jsonl"))
        elif path.is_file():
            found.append(path)
        else:
            raise InvalidInput(f"{path}: no such file or folder")
    if not found:
        raise InvalidInput(f"no .jsonl files in {', '.join(str(p) for p in paths)}")
    return found


@app.command("eval")
def eval_command(
    data: Annotated[
        list[Path] | None,
        typer.Option(
            "--data",
            help="A JSONL file or a folder of them (repeatable); default: the repository's "
            "tests/data/eval (with tests/data/extraction). Each line: title, description, "
            "strategy, execution_type, route, must_contain.",
        ),
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="provider:model to score; env DELEGATE_MODEL.")
    ] = None,
    failures: Annotated[int, typer.Option("--failures", help="Failures to list.", min=0)] = 25,
    extraction: Annotated[
        list[Path] | None,
        typer.Option(
            "--extraction",
            help="Labelled messages for task extraction (JSONL file or folder, repeatable); "
            "default: the repository's tests/data/extraction.",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Score a model on labelled tasks: per-class precision and recall, confusion matrices,
    deliverable checks and the failures."""
    from agents.evaluation import evaluate, load_labelled
    from agents.extraction_eval import evaluate_extraction, load_messages
    from agents.models import configured_model_name, get_chat_model

    items = load_labelled(_files(data or [DEFAULT_DATA]))
    name = model or configured_model_name()
    # The repository's extraction sets go with its own task sets: scoring a set of your
    # own (--data) scores extraction only when you name messages too (--extraction). The
    # held-out and unseen sets are each scored on their own, never mixed with the others.
    extraction_sets: dict[str, list[Path]] = {}
    if extraction:
        extraction_sets["extraction"] = _files(extraction)
    elif not data:
        extraction_sets["extraction"] = _files([DEFAULT_EXTRACTION])
        extraction_sets["extraction_heldout"] = _files([DEFAULT_HELDOUT])
        extraction_sets["extraction_unseen"] = _files([DEFAULT_UNSEEN])
    with progress(f"scoring {name} on {len(items)} labelled tasks", as_json):
        report = evaluate(get_chat_model(name), items).as_dict()
    for key, paths in extraction_sets.items():
        messages = load_messages(paths)
        with progress(f"scoring {name} on {len(messages)} labelled messages ({key})", as_json):
            report[key] = evaluate_extraction(get_chat_model(name), messages).as_dict()
    report["model"] = name
    if as_json:
        from app.render import print_json

        print_json(out, report)
        return
    _print(report, failures)


def _print(report: dict[str, Any], limit: int) -> None:
    from agents.evaluation import DIMENSIONS

    out.print(f"[bold]model[/] {report['model']}")
    for dimension in DIMENSIONS:
        scores = report[dimension]
        if not scores["total"]:
            continue
        out.print(_class_table(dimension, scores))
        out.print(_confusion_table(dimension, scores["confusion"]))
    deliverable = report["deliverable"]
    if deliverable["total"]:
        out.print(
            f"[bold]deliverables[/] {deliverable['passed']}/{deliverable['total']} hold the "
            "task's names, numbers and dates and no placeholder"
        )
    shown = report["failures"][:limit]
    if shown:
        out.print(_failures_table(shown, len(report["failures"])))
    for key, title in EXTRACTION_TITLES.items():
        if key in report:
            out.print(_extraction_table(report[key], title))


#: Each extraction set's table title.
EXTRACTION_TITLES = {
    "extraction": "task extraction (chats, emails, meeting notes)",
    "extraction_heldout": "task extraction, HELD-OUT set (labelled apart from the offline "
    "model's rules, then used to improve them)",
    "extraction_unseen": "task extraction, UNSEEN set (unseen: never used to tune the offline "
    "model)",
}


def _extraction_table(extraction: dict[str, Any], title: str) -> "Table":
    from rich.table import Table

    table = Table(title=title)
    for column in ("group", "extracted", "expected", "precision", "recall"):
        table.add_column(column, justify="left" if column == "group" else "right")
    rows = {"all": extraction["total"], **extraction["by_group"]}
    for group, counts in rows.items():
        table.add_row(
            group,
            str(counts["extracted"]),
            str(counts["expected"]),
            _pct(counts["precision"]),
            _pct(counts["recall"]),
        )
    return table


def _class_table(dimension: str, scores: dict[str, Any]) -> "Table":
    from rich.table import Table

    correct, total = scores["correct"], scores["total"]
    # From the counts: the report's accuracy is rounded already (219/220 -> 0.9955 -> 99.6%).
    accuracy = f" ({correct / total:.1%})" if total else ""
    table = Table(title=f"{dimension}: {correct}/{total} correct{accuracy}")
    for column in ("class", "support", "precision", "recall"):
        table.add_column(column, justify="left" if column == "class" else "right")
    for label, row in scores["per_class"].items():
        table.add_row(label, str(row["support"]), _pct(row["precision"]), _pct(row["recall"]))
    return table


def _confusion_table(dimension: str, confusion: dict[str, dict[str, int]]) -> "Table":
    from rich.table import Table

    labels = sorted(set(confusion) | {g for row in confusion.values() for g in row})
    table = Table(title=f"{dimension} confusion", caption="rows: expected; columns: answered")
    table.add_column("expected")
    for label in labels:
        table.add_column(label, justify="right")
    for expected in labels:
        if expected not in confusion:
            continue
        cells = [confusion[expected].get(got, 0) for got in labels]
        table.add_row(expected, *[str(c) if c else "." for c in cells])
    return table


def _failures_table(failures: list[dict[str, Any]], total: int) -> "Table":
    from rich.table import Table

    table = Table(title=f"failures ({len(failures)} of {total} shown)")
    for column in ("check", "task", "expected", "got"):
        table.add_column(column, overflow="fold")
    for failure in failures:
        expected = failure["expected"]
        if isinstance(expected, list):
            expected = ", ".join(expected)
        table.add_row(failure["check"], failure["title"], str(expected), str(failure["got"]))
    return table


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"
