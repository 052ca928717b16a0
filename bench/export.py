"""Reading the ledger out of SQLite and PostgreSQL as Arrow: which way is fastest.

    .venv/bin/python bench/export.py --records 1000000
    .venv/bin/python bench/export.py --records 1000000 --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

The set-based scorer reads every record once per run. Three ways are timed over the same
ledger, each printed as records per second and as a ratio to the first:

- **SQLAlchemy rows**: the driver's rows, turned into Arrow in Python (what any DB-API
  driver allows);
- **ADBC**: the database's own client library hands over Arrow batches (libpq's COPY for
  PostgreSQL, sqlite3 for SQLite), no Python object per value;
- **Parquet export**: ADBC's batches written to a Parquet file and read back, the price of
  a columnar export that later runs read again at disk speed (also printed).

The ledger is written straight into the store's tables (hash columns filled with
placeholders: only reading is measured), after `credence init` has made them.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import sqlalchemy as sa

from credence.store import export
from credence.store.migrations import upgrade


def ledger(records: int, subjects: int, seed: int = 1) -> pa.Table:
    """Records shaped as the store's table holds them."""
    rng = np.random.default_rng(seed)
    origin = np.datetime64("2026-01-01T00:00:00", "us")
    occurred = origin + rng.integers(0, 330 * 86400, records).astype("timedelta64[s]")
    months = pc.cast(pa.array(rng.integers(1, 10, records)), pa.string())
    return pa.table(
        {
            "source": pa.repeat("tax-bureau", records),
            "id": pc.binary_join_element_wise(
                "r", pc.cast(pa.array(np.arange(records)), pa.string()), ""
            ),
            "subject": pc.binary_join_element_wise(
                "S", pc.cast(pa.array(rng.integers(0, subjects, records)), pa.string()), ""
            ),
            "type": pa.repeat("tax.arrears", records),
            "occurred_at": pa.array(occurred),
            "recorded_at": pa.array(occurred),
            "data": pc.binary_join_element_wise('{"months_overdue": ', months, "}", ""),
            "evidence": pa.repeat("file:1", records),
            "content_hash": pa.repeat("0" * 64, records),
            "chain_seq": pa.array(np.arange(records)),
            "prev_hash": pa.repeat("0" * 64, records),
            "hash": pa.repeat("0" * 64, records),
        }
    )


def fill(url: str, table: pa.Table) -> None:
    """The store's tables at `url` (a fresh database), holding `table` as the records."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        upgrade(connection)
    engine.dispose()
    with export.adbc_connect(url) as connection, connection.cursor() as cursor:
        cursor.adbc_ingest("records", table, mode="append")
        connection.commit()


@contextmanager
def scratch_database(url: str) -> Iterator[str]:
    """A database of its own on the server at `url`, dropped afterwards."""
    server = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {SCRATCH}"))
        connection.execute(sa.text(f"CREATE DATABASE {SCRATCH}"))
    try:
        yield sa.make_url(url).set(database=SCRATCH).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)"))
        server.dispose()


SCRATCH = "credence_bench_export"


def timed(read: Callable[[], int]) -> float:
    began = time.perf_counter()
    rows = read()
    return rows / (time.perf_counter() - began)


def rows_of(reader: pa.RecordBatchReader) -> int:
    return sum(batch.num_rows for batch in reader)


def measure(name: str, url: str, records: int) -> None:
    fill(url, ledger(records, max(records // 10, 1)))
    engine = sa.create_engine(url)
    sqlalchemy_rate = timed(lambda: rows_of(export.records_reader(engine, adbc=False)))
    adbc_rate = timed(lambda: rows_of(export.records_reader(engine)))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "records.parquet"
        began = time.perf_counter()
        reader = export.records_reader(engine)
        with pq.ParquetWriter(path, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
        write_rate = records / (time.perf_counter() - began)
        read_rate = timed(lambda: pq.read_table(path).num_rows)
    engine.dispose()
    base = sqlalchemy_rate
    print(f"{name}, {records:,} records:")
    print(f"  SQLAlchemy rows to Arrow: {base:12,.0f} records/s")
    print(f"  ADBC to Arrow:            {adbc_rate:12,.0f} records/s ({adbc_rate / base:.1f}x)")
    print(
        f"  ADBC to Parquet:          {write_rate:12,.0f} records/s ({write_rate / base:.1f}x); "
        f"read back {read_rate:,.0f} records/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument(
        "--pg", help=f"A PostgreSQL server to measure too (in a database {SCRATCH}, then dropped)."
    )
    args = parser.parse_args()
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        measure("SQLite", f"sqlite:///{folder}/ledger.sqlite", args.records)
    if args.pg:
        with scratch_database(args.pg) as url:
            measure("PostgreSQL", url, args.records)
    print(f"({(datetime.now(UTC) - started).total_seconds():.0f} s in all)")


if __name__ == "__main__":
    main()
