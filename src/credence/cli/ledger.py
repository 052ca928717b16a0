"""Commands that build the ledger: init, check, load, register, ingest, score, verify."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from credence.cli.common import (
    AtOption,
    JsonFlag,
    app,
    at_instant,
    credence,
    emit,
    err,
    fail,
    out,
    progress_bar,
)
from credence.domain.errors import CredenceError
from credence.service import ledger, rulebooks, scores
from credence.service.ingest import ingest_records
from credence.service.rows import count_rows
from credence.service.settings import Settings
from credence.service.subjects import register_subjects


@app.command()
def init() -> None:
    """Create the database, or migrate it to the current schema."""
    with credence(migrate=True) as c:
        out.print(f"database ready: {c.settings.db}")


@app.command()
def check(
    paths: Annotated[list[Path], typer.Argument(help="Rulebook files or folders.")],
    as_json: JsonFlag = False,
) -> None:
    """Validate rulebooks; exit 1 naming the file, the item and the reason for each problem.

    Parents not among PATHS are taken from CREDENCE_RULEBOOKS (the shipped books).
    """
    try:
        problems = rulebooks.check_paths(paths, context=[Settings().rulebooks])
    except CredenceError as exc:
        fail(exc.message)
    payload = {
        "ok": not problems,
        "problems": [{"file": p.file, "item": p.item, "reason": p.reason} for p in problems],
    }

    def human() -> None:
        for problem in problems:
            out.print(str(problem), markup=False)

    emit(as_json, payload, human)
    if problems:
        if not as_json:
            err.print(f"[red]{len(problems)} problem(s)[/red]")
        raise typer.Exit(1)
    if not as_json:
        out.print("rulebooks ok")


@app.command()
def load(
    folder: Annotated[
        Path | None, typer.Argument(help="Folder of rulebooks (default CREDENCE_RULEBOOKS).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Check the rulebooks of a folder and activate them all, or none if any is refused."""
    with credence() as c:
        outcome = rulebooks.load_rulebooks(c, folder or c.settings.rulebooks)
        emit(
            as_json,
            {"added": outcome.added, "unchanged": outcome.unchanged},
            lambda: out.print(
                f"loaded {len(outcome.added)} new version(s): {', '.join(outcome.added) or '-'}; "
                f"{len(outcome.unchanged)} already published"
            ),
        )


@app.command()
def register(
    file: Annotated[Path, typer.Argument(help="CSV or JSONL with id, kind, region, name.")],
    as_json: JsonFlag = False,
) -> None:
    """Add subjects: people and organisations, each in a region with a rulebook."""
    with credence() as c, progress_bar("register", count_rows(file), as_json) as tick:
        report = register_subjects(c, file, tick)
    emit(as_json, report.to_json(), lambda: _print_outcome(report.to_json(), None))


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="Records as CSV, JSONL or Parquet.")],
    as_json: JsonFlag = False,
) -> None:
    """Append records to the ledger; report accepted, duplicate, unscored and rejected rows.

    CSV columns beyond source, id, subject, type, occurred_at and evidence become data
    fields; JSONL rows carry them under "data". Rejected rows are written, with their
    reasons, to FILE.rejected.jsonl. Running the same file again is safe.
    """
    if not file.exists():
        fail(f"{file}: no such file")
    with credence() as c, progress_bar("ingest", count_rows(file), as_json) as tick:
        report = ingest_records(c, file, tick)
    emit(as_json, report.to_json(), lambda: _print_outcome(report.to_json(), report.rejected_file))


def _print_outcome(report: dict[str, Any], rejected_file: str | None) -> None:
    counts = ", ".join(
        f"{k.replace('_', ' ')} {v}" for k, v in report.items() if isinstance(v, int)
    )
    out.print(counts)
    for r in report["rejected"]:
        out.print(f"  line {r['line']} ({r['id'] or '-'}): {r['reason']}", markup=False)
    if rejected_file:
        out.print(f"rejected rows written to {rejected_file}")


@app.command()
def score(
    subject: Annotated[str, typer.Argument(help="Subject id.")],
    at: AtOption = None,
    as_json: JsonFlag = False,
) -> None:
    """A subject's score and grade, with every contribution and its legal basis."""
    with credence() as c:
        card = scores.score_subject(c, subject, at_instant(at))
        payload = card.to_json()
        emit(as_json, payload, lambda: _print_card(payload))


def _print_card(card: dict[str, Any]) -> None:
    out.print(
        f"[bold]{card['subject']}[/bold] ({card['kind']}, {card['region']}) as of {card['as_of']}: "
        f"score [bold]{card['score']}[/bold], grade [bold]{card['grade']}[/bold] "
        f"under {card['rulebook']} (base {card['base']})"
    )
    for item in card["contributions"]:
        until = (item["until"] or "open")[:10]
        ended = f" by {item['ended_by']}" if item["ended_by"] else ""
        out.print(
            f"  {item['points']:+5d}  {item['record']}  rule {item['rule']}  "
            f"{item['occurred_at'][:10]} to {until}  {item['status']}{ended}\n"
            f"         basis: {item['basis']}",
            markup=False,
        )
    for item in card["unscored"]:
        out.print(f"  unscored {item['record']}: {item['reason']}", markup=False)
    for item in card["lists"]:
        out.print(f"  list {item['list']}: {item['status']} since {item['since']}", markup=False)


@app.command()
def verify(as_json: JsonFlag = False) -> None:
    """Check every hash chain of the ledger; exit 1 naming the first entry that does not match."""
    with credence() as c:
        result = ledger.verify_ledger(c)
    payload = {
        "ok": result.ok,
        "checked": result.checked,
        "first_bad": result.first_bad,
        "reason": result.reason,
    }
    emit(
        as_json,
        payload,
        lambda: out.print(
            f"ledger ok: {result.checked} entries verified"
            if result.ok
            else f"[red]ledger broken[/red] at {result.first_bad}: {result.reason}"
        ),
    )
    if not result.ok:
        raise typer.Exit(1)
