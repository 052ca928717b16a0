"""Registered subjects: added once; a different registration under a known id is a conflict."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from credence.domain.errors import NotFoundError
from credence.domain.records import Subject, SubjectKind
from credence.store.connection import chunks
from credence.store.schema import subjects as subjects_table


@dataclass(frozen=True, slots=True)
class SubjectsAdded:
    """What became of a batch of subjects: counts, and each conflict with its reason."""

    accepted: int
    duplicates: int
    conflicts: list[tuple[str, str]]


def add_subjects(connection: Connection, subjects: Sequence[Subject]) -> SubjectsAdded:
    """Store the subjects not yet registered; report repeats and contradictions."""
    held = subjects_by_id(connection, {subject.id for subject in subjects})
    fresh: list[Subject] = []
    duplicates = 0
    conflicts: list[tuple[str, str]] = []
    for subject in subjects:
        known = held.get(subject.id)
        if known is None:
            held[subject.id] = subject
            fresh.append(subject)
        elif known == subject:
            duplicates += 1
        else:
            conflicts.append((subject.id, _conflict_reason(known, subject)))
    if fresh:
        rows = [{"id": s.id, "kind": s.kind, "region": s.region, "name": s.name} for s in fresh]
        connection.execute(subjects_table.insert(), rows)
    return SubjectsAdded(accepted=len(fresh), duplicates=duplicates, conflicts=conflicts)


def subjects_by_id(connection: Connection, ids: Collection[str]) -> dict[str, Subject]:
    """The registered subjects among `ids`; unknown ids are simply absent."""
    found: dict[str, Subject] = {}
    for part in chunks(sorted(set(ids))):
        query = sa.select(subjects_table).where(subjects_table.c.id.in_(part))
        found.update((row.id, _subject(row)) for row in connection.execute(query))
    return found


def subject(connection: Connection, subject_id: str) -> Subject:
    """The subject registered as `subject_id`."""
    query = sa.select(subjects_table).where(subjects_table.c.id == subject_id)
    row = connection.execute(query).one_or_none()
    if row is None:
        raise NotFoundError(f"no subject is registered as {subject_id!r}", subject=subject_id)
    return _subject(row)


def count_subjects(connection: Connection) -> int:
    """How many subjects are registered."""
    query = sa.select(sa.func.count()).select_from(subjects_table)
    return int(connection.execute(query).scalar_one())


def subjects_per_region(connection: Connection) -> dict[str, int]:
    """How many subjects each region has."""
    table = subjects_table
    query = sa.select(table.c.region, sa.func.count()).group_by(table.c.region)
    return {region: int(count) for region, count in connection.execute(query)}


def _subject(row: sa.Row[Any]) -> Subject:
    return Subject(id=row.id, kind=cast(SubjectKind, row.kind), region=row.region, name=row.name)


def _conflict_reason(known: Subject, offered: Subject) -> str:
    differing = [
        name
        for name in ("kind", "region", "name")
        if getattr(known, name) != getattr(offered, name)
    ]
    return f"subject {offered.id} is already registered with another {', '.join(differing)}"
