"""A self-contained HTML page about the whole population: plots and the tables behind them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from credence.service.charts import bars, horizontal_bars
from credence.service.population import PopulationView, summary_by_region

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
GRADE_ORDER = ["AAA", "AA", "A", "B", "C", "D"]
BIN = 25


def render_population_report(view: PopulationView, impact: dict[str, int] | None = None) -> str:
    """The report as one HTML document with inline SVG: no script, no network."""
    summary = summary_by_region(view)
    grades = [
        g
        for g in GRADE_ORDER
        if any(g in s.grades.get(r, {}) for s in view.snapshots for r in s.grades)
    ]
    months = [s.at.strftime("%Y-%m") for s in view.snapshots]
    grade_rows = []
    for snapshot, month in zip(view.snapshots, months, strict=True):
        total: Counter[str] = Counter()
        for counts in snapshot.grades.values():
            total.update(counts)
        grade_rows.append((month, dict(total)))
    flow_keys = sorted({k for k in view.entries} | {k for k in view.exits})
    lists = sorted({list_id for _, list_id in flow_keys})
    flow_months = sorted({m for m, _ in flow_keys})
    context: dict[str, Any] = {
        "summary": summary,
        "grades": grades,
        "score_charts": [(r, _histogram(r, s)) for r, s in sorted(view.last.scores.items())],
        "grade_chart": bars(
            "Subjects per grade, month by month",
            months,
            {g: [row.get(g, 0) for _, row in grade_rows] for g in grades},
            stacked=True,
            y_label="subjects",
        ),
        "grade_rows": grade_rows,
        "flow_chart": bars(
            "List entries and exits per month",
            flow_months,
            {
                **{f"{li} in": [view.entries.get((m, li), 0) for m in flow_months] for li in lists},
                **{f"{li} out": [view.exits.get((m, li), 0) for m in flow_months] for li in lists},
            },
            y_label="subjects",
        ),
        "flow_rows": [
            (m, li, view.entries.get((m, li), 0), view.exits.get((m, li), 0)) for m, li in flow_keys
        ],
        "restriction_chart": horizontal_bars(
            "Subjects refused, per service", summary["restrictions"], x_label="subjects"
        ),
        "appeal_chart": horizontal_bars("Appeals by outcome", summary["appeals"]),
        "impact": impact,
        "impact_chart": horizontal_bars("Subjects a draft would affect", impact or {}),
    }
    return _TEMPLATES.get_template("population.html").render(**context)


def _histogram(region: str, scores: list[int]) -> str:
    counts = Counter((s // BIN) * BIN for s in scores)
    low, high = (min(counts), max(counts)) if counts else (0, 0)
    edges = list(range(low, high + BIN, BIN))
    return bars(
        f"Scores in {region} ({len(scores)} subjects)",
        [str(e) for e in edges],
        {"subjects": [counts.get(e, 0) for e in edges]},
        y_label="subjects",
    )
