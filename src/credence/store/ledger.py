"""The ledger: records appended to one hash chain per partition, never changed.

A record's partition is its source, so writers for different sources lock different chain
heads and do not queue behind one another.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect

from credence.domain.errors import NotFoundError
from credence.domain.records import Record, canonical, chain_hash, content_hash
from credence.store.connection import aware_utc, chunks, datetime_writer, naive_utc
from credence.store.schema import chain_heads, records

GENESIS = "0" * 64

Key = tuple[str, str]

_COLUMNS = (
    "source, id, subject, type, occurred_at, recorded_at, data, evidence,"
    " content_hash, chain_seq, prev_hash, hash"
)
_INSERT = f"INSERT INTO records ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_COPY = f"COPY records ({_COLUMNS}) FROM STDIN"
# One probe of the unique index per key. LIMIT keeps the subquery from being flattened into
# a join, which on a table not yet analysed is planned as a scan of the whole source.
_HELD_PG = (
    "SELECT k.source, k.id, held.content_hash"
    " FROM unnest(%s::varchar[], %s::varchar[]) AS k(source, id)"
    " CROSS JOIN LATERAL (SELECT content_hash FROM records"
    " WHERE records.source = k.source AND records.id = k.id LIMIT 1) AS held"
)


@dataclass(frozen=True, slots=True)
class AppendOutcome:
    """What became of a batch: appended, already held, or refused with a reason."""

    accepted: list[Record]
    duplicates: list[Record]
    conflicts: list[tuple[Record, str]]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A batch with everything computed that does not depend on the chain heads."""

    records: Sequence[Record]
    digests: list[str]
    columns: list[tuple[Any, ...]]


def prepare(records: Sequence[Record], dialect: Dialect) -> Prepared:
    """Hash and serialise a batch before any lock is taken."""
    write_datetime = datetime_writer(dialect)
    digests: list[str] = []
    columns: list[tuple[Any, ...]] = []
    for record in records:
        digest = content_hash(record)
        digests.append(digest)
        columns.append(
            (
                record.source,
                record.id,
                record.subject,
                record.type,
                write_datetime(naive_utc(record.occurred_at, f"occurred_at of {record.key}")),
                write_datetime(naive_utc(record.recorded_at, f"recorded_at of {record.key}")),
                canonical(dict(record.data)),
                record.evidence,
                digest,
            )
        )
    return Prepared(records=records, digests=digests, columns=columns)


def append(connection: Connection, batch: Prepared) -> AppendOutcome:
    """Append the batch's new records to their chains; the caller holds the transaction."""
    heads = _lock_heads(connection, {record.source for record in batch.records})
    held = _held_digests(connection, {(r.source, r.id) for r in batch.records})
    accepted: list[Record] = []
    duplicates: list[Record] = []
    conflicts: list[tuple[Record, str]] = []
    rows: list[tuple[Any, ...]] = []
    in_batch: set[Key] = set()
    for record, digest, columns in zip(batch.records, batch.digests, batch.columns, strict=True):
        key = (record.source, record.id)
        known = held.get(key)
        if known is None:
            held[key] = digest
            in_batch.add(key)
            accepted.append(record)
            rows.append(_chained(columns, heads[record.source], record.recorded_at, digest))
        elif known == digest:
            duplicates.append(record)
        else:
            conflicts.append((record, _conflict_reason(record, earlier=key in in_batch)))
    if rows:
        _insert(connection, rows)
        _move_heads(connection, {p: heads[p] for p in {record.source for record in accepted}})
    return AppendOutcome(accepted=accepted, duplicates=duplicates, conflicts=conflicts)


def _chained(
    columns: tuple[Any, ...], head: list[Any], recorded_at: datetime, digest: str
) -> tuple[Any, ...]:
    """Link one entry to its chain's head and move the head (kept as `[seq, hash]`) onto it."""
    seq, previous = head[0] + 1, head[1]
    entry_hash = chain_hash(previous, digest, recorded_at, seq)
    head[0], head[1] = seq, entry_hash
    return (*columns, seq, previous, entry_hash)


def _conflict_reason(record: Record, *, earlier: bool) -> str:
    reason = f"{record.key}: the ledger already holds other content under this key"
    return f"{reason} (given earlier in this batch)" if earlier else reason


def _lock_heads(connection: Connection, partitions: set[str]) -> dict[str, list[Any]]:
    """Lock the heads of `partitions`, creating missing ones at the genesis hash."""
    ordered = sorted(partitions)  # one lock order for every writer, so none deadlock
    dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    missing = dialect_insert(chain_heads).on_conflict_do_nothing(index_elements=["partition"])
    connection.execute(missing, [{"partition": p, "seq": 0, "hash": GENESIS} for p in ordered])
    heads: dict[str, list[Any]] = {}
    for part in chunks(ordered):
        query = (
            sa.select(chain_heads)
            .where(chain_heads.c.partition.in_(part))
            .order_by(chain_heads.c.partition)
            .with_for_update()
        )
        heads.update((row.partition, [row.seq, row.hash]) for row in connection.execute(query))
    return heads


def _held_digests(connection: Connection, keys: set[Key]) -> dict[Key, str]:
    """The content hash stored under each of `keys` that the ledger already holds."""
    if connection.dialect.name == "postgresql":
        sources, ids = [source for source, _ in keys], [record_id for _, record_id in keys]
        rows = connection.exec_driver_sql(_HELD_PG, (sources, ids))
        return {(source, record_id): digest for source, record_id, digest in rows}
    by_source: dict[str, list[str]] = defaultdict(list)
    for source, record_id in keys:
        by_source[source].append(record_id)
    held: dict[Key, str] = {}
    for source, ids_of_source in by_source.items():
        for part in chunks(ids_of_source):
            query = sa.select(records.c.id, records.c.content_hash).where(
                records.c.source == source, records.c.id.in_(part)
            )
            held.update(((source, row.id), row.content_hash) for row in connection.execute(query))
    return held


def _insert(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy(_COPY) as copy:
            for row in rows:
                copy.write_row(row)
    else:
        connection.exec_driver_sql(_INSERT, rows)


def _move_heads(connection: Connection, heads: dict[str, list[Any]]) -> None:
    update = (
        chain_heads.update()
        .where(chain_heads.c.partition == sa.bindparam("head"))
        .values(seq=sa.bindparam("new_seq"), hash=sa.bindparam("new_hash"))
    )
    moved = [{"head": p, "new_seq": seq, "new_hash": h} for p, (seq, h) in sorted(heads.items())]
    connection.execute(update, moved)


def records_of(connection: Connection, subject: str) -> list[Record]:
    """The subject's records, ordered by (occurred_at, id, source)."""
    query = sa.select(records).where(records.c.subject == subject)
    found = [record_from_row(row) for row in connection.execute(query)]
    # Sorted here rather than by the database, whose collation may not order by code point.
    return sorted(found, key=lambda record: record.order)


def records_of_many(connection: Connection, subjects: Sequence[str]) -> dict[str, list[Record]]:
    """Records of many subjects, each list ordered by (occurred_at, id, source)."""
    found: dict[str, list[Record]] = defaultdict(list)
    for part in chunks(list(subjects)):
        for row in connection.execute(sa.select(records).where(records.c.subject.in_(part))):
            found[row.subject].append(record_from_row(row))
    return {subject: sorted(items, key=lambda r: r.order) for subject, items in found.items()}


def subjects_with_records(connection: Connection) -> list[str]:
    """Every subject the ledger holds a record about, sorted."""
    query = sa.select(records.c.subject).distinct()
    return sorted(row.subject for row in connection.execute(query))


def record(connection: Connection, source: str, record_id: str) -> Record:
    """The record `SOURCE:ID`."""
    query = sa.select(records).where(records.c.source == source, records.c.id == record_id)
    row = connection.execute(query).one_or_none()
    if row is None:
        key = f"{source}:{record_id}"
        raise NotFoundError(f"the ledger holds no record {key}", record=key)
    return record_from_row(row)


def count_records(connection: Connection) -> int:
    """How many entries the ledger holds."""
    query = sa.select(sa.func.count()).select_from(records)
    return int(connection.execute(query).scalar_one())


def record_from_row(row: sa.Row[Any]) -> Record:
    """Rebuild the record an entry stores."""
    return Record(
        source=row.source,
        id=row.id,
        subject=row.subject,
        type=row.type,
        occurred_at=aware_utc(row.occurred_at),
        recorded_at=aware_utc(row.recorded_at),
        data=json.loads(row.data),
        evidence=row.evidence,
    )
