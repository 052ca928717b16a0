"""Finding subjects and counting records, for the operator's pages."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from credence.domain.records import Subject
from credence.store.schema import records, subjects


def search_subjects(connection: Connection, text: str, limit: int) -> list[Subject]:
    """Subjects whose id or name contains `text`, case aside, ids first."""
    pattern = f"%{text.lower().replace('%', '').replace('_', '')}%"
    query = (
        sa.select(subjects)
        .where(
            sa.or_(
                sa.func.lower(subjects.c.id).like(pattern),
                sa.func.lower(subjects.c.name).like(pattern),
            )
        )
        .order_by(subjects.c.id)
        .limit(limit)
    )
    return [Subject(r.id, r.kind, r.region, r.name) for r in connection.execute(query)]


def records_per_day(connection: Connection) -> list[tuple[str, int]]:
    """How many records occurred each day."""
    day = sa.func.date(records.c.occurred_at)
    query = sa.select(day, sa.func.count()).group_by(day).order_by(day)
    return [(str(d), int(n)) for d, n in connection.execute(query)]
