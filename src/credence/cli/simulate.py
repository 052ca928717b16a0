"""`credence simulate`: a synthetic population and its records, as Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from credence.cli.common import JsonFlag, app, emit, err, out
from credence.service.simulation import run_simulation


@app.command()
def simulate(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the Parquet files.")],
    scenario: Annotated[
        Path | None, typer.Option(help="Scenario YAML (default: the pilot town).")
    ] = None,
    people: Annotated[int | None, typer.Option(help="People (overrides the scenario).")] = None,
    organisations: Annotated[int | None, typer.Option(help="Organisations.")] = None,
    days: Annotated[int | None, typer.Option(help="Days simulated.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed: same seed, same bytes.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Simulate a population and its records: subjects.parquet and day-ordered records chunks.

    The files are ready for `credence register OUT/subjects.parquet` and `credence ingest`
    of each `records-NNNNN.parquet`. Each `truth-NNNNN.parquet` beside a chunk says which
    records are erroneous or need review: what a study knows and a source would not say.
    """
    from rich.progress import Progress

    overrides = {"people": people, "organisations": organisations, "days": days, "seed": seed}
    with Progress(console=err, transient=True, disable=as_json) as bar:
        task = bar.add_task("simulating", total=None)
        summary = run_simulation(
            scenario,
            overrides,
            out_dir,
            lambda done, total: bar.update(task, completed=done, total=total),
        )
    emit(
        as_json,
        summary.to_json(),
        lambda: out.print(
            f"{summary.people} people, {summary.organisations} organisations, "
            f"{summary.records} records in {len(summary.files)} chunks under {out_dir}"
        ),
    )
