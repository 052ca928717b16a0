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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from credence.batch.engines import DuckDbEngine, Engine
from credence.batch.scorer import BatchResult, Ledger, SetScorer
from credence.domain.decisions import decide, services_of
from credence.domain.errors import InvalidInputError
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


ENGINES = ("duckdb", "spark")


def open_engine(name: str = "duckdb", spark_master: str | None = None) -> Engine:
    """The engine named `name`: the embedded DuckDB, or Spark (local or a cluster)."""
    if name == "duckdb":
        return DuckDbEngine()
    if name == "spark":
        from credence.batch.spark import SparkEngine  # optional: credence[spark]

        return SparkEngine(spark_master or "local[*]")
    raise InvalidInputError(
        f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}", engine=name
    )


def score_everyone(
    app: Credence, at: datetime, index: RulebookIndex | None = None, engine: Engine | None = None
) -> pa.Table:
    """subject, region, kind, score, grade, refused, lists: for every subject at `at`."""
    index = index or app.index()
    exported = app.store.export_ledger()
    ledger = Ledger(observers=tuple(sorted(observer_sources(app))), **exported)
    result = SetScorer(index, engine).score(ledger, at)
    return _with_folds(app, result, at, index)


def _with_folds(app: Credence, result: BatchResult, at: datetime, index: RulebookIndex) -> pa.Table:
    """Lists need their history: fold the few subjects for whom a list condition holds."""
    rows = []
    for start in range(0, len(result.to_fold), 500):
        for history in histories_of(app, result.to_fold[start : start + 500], at, index=index):
            score, grade, lists, refused = _fold(history, at)
            subject = history.subject
            rows.append(
                {
                    "subject": subject.id,
                    "region": subject.region,
                    "kind": subject.kind,
                    "score": score,
                    "grade": grade,
                    "refused": refused,
                    "lists": lists,
                }
            )
    nobody = np.zeros(result.table.num_rows + 1, np.int32)  # every list empty
    table = result.table.append_column(
        "lists", pa.ListArray.from_arrays(pa.array(nobody), pa.array([], pa.string()))
    )
    if not rows:
        return table
    folded = pa.Table.from_pylist(rows, schema=table.schema)
    kept = table.filter(pc.invert(pc.is_in(table.column("subject"), folded.column("subject"))))
    return pa.concat_tables([kept, folded]).sort_by("subject")


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
    engine: Engine | None = None,
) -> RecomputeReport:
    """Score every subject as of `at`, replace the cache, and write Parquet to `out`."""
    at = at or app.clock.now()
    began = time.perf_counter()
    if progress:
        progress(f"scoring the ledger on {(engine.name if engine else 'duckdb')}")
    table = score_everyone(app, at, engine=engine)
    if progress:
        progress("writing the cache")
    app.store.replace_score_cache(table, at)
    path = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        path = out / "scores.parquet"
        pq.write_table(table, path)
    grades: Counter[str] = Counter(
        {g["values"]: g["counts"] for g in pc.value_counts(table.column("grade")).to_pylist()}
    )
    folded = pc.sum(pc.greater(pc.list_value_length(table.column("lists")), 0)).as_py() or 0
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
