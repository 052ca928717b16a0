"""`credence demo`: the main job on the embedded default."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from credence.cli.common import JsonFlag, app, err, out
from credence.service.demo import run_demo


@app.command()
def demo(
    folder: Annotated[Path, typer.Option(help="Fresh folder for the demo's files.")] = Path("demo"),
    people: Annotated[int | None, typer.Option(help="Residents (default 3,000).")] = None,
    organisations: Annotated[int | None, typer.Option(help="Organisations (default 100).")] = None,
    days: Annotated[int | None, typer.Option(help="Days simulated (default 365).")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed: the same seed, the same town.")] = None,
    scenario: Annotated[
        Path | None,
        typer.Option(
            help="Scenario YAML: population, propensities and rulebooks "
            "(default: the pilot town under the shipped books)."
        ),
    ] = None,
    serve: Annotated[bool, typer.Option(help="Serve the API and pages afterwards.")] = True,
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    as_json: JsonFlag = False,
) -> None:
    """Simulate a pilot town, run it through the system, summarise, report and serve it.

    A fresh FOLDER gets an SQLite database with the shipped rulebooks, a town of PEOPLE
    residents and ORGANISATIONS organisations over DAYS days, ingested month by month with
    reviews, appeals and tick, then a summary, FOLDER/report.html, and the API and web
    pages on 127.0.0.1:PORT until Ctrl-C (unless --no-serve).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=True, disable=as_json) as bar:
        task = bar.add_task("simulated months", total=None)

        def step(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        result = run_demo(
            folder,
            people=people,
            organisations=organisations,
            days=days,
            seed=seed,
            step=step,
            scenario=scenario,
        )
    if as_json:
        out.print_json(
            json.dumps(
                {**result.summary, "report": str(result.report), "database": result.database}
            )
        )
    else:
        _print_summary(result.summary)
        out.print(f"\nreport: {result.report}\ndatabase: {result.database}")
    if serve:
        _serve(result.database, result.summary["as_of"], port)


def _print_summary(summary: dict[str, Any]) -> None:
    out.print(
        f"[bold]Pilot town as of {summary['as_of'][:10]}[/bold]: "
        f"{summary['subjects']} subjects, {summary['records']} records"
    )
    for region, row in summary["regions"].items():
        grades = ", ".join(f"{g} {n}" for g, n in row["grades"].items())
        out.print(
            f"  {region}: {row['subjects']} subjects, median score {row['median_score']}; {grades}"
        )
    listed = ", ".join(f"{k} {v}" for k, v in summary["lists"]["listed"].items()) or "none"
    pending = ", ".join(f"{k} {v}" for k, v in summary["lists"]["pending"].items()) or "none"
    out.print(f"  listed: {listed}; pending: {pending}")
    refused = ", ".join(f"{k} {v}" for k, v in summary["restrictions"].items()) or "none"
    out.print(f"  restrictions in force: {refused}")
    appeals = ", ".join(f"{k} {v}" for k, v in summary["appeals"].items()) or "none"
    out.print(f"  appeals: {appeals}")


def _serve(database: str, as_of: str, port: int) -> None:
    import os

    import uvicorn

    # The town lives at the end of its simulated year: serve it as of then.
    os.environ["CREDENCE_DB"] = database
    os.environ["CREDENCE_NOW"] = as_of
    out.print(f"serving on http://127.0.0.1:{port} (Ctrl-C to stop)")
    # By import string: the command line does not import the API layer itself.
    uvicorn.run("credence.web.site:create_site", factory=True, host="127.0.0.1", port=port)
