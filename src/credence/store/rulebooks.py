"""Published rulebook versions: stored once, never changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from credence.domain.errors import ConflictError
from credence.store.connection import aware_utc, chunks, naive_utc
from credence.store.schema import rulebook_versions


@dataclass(frozen=True, slots=True)
class StoredBook:
    """One published version of a jurisdiction's rulebook, as its YAML text was loaded."""

    jurisdiction: str
    version: str
    effective_from: date
    origin: str
    text: str
    hash: str
    loaded_at: datetime

    @property
    def name(self) -> str:
        """The version's name everywhere: `JURISDICTION@VERSION`."""
        return f"{self.jurisdiction}@{self.version}"


def add_rulebook_versions(connection: Connection, items: Sequence[StoredBook]) -> list[str]:
    """Store the versions not yet held; refuse all if one changes a published version."""
    held = _held_hashes(connection, {(book.jurisdiction, book.version) for book in items})
    fresh: list[StoredBook] = []
    for book in items:
        known = held.get((book.jurisdiction, book.version))
        if known is None:
            held[(book.jurisdiction, book.version)] = book.hash
            fresh.append(book)
        elif known != book.hash:
            raise ConflictError(
                f"rulebook {book.name} is already published with other content; "
                "a published version is never changed, publish a new version instead",
                rulebook=book.name,
                origin=book.origin,
            )
    if fresh:
        connection.execute(rulebook_versions.insert(), [_row(book) for book in fresh])
    return [book.name for book in fresh]


def stored_rulebook_versions(connection: Connection) -> list[StoredBook]:
    """Every stored version, by jurisdiction and then the date it takes effect."""
    found = [
        StoredBook(
            jurisdiction=row.jurisdiction,
            version=row.version,
            effective_from=row.effective_from,
            origin=row.origin,
            text=row.text,
            hash=row.hash,
            loaded_at=aware_utc(row.loaded_at),
        )
        for row in connection.execute(sa.select(rulebook_versions))
    ]
    return sorted(found, key=lambda book: (book.jurisdiction, book.effective_from, book.version))


def _held_hashes(connection: Connection, names: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    table = rulebook_versions
    held: dict[tuple[str, str], str] = {}
    for part in chunks(sorted(names), 400):
        pairs = sa.tuple_(table.c.jurisdiction, table.c.version).in_(part)
        query = sa.select(table.c.jurisdiction, table.c.version, table.c.hash).where(pairs)
        held.update(
            ((row.jurisdiction, row.version), row.hash) for row in connection.execute(query)
        )
    return held


def _row(book: StoredBook) -> dict[str, object]:
    return {
        "jurisdiction": book.jurisdiction,
        "version": book.version,
        "effective_from": book.effective_from,
        "origin": book.origin,
        "text": book.text,
        "hash": book.hash,
        "loaded_at": naive_utc(book.loaded_at, f"loaded_at of rulebook {book.name}"),
    }
