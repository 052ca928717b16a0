"""The ledger as Arrow, for set-based work: read in batches, never all at once in Python.

Where an ADBC driver serves the database (PostgreSQL, an SQLite file), the database's own
client library hands over Arrow batches: no Python object per value, several times faster
than turning rows into Arrow (`bench/export.py` measures both). Elsewhere SQLAlchemy's rows
are converted batch by batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from credence.store.schema import records, subjects
from credence.store.workflow import appeal_decisions, appeals, reviews

BATCH = 100_000
RECORDS = pa.schema(
    [
        ("source", pa.string()),
        ("id", pa.string()),
        ("subject", pa.string()),
        ("type", pa.string()),
        ("occurred_at", pa.timestamp("us")),
        ("data", pa.string()),
    ]
)


SUBJECTS = pa.schema([("id", pa.string()), ("kind", pa.string()), ("region", pa.string())])


def adbc_serves(url: str | sa.URL) -> bool:
    """Whether an ADBC driver reads the database at `url`: PostgreSQL or an SQLite file."""
    url = sa.make_url(url)
    backend = url.get_backend_name()
    return backend == "postgresql" or (
        backend == "sqlite" and url.database not in (None, "", ":memory:")
    )


def adbc_connect(url: str | sa.URL) -> Any:
    """An ADBC connection to the database at `url`, which `adbc_serves`."""
    url = sa.make_url(url)
    if url.get_backend_name() == "postgresql":
        from adbc_driver_postgresql import dbapi as postgresql

        return postgresql.connect(
            url.set(drivername="postgresql").render_as_string(hide_password=False)
        )
    from adbc_driver_sqlite import dbapi as sqlite

    return sqlite.connect(url.database)


def _adbc_batches(url: sa.URL, query: str, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """The batches of `query`, as `schema` has them (SQLite hands over times as text)."""
    with adbc_connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(query)
        for batch in cursor.fetch_record_batch():
            yield pa.RecordBatch.from_arrays(
                [
                    column if column.type == field.type else column.cast(field.type)
                    for column, field in zip(batch.columns, schema, strict=True)
                ],
                schema=schema,
            )


def subjects_table(engine: Engine) -> pa.Table:
    if adbc_serves(engine.url):
        query = "SELECT id, kind, region FROM subjects"
        return pa.Table.from_batches(_adbc_batches(engine.url, query, SUBJECTS), SUBJECTS)
    with engine.connect() as connection:
        rows = connection.execute(sa.select(subjects.c.id, subjects.c.kind, subjects.c.region))
        return _table(rows, ["id", "kind", "region"])


def records_reader(engine: Engine, *, adbc: bool = True) -> pa.RecordBatchReader:
    """Every record, streamed in batches: through ADBC unless told not to or none serves."""
    if adbc and adbc_serves(engine.url):
        query = "SELECT source, id, subject, type, occurred_at, data FROM records"
        batches = _adbc_batches(engine.url, query, RECORDS)
    else:
        batches = _record_batches(engine)
    return pa.RecordBatchReader.from_batches(RECORDS, batches)


def _record_batches(engine: Engine) -> Iterator[pa.RecordBatch]:
    query = sa.select(
        records.c.source,
        records.c.id,
        records.c.subject,
        records.c.type,
        records.c.occurred_at,
        records.c.data,
    )
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=BATCH).execute(query)
        for part in result.partitions():
            columns: list[Any] = list(zip(*part, strict=True)) if part else [[]] * 6
            yield pa.RecordBatch.from_arrays(
                [pa.array(c, type=f.type) for c, f in zip(columns, RECORDS, strict=True)],
                schema=RECORDS,
            )


def reviews_table(engine: Engine) -> pa.Table:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(reviews.c.source, reviews.c.id, reviews.c.accepted))
        return _table(rows, ["source", "id", "accepted"], [pa.string(), pa.string(), pa.bool_()])


def appeals_table(engine: Engine) -> pa.Table:
    a, d = appeals, appeal_decisions
    query = (
        sa.select(a.c.record, d.c.outcome, a.c.deadline, d.c.decided_at)
        .select_from(a.outerjoin(d, d.c.appeal == a.c.id))
        .where(a.c.record.is_not(None))
    )
    with engine.connect() as connection:
        return _table(
            connection.execute(query),
            ["record", "outcome", "deadline", "decided_at"],
            [pa.string(), pa.string(), pa.timestamp("us"), pa.timestamp("us")],
        )


def _table(rows: Any, names: list[str], types: list[pa.DataType] | None = None) -> pa.Table:
    columns: list[Any] = list(zip(*rows, strict=True)) or [[]] * len(names)
    types = types or [pa.string()] * len(names)
    return pa.table(
        {n: pa.array(list(c), type=t) for n, c, t in zip(names, columns, types, strict=True)}
    )
