"""Recompute every subject set-based, keep the result as the score cache, and audit it."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from credence.batch.duckdb_scorer import BatchResult, DuckDbScorer, Ledger
from credence.domain.decisions import decide, services_of
from credence.domain.history import History
from credence.domain.rulebook import RulebookIndex
from credence.domain.times import iso
from credence.service.histories import histories_of, observer_sources

if TYPE_CHECKING:
    from credence.service.context import Credence


@dataclass
class RecomputeReport:
    """What a recompute did, and how long it took."""

    as_of: datetime
    subjects: int
    records_scored: int
    folded: int
    seconds: float
    grades: Counter[str] = field(default_factory=Counter)
    out: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": iso(self.as_of),
            "subjects": self.subjects,
            "records_scored": self.records_scored,
            "folded": self.folded,
            "seconds": round(self.seconds, 3),
            "grades": dict(sorted(self.grades.items())),
            "out": self.out,
        }


def score_everyone(app: Credence, at: datetime, index: RulebookIndex | None = None) -> pa.Table:
    """subject, region, kind, score, grade, lists, refused: for every subject at `at`."""
    index = index or app.index()
    exported = app.store.export_ledger()
    ledger = Ledger(observers=tuple(sorted(observer_sources(app))), **exported)
    result = DuckDbScorer(index).score(ledger, at)
    return _with_folds(app, result, at, index)


def _with_folds(app: Credence, result: BatchResult, at: datetime, index: RulebookIndex) -> pa.Table:
    """Lists need their history: fold the few subjects for whom a list condition holds."""
    folded: dict[str, tuple[int, str, list[str], list[str]]] = {}
    for start in range(0, len(result.to_fold), 500):
        for history in histories_of(app, result.to_fold[start : start + 500], at, index=index):
            folded[history.subject.id] = _fold(history, at)
    rows = result.table.to_pylist()
    for row in rows:
        if row["subject"] in folded:
            row["score"], row["grade"], row["lists"], row["refused"] = folded[row["subject"]]
        else:
            row["lists"] = []
    return pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("subject", pa.string()),
                ("region", pa.string()),
                ("kind", pa.string()),
                ("score", pa.int64()),
                ("grade", pa.string()),
                ("refused", pa.list_(pa.string())),
                ("lists", pa.list_(pa.string())),
            ]
        ),
    )


def _fold(history: History, at: datetime) -> tuple[int, str, list[str], list[str]]:
    card = history.card(at)
    book = history.book_at(at)
    services = services_of(book, history.subject.kind) if book is not None else []
    listed = sorted(s.list for s in card.lists if s.status == "listed")
    refused = sorted(s for s in services if not decide(history, s, at).allowed)
    return card.score, card.grade, listed, refused


def recompute(
    app: Credence,
    at: datetime | None = None,
    out: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> RecomputeReport:
    """Score every subject as of `at`, replace the cache, and write Parquet to `out`."""
    at = at or app.clock.now()
    began = time.perf_counter()
    if progress:
        progress("scoring the ledger")
    table = score_everyone(app, at)
    if progress:
        progress("writing the cache")
    app.store.replace_score_cache(table, at)
    path = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        path = out / "scores.parquet"
        pq.write_table(table, path)
    grades = Counter(table.column("grade").to_pylist())
    folded = sum(1 for lists in table.column("lists").to_pylist() if lists)
    return RecomputeReport(
        at,
        table.num_rows,
        _scored(app),
        folded,
        time.perf_counter() - began,
        grades,
        str(path) if path else None,
    )


def _scored(app: Credence) -> int:
    return app.store.count_records()


def check_cache(app: Credence, sample: int = 200, seed: int = 0) -> dict[str, Any]:
    """Compare a random sample of the cache with per-subject folds; name every difference."""
    cached = app.store.score_cache()
    if not cached:
        return {"checked": 0, "differences": [], "as_of": None}
    subjects = sorted(cached)
    chosen = random.Random(seed).sample(subjects, min(sample, len(subjects)))
    at = next(iter(cached.values()))["as_of"]
    differences = []
    for history in histories_of(app, chosen, at):
        score, grade, listed, refused = _fold(history, at)
        held = cached[history.subject.id]
        for name, fold_value in (
            ("score", score),
            ("grade", grade),
            ("lists", listed),
            ("refused", refused),
        ):
            if held[name] != fold_value:
                differences.append(
                    {
                        "subject": history.subject.id,
                        "field": name,
                        "cache": held[name],
                        "fold": fold_value,
                    }
                )
    return {"checked": len(chosen), "as_of": iso(at), "differences": differences}
