"""Set-based recompute on DuckDB, beside a NumPy floor and a per-record rules engine.

    .venv/bin/python bench/recompute.py --subjects 1000000 --records 10000000
    .venv/bin/python bench/recompute.py --subjects 22000000 --records 220000000   # a city
    .venv/bin/python bench/recompute.py --engine spark     # Spark local mode, for the record

The ledger is generated with NumPy, chunk by chunk, straight into Parquet files in --dir,
with `data` as a struct of typed columns as a columnar export of the ledger holds it (or,
with --data json, as the JSON text the store holds): the question is how fast the rulebooks'
semantics run over an exported ledger too big to hold in memory. The scorer runs in a
child process so that its peak memory is its own. The floor is one `np.bincount` of each
record's fixed points by subject over the same records: no rules, no expiry, no caps. The
per-record baseline evaluates the same conditions with the `rule-engine` package
(`pip install rule-engine==5.1.0`), record by record, on a sample of 1,000,000 records.
Impact: the national book with one rule's points changed, scored over the same ledger and
compared subject by subject with the recompute.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import time
from bisect import bisect_right
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from credence.batch.engines import DuckDbEngine, Engine
from credence.batch.scorer import Ledger, SetScorer
from credence.domain.conditions import Condition
from credence.domain.rulebook import RulebookIndex
from credence.service.rulebooks import parse_text
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


CHUNK = 10_000_000


def generate(folder: Path, subjects: int, records: int, typed: bool, seed: int = 1) -> Ledger:
    """Write subjects and records as Parquet; return the ledger that reads them."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    regions = pa.array(["rongcheng", "jinan", "shandong"]).take(rng.integers(0, 3, subjects))
    people = pa.table(
        {
            "id": numbered("S", np.arange(subjects)),
            "kind": pa.repeat("person", subjects),
            "region": regions,
        }
    )
    pq.write_table(people, folder / "subjects.parquet")
    for old in folder.glob("records-*.parquet"):
        old.unlink()
    origin = np.datetime64("2026-01-01T00:00:00", "us")
    for n, start in enumerate(range(0, records, CHUNK)):
        size = min(CHUNK, records - start)
        who, kind, _ = draw(rng, subjects, size)
        seconds = rng.integers(0, 330 * 86400, size)
        data = typed_data(rng, kind, size) if typed else json_data(rng, kind, size)
        chunk = pa.table(
            {
                "source": pa.array([t[1] for t in TYPES]).take(kind),
                "id": numbered("r", np.arange(start, start + size)),
                "subject": numbered("S", who),
                "type": pa.array([t[0] for t in TYPES]).take(kind),
                "occurred_at": pa.array(origin + seconds.astype("timedelta64[s]")),
                "data": data,
            }
        )
        pq.write_table(chunk, folder / f"records-{n:05d}.parquet")
        print(f"  wrote {start + size:,} records", flush=True)
    return ledger_in(folder)


def typed_data(rng: np.random.Generator, kind: np.ndarray, size: int) -> pa.Array:
    """`data` as a struct: each type's fields as typed columns, null for other types."""
    columns = {
        name: pa.array(values, mask=kind != n)
        for n, (_, _, _, fields) in enumerate(TYPES)
        for name, values in fields(rng, size).items()
    }
    return pa.StructArray.from_arrays(list(columns.values()), list(columns))


def json_data(rng: np.random.Generator, kind: np.ndarray, size: int) -> pa.Array:
    """`data` as JSON text, as the store holds it."""
    data = [  # each type's JSON for every record; `choose` keeps the record's own type's
        pc.binary_join_element_wise(f'{{"{name}":', pc.cast(pa.array(values), pa.string()), "}", "")
        for _, _, _, fields in TYPES
        for name, values in fields(rng, size).items()
    ]
    return pc.choose(pa.array(kind.astype(np.int8)), *data)


def numbered(prefix: str, numbers: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(numbers), pa.string()), "")


def draw(rng: np.random.Generator, subjects: int, size: int) -> tuple[np.ndarray, ...]:
    """Who each record is about, its type, and the fixed points the floor adds up."""
    who = rng.integers(0, subjects, size)
    # Mostly tickets and donations; defaults and arrears are rare, as in real registers.
    kind = rng.choice(len(TYPES), size, p=[0.75, 0.01, 0.005, 0.235])
    return who, kind, np.asarray([t[2] for t in TYPES])[kind]


def numpy_floor(ledger: Ledger, subjects: int) -> float:
    """Records per second of one bincount of points by subject, over the same records.

    The arrays are read from the same Parquet files first (not timed): the floor is the
    arithmetic alone, one pass, with no rules, no expiry and no caps.
    """
    points_of = {t[0]: t[2] for t in TYPES}
    who, points = [], []
    for path in ledger.records:
        table = pq.read_table(path, columns=["subject", "type"])
        number = pc.utf8_slice_codeunits(table.column("subject"), 1)  # "S123" -> 123
        who.append(pc.cast(number, pa.int32()).to_numpy())
        types = pc.dictionary_encode(table.column("type")).combine_chunks()
        lookup = np.asarray([points_of[t] for t in types.dictionary.to_pylist()], np.float64)
        points.append(lookup[types.indices.to_numpy()])
    all_who, all_points = np.concatenate(who), np.concatenate(points)
    del who, points
    began = time.perf_counter()
    np.bincount(all_who, weights=all_points, minlength=subjects)
    return len(all_who) / (time.perf_counter() - began)


def group_by_floor(ledger: Ledger) -> float:
    """Records per second of one DuckDB GROUP BY subject over the same files.

    Each record's fixed points by its type, summed by subject: the least any SQL engine
    does here, and what the scorer's several passes over the records are each made of.
    """
    cases = " ".join(f"WHEN '{t[0]}' THEN {t[2]}" for t in TYPES)
    files = ", ".join(f"'{p}'" for p in ledger.records)
    with closing(DuckDbEngine(memory_limit="9GB")) as engine:
        began = time.perf_counter()
        engine.fetch(
            f"SELECT count(*) AS n FROM (SELECT subject, sum(CASE type {cases} END) "
            f"FROM read_parquet([{files}]) GROUP BY subject)"
        )
        seconds = time.perf_counter() - began
        rows = engine.fetch(f"SELECT count(*) AS n FROM read_parquet([{files}])")
    return int(rows.column(0)[0].as_py()) / seconds


def rule_engine_rate(
    index: RulebookIndex, ledger: Ledger, at: datetime, sample: int
) -> float | None:
    """Records per second scored one by one, with `rule-engine` evaluating the conditions.

    For each record: the book in force in its subject's region when it occurred, the first
    rule whose type, kinds and condition match, its points (an expression by rule-engine,
    clamped), whether it still counts at `at`, and the sum by subject. No caps, endings,
    grades or lists: less than the set-based scorer does.
    """
    try:
        import rule_engine
    except ImportError:
        print("rule-engine is not installed: pip install rule-engine==5.1.0 to compare")
        return None

    def compiled(text: str) -> Any:
        text = re.sub(r"(?<![<>!=])=(?!=)", "==", text.replace("<>", "!="))
        try:
            return rule_engine.Rule(text.replace(" AND ", " and ").replace(" OR ", " or "))
        except Exception:
            return None  # a condition rule-engine cannot say never matches here

    rows = pq.read_table(ledger.records[0]).slice(0, sample).to_pylist()
    subjects = pq.read_table(ledger.subjects[0])
    wanted = pa.array(sorted({row["subject"] for row in rows}))
    chosen = subjects.filter(pc.is_in(subjects.column("id"), wanted)).to_pylist()
    region_of = {s["id"]: (s["region"], s["kind"]) for s in chosen}
    changes = {r: index.changes(r) for r, _ in region_of.values()}
    books = {
        (r, i): index.resolve(r, start)
        for r, starts in changes.items()
        for i, start in enumerate(starts)
    }
    conditions = {
        id(rule): compiled(rule.spec.when)
        for book in books.values()
        if book
        for rule in book.rules
        if rule.spec.when
    }
    amounts = {
        id(rule): compiled(str(rule.spec.points))
        for book in books.values()
        if book
        for rule in book.rules
        if isinstance(rule.points, Condition)
    }
    totals: dict[str, int] = {}
    began = time.perf_counter()
    for row in rows:
        data = row["data"] if isinstance(row["data"], dict) else json.loads(row["data"])
        region, kind = region_of[row["subject"]]
        occurred = row["occurred_at"].replace(tzinfo=UTC)
        book = books.get((region, bisect_right(changes[region], occurred) - 1))
        for rule in book.rules_by_type.get(row["type"], ()) if book else ():
            condition = conditions.get(id(rule))
            try:
                if kind not in rule.spec.applies_to or (
                    rule.spec.when and not (condition and condition.matches(data))
                ):
                    continue
                points = amounts[id(rule)].evaluate(data) if id(rule) in amounts else rule.points
            except Exception:
                continue
            if rule.spec.points_range:
                low, high = rule.spec.points_range
                points = max(low, min(high, round(points)))
            if rule.lasts is None or at < rule.lasts.after(occurred):
                totals[row["subject"]] = totals.get(row["subject"], 0) + int(points)
            break
    return len(rows) / (time.perf_counter() - began)


def score_in_child(
    books: list[str], ledger: Ledger, at: datetime, work: Path, engine: str
) -> tuple[float, int, int, float, pa.Table]:
    """Seconds, subjects, subjects to fold, peak GiB and the scores, from a fresh process."""
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_score, books, ledger, at, work, engine).result()


def _score(
    books: list[str], ledger: Ledger, at: datetime, work: Path, engine: str
) -> tuple[float, int, int, float, pa.Table]:
    index = RulebookIndex([parse_text(text, f"book-{i}.yaml") for i, text in enumerate(books)])
    began = time.perf_counter()
    if engine == "spark":
        from credence.batch.spark import SparkEngine

        chosen: Engine = SparkEngine("local[*]", work / "spark", driver_memory="8g")
    else:
        chosen = DuckDbEngine(memory_limit="9GB")  # as `recompute` runs it, spilling to a temp dir
    result = SetScorer(index, chosen).score(ledger, at)
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    scores = result.table.select(["score", "grade", "refused"])
    return seconds, result.table.num_rows, len(result.to_fold), peak, scores


def one_rule_changed(texts: list[str]) -> list[str]:
    """The books with the province's traffic rule (every bench region's) costing double."""
    changed = [
        t.replace("points: -5\n", "points: -10\n", 1) if "jurisdiction: shandong" in t else t
        for t in texts
    ]
    assert changed != texts
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--dir", type=Path, default=Path("bench/.recompute"))
    parser.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
    parser.add_argument("--reuse", action="store_true", help="Keep the ledger already in --dir.")
    parser.add_argument(
        "--data",
        choices=["typed", "json"],
        default="typed",
        help="Records' data as a struct of typed columns (a columnar export) or as JSON text.",
    )
    args = parser.parse_args()
    texts = [p.read_text() for p in sorted(shipped_rulebooks().glob("*.yaml"))]
    index = RulebookIndex([parse_text(t, "book.yaml") for t in texts])
    at = datetime(2026, 12, 1, tzinfo=UTC)
    folder = args.dir / f"{args.subjects}-{args.records}-{args.data}"
    began = time.perf_counter()
    if args.reuse and (folder / "subjects.parquet").exists():
        ledger = ledger_in(folder)
    else:
        ledger = generate(folder, args.subjects, args.records, typed=args.data == "typed")
    print(
        f"ledger of {args.subjects:,} subjects and {args.records:,} records ready in "
        f"{time.perf_counter() - began:.1f} s ({folder})"
    )
    floor = numpy_floor(ledger, args.subjects)
    grouping = group_by_floor(ledger)
    seconds, subjects, folds, peak, now = score_in_child(texts, ledger, at, folder, args.engine)
    rate = args.records / seconds
    print(
        f"{args.engine} recompute: {seconds:.1f} s = {rate:,.0f} records/s "
        f"({subjects:,} subjects, {folds:,} to fold); peak memory {peak:.2f} GiB"
    )
    print(
        f"numpy floor (bincount): {floor:,.0f} records/s; "
        f"{args.engine} is {floor / rate:.1f}x slower"
    )
    print(
        f"duckdb floor (one GROUP BY subject): {grouping:,.0f} records/s; "
        f"{args.engine} is {grouping / rate:.1f}x slower"
    )
    engine = rule_engine_rate(index, ledger, at, min(args.records, 1_000_000))
    if engine:
        print(
            f"rule-engine, record by record: {engine:,.0f} records/s; "
            f"{args.engine} is {rate / engine:.1f}x faster"
        )
    began = time.perf_counter()
    _, _, _, peak, draft = score_in_child(one_rule_changed(texts), ledger, at, folder, args.engine)
    changed = {
        name: pc.sum(pc.invert(pc.fill_null(pc.equal(now[name], draft[name]), False))).as_py()
        for name in ("score", "grade")
    }
    print(
        f"impact of a one-rule change: {time.perf_counter() - began:.1f} s "
        f"(draft scored and compared; {changed['score']:,} change score, "
        f"{changed['grade']:,} grade); peak memory {peak:.2f} GiB"
    )


def ledger_in(folder: Path) -> Ledger:
    """The ledger whose Parquet files are in `folder`; nothing observed or appealed."""
    return Ledger(
        subjects=[folder / "subjects.parquet"],
        records=sorted(folder.glob("records-*.parquet")),
    )


if __name__ == "__main__":
    main()
