"""Reviews, appeals and the notice outbox.

Reviews, appeal filings and appeal decisions are ledger entries too: never updated, each
holding the hash of the one before it in a chain of its own kind, so a decision cannot be
quietly rewritten. Notices are an outbox keyed by (subject, key): adding the same event
twice stores it once.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from credence.domain.appeals import Appeal, Review
from credence.domain.errors import ConflictError, NotFoundError
from credence.domain.notices import NoticeEvent
from credence.domain.records import canonical, split_key
from credence.domain.times import iso
from credence.store.connection import aware_utc, chunks, naive_utc
from credence.store.schema import chain_heads, metadata, records

GENESIS = "0" * 64
# Partition names start with '#', which no source id may, so they never meet a source's chain.
REVIEWS, APPEALS, DECISIONS = "#reviews", "#appeals", "#appeal-decisions"


def _chained(*columns: sa.Column[Any]) -> list[sa.Column[Any]]:
    return [
        *columns,
        sa.Column("chain_seq", sa.BigInteger, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    ]


reviews = sa.Table(
    "reviews",
    metadata,
    *_chained(
        sa.Column("source", sa.String, primary_key=True),
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("accepted", sa.Boolean, nullable=False),
        sa.Column("reviewer", sa.String, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("decided_at", sa.DateTime, nullable=False),
    ),
)

appeals = sa.Table(
    "appeals",
    metadata,
    *_chained(
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String, nullable=False, index=True),
        sa.Column("record", sa.String, nullable=True),
        sa.Column("list", sa.String, nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("filed_at", sa.DateTime, nullable=False),
        sa.Column("deadline", sa.DateTime, nullable=False),
    ),
    sqlite_autoincrement=True,
)

appeal_decisions = sa.Table(
    "appeal_decisions",
    metadata,
    *_chained(
        sa.Column("appeal", sa.Integer, primary_key=True),
        sa.Column("outcome", sa.String, nullable=False),
        sa.Column("reviewer", sa.String, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=False),
    ),
)

notices = sa.Table(
    "notices",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("subject", sa.String, nullable=False),
    sa.Column("key", sa.String, nullable=False),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("subject", "key", name="uq_notices_subject_key"),
    sqlite_autoincrement=True,
)


def entry_hash(previous: str, seq: int, content: Mapping[str, Any]) -> str:
    """The hash binding a workflow entry to its predecessor."""
    return hashlib.sha256(f"{previous}|{seq}|{canonical(content)}".encode()).hexdigest()


def _append(
    connection: Connection, partition: str, table: sa.Table, content: dict[str, Any]
) -> Any:
    head = connection.execute(
        sa.select(chain_heads.c.seq, chain_heads.c.hash)
        .where(chain_heads.c.partition == partition)
        .with_for_update()
    ).first()
    seq, previous = (head.seq + 1, head.hash) if head else (1, GENESIS)
    digest = entry_hash(previous, seq, {k: _hashed(v) for k, v in content.items()})
    values = {k: _stored(v) for k, v in content.items()}
    result = connection.execute(
        table.insert().values(**values, chain_seq=seq, prev_hash=previous, hash=digest)
    )
    if head:
        connection.execute(
            chain_heads.update()
            .where(chain_heads.c.partition == partition)
            .values(seq=seq, hash=digest)
        )
    else:
        connection.execute(chain_heads.insert().values(partition=partition, seq=seq, hash=digest))
    return result


def _stored(value: Any) -> Any:
    return naive_utc(value, "instant") if isinstance(value, datetime) else value


def _read(value: Any) -> Any:
    return aware_utc(value) if isinstance(value, datetime) else value


def _hashed(value: Any) -> Any:
    return iso(value) if isinstance(value, datetime) else value


def add_review(connection: Connection, review: Review) -> None:
    source, record_id = split_key(review.record)
    held = connection.execute(
        sa.select(reviews.c.accepted).where(reviews.c.source == source, reviews.c.id == record_id)
    ).first()
    if held is not None:
        raise ConflictError(f"{review.record} was already reviewed", record=review.record)
    content = {
        "source": source,
        "id": record_id,
        "accepted": review.accepted,
        "reviewer": review.reviewer,
        "reason": review.reason,
        "decided_at": review.decided_at,
    }
    _append(connection, REVIEWS, reviews, content)


def reviews_for(connection: Connection, keys: Collection[str]) -> dict[str, Review]:
    found: dict[str, Review] = {}
    pairs = [split_key(k) for k in keys]
    for part in chunks(pairs, 400):
        condition = sa.tuple_(reviews.c.source, reviews.c.id).in_(part)
        for row in connection.execute(sa.select(reviews).where(condition)):
            key = f"{row.source}:{row.id}"
            found[key] = Review(
                key, row.accepted, row.reviewer, row.reason, aware_utc(row.decided_at)
            )
    return found


def add_appeal(
    connection: Connection,
    *,
    subject: str,
    record: str | None,
    list_id: str | None,
    reason: str,
    filed_at: datetime,
    deadline: datetime,
) -> Appeal:
    content = {
        "subject": subject,
        "record": record,
        "list": list_id,
        "reason": reason,
        "filed_at": filed_at,
        "deadline": deadline,
    }
    result = _append(connection, APPEALS, appeals, content)
    appeal_id = str(result.inserted_primary_key[0])
    return Appeal(appeal_id, subject, record, list_id, reason, filed_at, deadline)


def decide_appeal(
    connection: Connection,
    appeal_id: str,
    *,
    outcome: str,
    reviewer: str,
    reason: str,
    decided_at: datetime,
) -> None:
    content = {
        "appeal": int(appeal_id),
        "outcome": outcome,
        "reviewer": reviewer,
        "reason": reason,
        "decided_at": decided_at,
    }
    _append(connection, DECISIONS, appeal_decisions, content)


def _appeal_query() -> sa.Select[Any]:
    a, d = appeals, appeal_decisions
    return (
        sa.select(
            a.c.id,
            a.c.subject,
            a.c.record,
            a.c.list,
            a.c.reason,
            a.c.filed_at,
            a.c.deadline,
            d.c.outcome,
            d.c.decided_at,
            d.c.reviewer,
            d.c.reason.label("decision_reason"),
        )
        .select_from(a.outerjoin(d, d.c.appeal == a.c.id))
        .order_by(a.c.id)
    )


def _appeal(row: Any) -> Appeal:
    return Appeal(
        id=str(row.id),
        subject=row.subject,
        record=row.record,
        list=row.list,
        reason=row.reason,
        filed_at=aware_utc(row.filed_at),
        deadline=aware_utc(row.deadline),
        outcome=row.outcome,
        decided_at=aware_utc(row.decided_at) if row.decided_at else None,
        reviewer=row.reviewer,
        decision_reason=row.decision_reason,
    )


def appeal(connection: Connection, appeal_id: str) -> Appeal:
    if not appeal_id.isdigit() or len(appeal_id) > 18:
        raise NotFoundError(f"no appeal {appeal_id!r}", appeal=appeal_id)
    row = connection.execute(_appeal_query().where(appeals.c.id == int(appeal_id))).first()
    if row is None:
        raise NotFoundError(f"no appeal {appeal_id!r}", appeal=appeal_id)
    return _appeal(row)


def all_appeals(connection: Connection, *, pending_only: bool) -> list[Appeal]:
    query = _appeal_query()
    if pending_only:
        query = query.where(appeal_decisions.c.appeal.is_(None))
    return [_appeal(row) for row in connection.execute(query)]


def appeals_of_many(connection: Connection, subjects: Collection[str]) -> dict[str, list[Appeal]]:
    found: dict[str, list[Appeal]] = defaultdict(list)
    for part in chunks(list(subjects)):
        for row in connection.execute(_appeal_query().where(appeals.c.subject.in_(part))):
            found[row.subject].append(_appeal(row))
    return dict(found)


def add_notices(connection: Connection, events: Iterable[NoticeEvent], created_at: datetime) -> int:
    """Store the events not yet held; return how many were new."""
    wanted = {(e.subject, e.key): e for e in events}
    if not wanted:
        return 0
    held: set[tuple[str, str]] = set()
    for part in chunks(list(wanted), 400):
        condition = sa.tuple_(notices.c.subject, notices.c.key).in_(part)
        held.update(
            (r.subject, r.key)
            for r in connection.execute(
                sa.select(notices.c.subject, notices.c.key).where(condition)
            )
        )
    fresh = [e for k, e in wanted.items() if k not in held]
    if fresh:
        connection.execute(
            notices.insert(),
            [
                {
                    "subject": e.subject,
                    "key": e.key,
                    "kind": e.kind,
                    "at": naive_utc(e.at, "notice"),
                    "payload": json.dumps(e.to_json()),
                    "created_at": naive_utc(created_at, "created_at"),
                }
                for e in fresh
            ],
        )
    return len(fresh)


def notices_of(connection: Connection, subject: str) -> list[dict[str, Any]]:
    rows = connection.execute(
        sa.select(notices.c.payload, notices.c.created_at)
        .where(notices.c.subject == subject)
        .order_by(notices.c.at, notices.c.id)
    )
    return [{**json.loads(r.payload), "created_at": iso(aware_utc(r.created_at))} for r in rows]


def pending_reviews(connection: Connection, observers: Collection[str]) -> list[Any]:
    """Rows of observer records with no review yet, oldest first."""
    if not observers:
        return []
    query = (
        sa.select(records)
        .select_from(
            records.outerjoin(
                reviews, sa.and_(reviews.c.source == records.c.source, reviews.c.id == records.c.id)
            )
        )
        .where(records.c.source.in_(list(observers)), reviews.c.source.is_(None))
        .order_by(records.c.recorded_at, records.c.entry)
    )
    return list(connection.execute(query))


CHAINED = (
    (REVIEWS, reviews, ("source", "id", "accepted", "reviewer", "reason", "decided_at")),
    (APPEALS, appeals, ("subject", "record", "list", "reason", "filed_at", "deadline")),
    (DECISIONS, appeal_decisions, ("appeal", "outcome", "reviewer", "reason", "decided_at")),
)


def verify_workflow(connection: Connection) -> tuple[int, str | None, str | None]:
    """Walk the review and appeal chains: (entries checked, first bad entry, reason)."""
    checked = 0
    heads = {r.partition: (r.seq, r.hash) for r in connection.execute(sa.select(chain_heads))}
    for partition, table, fields in CHAINED:
        previous, expected_seq = GENESIS, 1
        for row in connection.execute(sa.select(table).order_by(table.c.chain_seq)):
            checked += 1
            content = {f: _hashed(_read(getattr(row, f))) for f in fields}
            where = f"{table.name} entry {row.chain_seq}"
            if row.chain_seq != expected_seq:
                return checked, where, f"entry {expected_seq} of the {table.name} chain is missing"
            if row.prev_hash != previous or row.hash != entry_hash(
                previous, row.chain_seq, content
            ):
                return checked, where, "its hash does not match its content and predecessor"
            previous, expected_seq = row.hash, expected_seq + 1
        head = heads.get(partition)
        if expected_seq > 1 and (head is None or head != (expected_seq - 1, previous)):
            return checked, f"chain head of {table.name}", "the head does not match the last entry"
        if expected_seq == 1 and head is not None:
            return checked, f"chain head of {table.name}", "entries of this chain are missing"
    return checked, None, None


def restriction_changes(
    connection: Connection, service: str, after: int, limit: int
) -> list[tuple[int, dict[str, Any]]]:
    """Restriction notices for a service with an id above `after`, oldest first."""
    query = (
        sa.select(notices.c.id, notices.c.payload)
        .where(
            notices.c.id > after, notices.c.kind.in_(["restriction.applied", "restriction.lifted"])
        )
        .order_by(notices.c.id)
    )
    found: list[tuple[int, dict[str, Any]]] = []
    for row in connection.execute(query):
        payload = json.loads(row.payload)
        if payload.get("service") == service:
            found.append((row.id, payload))
            if len(found) >= limit:
                break
    return found
