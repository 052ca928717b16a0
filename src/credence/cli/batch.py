"""Set-based commands: recompute everyone, audit the cache, and measure a draft's impact."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Annotated

import typer

from credence.cli.common import AtOption, JsonFlag, app, at_instant, credence, emit, err, out
from credence.service.impact import impact as measure_impact
from credence.service.recompute import check_cache, open_engine
from credence.service.recompute import recompute as recompute_all

EngineOption = Annotated[
    str,
    typer.Option(
        "--engine",
        help="duckdb (embedded, the default) or spark (needs: pip install 'credence[spark]').",
    ),
]
MasterOption = Annotated[
    str | None,
    typer.Option(
        "--spark-master",
        help="Spark master URL for --engine spark (default local[*]; e.g. spark://host:7077).",
    ),
]


@app.command()
def recompute(
    at: AtOption = None,
    engine: EngineOption = "duckdb",
    spark_master: MasterOption = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Also write scores.parquet here.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Score every subject as of T set-based and replace the score cache (a copy, never the truth).

    Subjects for whom a list condition holds are folded one by one, for their list history.
    With --engine spark the ledger is exported to Parquet and scored by Spark, in local mode
    or on the cluster named by --spark-master.
    """
    with credence() as c, closing(open_engine(engine, spark_master)) as chosen:
        report = recompute_all(
            c, at_instant(at), out_dir, None if as_json else lambda what: err.print(what), chosen
        )
    p = report.to_json()
    written = f"; written to {p['out']}" if p["out"] else ""
    emit(
        as_json,
        p,
        lambda: out.print(
            f"recomputed {p['subjects']} subjects ({p['records_scored']} records) as of "
            f"{p['as_of']} in {p['seconds']} s; grades {p['grades']}{written}",
            markup=False,
        ),
    )


@app.command("check-cache")
def check_cache_command(
    sample: Annotated[int, typer.Option(help="Subjects to compare.")] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the random sample.")] = 0,
    as_json: JsonFlag = False,
) -> None:
    """Compare the score cache with per-subject folds on a random sample; name any difference."""
    with credence() as c:
        result = check_cache(c, sample, seed)

    def human() -> None:
        out.print(
            f"checked {result['checked']} subjects: {len(result['differences'])} difference(s)"
        )
        for d in result["differences"]:
            out.print(
                f"  {d['subject']} {d['field']}: cache {d['cache']}, fold {d['fold']}", markup=False
            )

    emit(as_json, result, human)
    if result["differences"]:
        raise typer.Exit(1)


@app.command()
def impact(
    folder: Annotated[Path, typer.Argument(help="Folder of draft rulebooks.")],
    at: AtOption = None,
    engine: EngineOption = "duckdb",
    spark_master: MasterOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Who would change score, grade, lists and access if the draft books were in force.

    Nothing is changed: the ledger is scored twice, under the published books and with the
    drafts in force instead, and the two compared subject by subject.
    """
    with credence() as c, closing(open_engine(engine, spark_master)) as chosen:
        result = measure_impact(c, folder, at_instant(at), engine=chosen)

    def human() -> None:
        out.print(
            f"of {result['subjects']} subjects as of {result['as_of']}: "
            f"{result['changed_score']} change score, {result['changed_grade']} grade, "
            f"{result['changed_lists']} lists, {result['changed_services']} services"
        )
        for service, n in result["changed_services_by_service"].items():
            out.print(f"  {service}: {n}")
        for s in result["sample"]:
            out.print(
                f"  e.g. {s['subject']}: {s['score'][0]} -> {s['score'][1]} "
                f"({', '.join(s['rules'])})",
                markup=False,
            )

    emit(as_json, result, human)
