"""The main job: a simulated pilot town run through the whole system, month by month.

In a fresh folder: a database, the shipped rulebooks, a simulated town, its records
ingested block by block with the clock at each block's end, observer records reviewed,
erroneous records appealed and overturned, `tick` after every block, then a summary and
the population report.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from credence.domain.errors import CredenceError
from credence.service.appeals import decide_appeal, file_appeal
from credence.service.clock import Clock
from credence.service.context import Credence, open_credence
from credence.service.ingest import ingest_records
from credence.service.notices import tick
from credence.service.population import population_view, summary_by_region
from credence.service.population_report import render_population_report
from credence.service.reviews import review_record
from credence.service.rulebooks import load_rulebooks
from credence.service.settings import Settings, shipped_rulebooks
from credence.service.simulation import load_scenario, simulate
from credence.service.subjects import register_subjects

Step = Callable[[str, int, int], None]  # (what, done, total)
REVIEWER, JUDGE = "clerk-zhang", "judge-liu"


@dataclass(frozen=True, slots=True)
class DemoResult:
    """Where the demo put things, and its summary."""

    folder: Path
    database: str
    report: Path
    summary: dict[str, Any]


def run_demo(
    folder: Path,
    *,
    people: int | None = None,
    organisations: int | None = None,
    days: int | None = None,
    seed: int | None = None,
    step: Step | None = None,
    scenario: Path | None = None,
) -> DemoResult:
    """Simulate, ingest, review, appeal and tick through the period; summarise and report."""
    step = step or (lambda what, done, total: None)
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "simulation").mkdir(parents=True)
    database = f"sqlite:///{folder / 'credence.sqlite'}"
    overrides = {"people": people, "organisations": organisations, "days": days, "seed": seed}
    plan = load_scenario(scenario, **overrides)
    simulated = simulate(plan, folder / "simulation")
    start = simulated.start
    app = open_credence(Settings(db=database, now=start), migrate=True)
    try:
        load_rulebooks(app, plan.rulebooks or shipped_rulebooks())
        register_subjects(app, folder / "simulation" / "subjects.parquet")
        blocks = sorted((folder / "simulation").glob("records-*.parquet"))
        for n, block in enumerate(blocks, start=1):
            _run_block(app, block)
            step("months", n, len(blocks))
        end = start + timedelta(days=plan.days)
        app.clock = Clock(end)
        tick(app, end)
        months = _month_ends(start, end)
        view = population_view(app, months)
        report = folder / "report.html"
        report.write_text(render_population_report(view), encoding="utf-8")
        return DemoResult(folder, database, report, summary_by_region(view))
    finally:
        app.close()


def _run_block(app: Credence, block: Path) -> None:
    """One block: ingest at its end, review, appeal what is wrong, decide, tick."""
    table = pq.read_table(block)
    if table.num_rows == 0:
        return
    block_end = _block_end(table)
    app.clock = Clock(block_end)
    ingest_records(app, block, notify=False)
    truth = pq.read_table(block.with_name(block.name.replace("records-", "truth-")))
    subjects = table.column("subject").to_pylist()
    rows = [{**fact, "subject": s} for fact, s in zip(truth.to_pylist(), subjects, strict=True)]
    for row in rows:
        if row["needs_review"]:
            _review(app, row)
    app.clock = Clock(block_end + timedelta(days=2))
    appeals = [_appeal(app, row) for row in rows if row["erroneous"] and not row["needs_review"]]
    app.clock = Clock(block_end + timedelta(days=6))
    for appeal_id in filter(None, appeals):
        decide_appeal(
            app,
            appeal_id,
            outcome="overturned",
            reviewer=JUDGE,
            reason="the source could not substantiate the record",
        )
    tick(app, app.clock.now())


def _review(app: Credence, row: dict[str, Any]) -> None:
    key = f"{row['source']}:{row['id']}"
    if row["erroneous"]:
        review_record(
            app,
            key,
            accept=False,
            reviewer=REVIEWER,
            reason="the reported event could not be confirmed",
        )
    else:
        review_record(app, key, accept=True, reviewer=REVIEWER)


def _appeal(app: Credence, row: dict[str, Any]) -> str | None:
    key = f"{row['source']}:{row['id']}"
    try:
        return file_appeal(
            app, row["subject"], record=key, reason="this did not happen; please check the source"
        ).id
    except CredenceError:
        return None  # nothing to contest: the record earned no points or was not scored


def _block_end(table: pa.Table) -> datetime:
    latest = max(table.column("occurred_at").to_pylist())
    moment: datetime = latest if latest.tzinfo else latest.replace(tzinfo=Clock().now().tzinfo)
    return moment + timedelta(hours=1)


def _month_ends(start: datetime, end: datetime) -> list[datetime]:
    months, current = [], start
    while current < end:
        year, month = (current.year + current.month // 12, current.month % 12 + 1)
        current = current.replace(
            year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0
        )
        months.append(min(current, end))
    return months
