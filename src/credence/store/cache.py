"""The score cache: a copy of set-based results, never the truth, always rebuildable."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from credence.store.connection import aware_utc, naive_utc
from credence.store.schema import metadata

score_cache = sa.Table(
    "score_cache",
    metadata,
    sa.Column("subject", sa.String, primary_key=True),
    sa.Column("as_of", sa.DateTime, nullable=False),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("grade", sa.String, nullable=False),
    sa.Column("lists", sa.Text, nullable=False),  # JSON list of lists the subject is listed on
    sa.Column("refused", sa.Text, nullable=False),  # JSON list of services refused
)


def replace_cache(connection: Connection, table: pa.Table, as_of: datetime) -> int:
    connection.execute(score_cache.delete())
    rows = [
        {
            "subject": r["subject"],
            "as_of": naive_utc(as_of, "as_of"),
            "score": r["score"],
            "grade": r["grade"],
            "lists": json.dumps(r["lists"]),
            "refused": json.dumps(r["refused"]),
        }
        for r in table.to_pylist()
    ]
    for start in range(0, len(rows), 10_000):
        connection.execute(score_cache.insert(), rows[start : start + 10_000])
    return len(rows)


def cached(connection: Connection, subjects: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(subjects), 500):
        part = subjects[start : start + 500]
        for r in connection.execute(sa.select(score_cache).where(score_cache.c.subject.in_(part))):
            found[r.subject] = {
                "as_of": aware_utc(r.as_of),
                "score": r.score,
                "grade": r.grade,
                "lists": json.loads(r.lists),
                "refused": json.loads(r.refused),
            }
    return found


def cached_subjects(connection: Connection) -> list[str]:
    return [r[0] for r in connection.execute(sa.select(score_cache.c.subject))]
