"""Set-based recompute on DuckDB, beside a NumPy floor and a per-record rules engine.

    .venv/bin/python bench/recompute.py --subjects 1000000 --records 10000000
    .venv/bin/python bench/recompute.py --subjects 22000000 --records 220000000   # a city

The records are generated with NumPy straight into Arrow (no database): the question is
how fast the rulebooks' semantics run over a ledger already exported. The floor is one
`np.bincount` of each record's fixed points by subject over the same arrays: no rules, no
expiry, no caps. The per-record baseline evaluates the same conditions with the
`rule-engine` package (install it with `pip install rule-engine==5.1.0`), record by record,
on a sample of at most 1,000,000 records.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import time
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
from credence.batch.duckdb_scorer import DuckDbScorer, Ledger

from credence.domain.rulebook import RulebookIndex
from credence.service.rulebooks import read_books
from credence.service.settings import shipped_rulebooks

TYPES = [  # type, source, base points for the floor, JSON fields
    (
        "traffic.violation",
        "transport-police",
        -5,
        lambda r, n: {"demerit_points": r.integers(1, 10, n)},
    ),
    ("tax.arrears", "tax-bureau", -30, lambda r, n: {"months_overdue": r.integers(1, 10, n)}),
    ("court.judgment_default", "court", -100, lambda r, n: {"amount": r.integers(1000, 90000, n)}),
    ("health.blood_donation", "health-commission", 10, lambda r, n: {"volume_ml": np.full(n, 400)}),
]


def generate(subjects: int, records: int, seed: int = 1) -> tuple[Ledger, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    regions = np.asarray(["rongcheng", "jinan", "shandong"])[rng.integers(0, 3, subjects)]
    ids = np.char.add("S", np.arange(subjects).astype(str))
    who = rng.integers(0, subjects, records)
    # Mostly tickets and donations; defaults and arrears are rare, as in real registers.
    kind = rng.choice(len(TYPES), records, p=[0.75, 0.01, 0.005, 0.235])
    seconds = rng.integers(0, 330 * 86400, records)
    data = np.empty(records, dtype=object)
    for k, (_, _, _, fields) in enumerate(TYPES):
        at = np.flatnonzero(kind == k)
        for name, values in fields(rng, len(at)).items():
            data[at] = np.char.add(f'{{"{name}":', np.char.add(values.astype(str), "}"))
    start = np.datetime64("2026-01-01T00:00:00", "us")
    ledger = Ledger(
        subjects=pa.table({"id": ids, "kind": np.full(subjects, "person"), "region": regions}),
        records=pa.table(
            {
                "source": np.asarray([t[1] for t in TYPES])[kind],
                "id": np.char.add("r", np.arange(records).astype(str)),
                "subject": ids[who],
                "type": np.asarray([t[0] for t in TYPES])[kind],
                "occurred_at": pa.array(start + seconds.astype("timedelta64[s]")),
                "data": data.astype(str),
            }
        ),
        reviews=pa.table(
            {
                "source": pa.array([], pa.string()),
                "id": pa.array([], pa.string()),
                "accepted": pa.array([], pa.bool_()),
            }
        ),
        appeals=pa.table(
            {
                "record": pa.array([], pa.string()),
                "outcome": pa.array([], pa.string()),
                "deadline": pa.array([], pa.timestamp("us")),
                "decided_at": pa.array([], pa.timestamp("us")),
            }
        ),
        observers=(),
    )
    points = np.asarray([t[2] for t in TYPES])[kind]
    return ledger, who, points


def rule_engine_rate(
    index: RulebookIndex, ledger: Ledger, at: datetime, sample: int
) -> float | None:
    try:
        import rule_engine
    except ImportError:
        print("rule-engine is not installed: pip install rule-engine==5.1.0 to compare")
        return None
    book = index.resolve("rongcheng", at)
    assert book is not None
    compiled: dict[str, list[object]] = {}
    for record_type, rules in book.rules_by_type.items():
        for rule in rules:
            condition = None
            if rule.spec.when:
                text = re.sub(r"(?<![<>!=])=(?!=)", "==", rule.spec.when.replace("<>", "!="))
                text = text.replace(" AND ", " and ").replace(" OR ", " or ")
                try:
                    condition = rule_engine.Rule(text)
                except Exception:
                    continue  # a condition rule-engine cannot say never matches here
            compiled.setdefault(record_type, []).append(condition)
    rows = ledger.records.slice(0, sample).to_pylist()
    began = time.perf_counter()
    for row in rows:
        data = json.loads(row["data"])
        for condition in compiled.get(row["type"], ()):
            try:
                if condition is None or condition.matches(data):
                    break
            except Exception:
                continue
    return len(rows) / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    args = parser.parse_args()
    books, _ = read_books([shipped_rulebooks()])
    index = RulebookIndex([b.book for b in books])
    at = datetime(2026, 12, 1, tzinfo=UTC)
    began = time.perf_counter()
    ledger, who, points = generate(args.subjects, args.records)
    print(
        f"generated {args.subjects:,} subjects and {args.records:,} records in "
        f"{time.perf_counter() - began:.1f} s"
    )
    began = time.perf_counter()
    totals = np.bincount(who, weights=points, minlength=args.subjects)
    floor = args.records / (time.perf_counter() - began)
    assert len(totals) == args.subjects
    began = time.perf_counter()
    result = DuckDbScorer(index).score(ledger, at)
    seconds = time.perf_counter() - began
    rate = args.records / seconds
    print(
        f"duckdb recompute: {seconds:.1f} s = {rate:,.0f} records/s "
        f"({result.table.num_rows:,} subjects, {len(result.to_fold):,} to fold)"
    )
    print(f"numpy floor (bincount): {floor:,.0f} records/s; duckdb is {floor / rate:.1f}x slower")
    engine = rule_engine_rate(index, ledger, at, min(args.records, 1_000_000))
    if engine:
        print(
            f"rule-engine, record by record: {engine:,.0f} records/s; "
            f"duckdb is {rate / engine:.0f}x faster"
        )
    draft = [b.book for b in books]
    began = time.perf_counter()
    DuckDbScorer(RulebookIndex(draft)).score(ledger, at)
    print(f"impact of a draft (one more full scoring): {time.perf_counter() - began:.1f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"peak memory: {peak:.2f} GiB")


if __name__ == "__main__":
    main()
