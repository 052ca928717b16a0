"""Bulk ingest and per-subject score latency, beside the raw database floor of the same run.

    .venv/bin/python bench/ingest.py            # 1,000,000 records, SQLite and PostgreSQL
    .venv/bin/python bench/ingest.py --records 100000 --backend sqlite

Ingest goes through credence's whole path (reading Parquet, validation, rule matching, the
hash chain, chunked transactions); notices are deferred to `tick`, as for any bulk load.
The floor writes the same rows with plain `sqlite3.executemany` (SQLite) or `COPY`
(PostgreSQL) into a table of the same shape, with no validation and no hashing.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from credence.service.context import open_credence
from credence.service.ingest import ingest_records
from credence.service.rulebooks import load_rulebooks
from credence.service.scores import score_subject
from credence.service.settings import Settings, shipped_rulebooks
from credence.service.subjects import register_subjects

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TYPES = [
    (
        "transport-police",
        "traffic.violation",
        lambda rng, n: {
            "offence_code": rng.integers(1000, 2000, n).astype(str),
            "demerit_points": rng.integers(1, 7, n),
        },
    ),
    (
        "rail-operator",
        "transport.fare_evasion",
        lambda rng, n: {"train": np.full(n, "G123"), "fare_due": rng.integers(20, 500, n)},
    ),
    ("health-commission", "health.blood_donation", lambda rng, n: {"volume_ml": np.full(n, 400)}),
    (
        "tax-bureau",
        "tax.arrears",
        lambda rng, n: {
            "assessment": np.char.add("AS-", np.arange(n).astype(str)),
            "amount": rng.integers(1000, 90000, n),
            "months_overdue": rng.integers(1, 9, n),
        },
    ),
]


def generate(folder: Path, records: int, subjects: int, seed: int = 7) -> tuple[Path, Path]:
    """Subjects and records files; every subject gets records // subjects records."""
    rng = np.random.default_rng(seed)
    ids = np.char.add("B-", np.arange(subjects).astype(str).astype("U12"))
    subject_file = folder / "subjects.csv"
    with subject_file.open("w") as handle:
        handle.write("id,kind,region,name\n")
        handle.writelines(f"{i},person,rongcheng,Person {i}\n" for i in ids)
    kinds = rng.integers(0, len(TYPES), records)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    seconds = np.sort(rng.integers(0, 300 * 86400, records))
    data: list[str] = [""] * records
    for k, (_, _, fields) in enumerate(TYPES):
        where = np.flatnonzero(kinds == k)
        columns = fields(rng, len(where))
        for j, row in zip(where, zip(*columns.values(), strict=True), strict=True):
            data[j] = json.dumps(
                {
                    name: (v.item() if hasattr(v, "item") else v)
                    for name, v in zip(columns, row, strict=True)
                }
            )
    table = pa.table(
        {
            "source": [TYPES[k][0] for k in kinds],
            "id": [f"b{n}" for n in range(records)],
            "subject": ids[np.arange(records) % subjects],
            "type": [TYPES[k][1] for k in kinds],
            "occurred_at": [start + timedelta(seconds=int(s)) for s in seconds],
            "data": data,
        }
    )
    record_file = folder / "records.parquet"
    pq.write_table(table, record_file)
    return subject_file, record_file


def floor(url: str, record_file: Path) -> float:
    """Rows per second for the raw insert of the same rows, no checks, no hashes."""
    table = pq.read_table(record_file)
    now = datetime(2026, 12, 31)
    rows = [
        (
            r["source"],
            r["id"],
            r["subject"],
            r["type"],
            r["occurred_at"].replace(tzinfo=None),
            now,
            r["data"],
        )
        for r in table.to_pylist()
    ]
    ddl = (
        "CREATE TABLE floor (source TEXT, id TEXT, subject TEXT, type TEXT, occurred_at TIMESTAMP,"
        " recorded_at TIMESTAMP, data TEXT, UNIQUE (source, id))"
    )
    if url.startswith("sqlite"):
        path = sa.make_url(url).database
        with sqlite3.connect(f"{path}.floor") as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(ddl)
            conn.execute("CREATE INDEX floor_subject ON floor (subject, occurred_at)")
            began = time.perf_counter()
            for i in range(0, len(rows), 10_000):
                conn.executemany(
                    "INSERT INTO floor VALUES (?, ?, ?, ?, ?, ?, ?)", rows[i : i + 10_000]
                )
                conn.commit()
            return len(rows) / (time.perf_counter() - began)
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        conn.execute("DROP TABLE IF EXISTS floor")
        conn.execute(ddl)
        conn.execute("CREATE INDEX floor_subject ON floor (subject, occurred_at)")
        began = time.perf_counter()
        with conn.cursor() as cur, cur.copy("COPY floor FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        rate = len(rows) / (time.perf_counter() - began)
        conn.execute("DROP TABLE floor")
        conn.commit()
        return rate


def score_latency(url: str, subject_ids: list[str]) -> tuple[float, float, float]:
    """Median and p95 ms of `score` for one subject, and the median ms of the raw row fetch."""
    app = open_credence(Settings(db=url, now=datetime(2026, 12, 31, tzinfo=UTC)))
    score_subject(app, subject_ids[0])  # compile the rulebooks once, as a server would
    timings, raw = [], []
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        for sid in subject_ids:
            began = time.perf_counter()
            list(conn.execute(sa.text("SELECT * FROM records WHERE subject = :s"), {"s": sid}))
            raw.append((time.perf_counter() - began) * 1000)
    for sid in subject_ids:
        began = time.perf_counter()
        score_subject(app, sid)
        timings.append((time.perf_counter() - began) * 1000)
    engine.dispose()
    app.close()
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], statistics.median(raw)


def run(url: str, label: str, records: int, subjects: int, folder: Path) -> None:
    subject_file, record_file = generate(folder, records, subjects)
    settings = Settings(db=url, now=datetime(2026, 12, 31, tzinfo=UTC))
    app = open_credence(settings, migrate=True)
    load_rulebooks(app, shipped_rulebooks())
    register_subjects(app, subject_file)
    began = time.perf_counter()
    report = ingest_records(app, record_file, notify=False)
    seconds = time.perf_counter() - began
    app.close()
    rate = report.accepted / seconds
    raw = floor(url, record_file)
    print(
        f"{label}: ingest {report.accepted:,} records in {seconds:.1f} s = {rate:,.0f} records/s "
        f"(rejected {len(report.rejected)}); floor {raw:,.0f} rows/s; ratio {rate / raw:.2f}"
    )
    median, p95, fetch = score_latency(url, [f"B-{i}" for i in range(200)])
    print(
        f"{label}: score of one subject with {records // subjects} records: "
        f"median {median:.2f} ms, "
        f"p95 {p95:.2f} ms; raw fetch of its rows {fetch:.2f} ms; ratio {median / fetch:.1f}"
    )


def fresh_pg_schema() -> str:
    schema = f"bench_{int(time.time())}"
    engine = sa.create_engine(PG)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine.dispose()
    return f"{PG}?options=-csearch_path%3D{schema}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--subjects", type=int, default=20_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.backend in ("sqlite", "both"):
            run(
                f"sqlite:///{folder / 'bench.sqlite'}",
                "sqlite",
                args.records,
                args.subjects,
                folder,
            )
        if args.backend in ("postgres", "both"):
            run(fresh_pg_schema(), "postgres", args.records, args.subjects, folder)


if __name__ == "__main__":
    main()
