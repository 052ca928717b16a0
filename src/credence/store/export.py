"""The ledger as Arrow, for set-based work: read in batches, never all at once in Python."""

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


def subjects_table(engine: Engine) -> pa.Table:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(subjects.c.id, subjects.c.kind, subjects.c.region))
        return _table(rows, ["id", "kind", "region"])


def records_reader(engine: Engine) -> pa.RecordBatchReader:
    """Every record, streamed in batches of BATCH rows."""
    return pa.RecordBatchReader.from_batches(RECORDS, _record_batches(engine))


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
