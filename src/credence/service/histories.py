"""Loading a subject's history: its records, their reviews and the appeals it filed."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from credence.domain.appeals import Appeal, Review, known_at, standings
from credence.domain.history import History
from credence.domain.records import Record, Subject
from credence.domain.rulebook import RulebookIndex

if TYPE_CHECKING:
    from credence.service.context import Credence


def observer_sources(app: Credence) -> set[str]:
    """Sources whose records wait for a reviewer, in any published book."""
    return {
        source.id
        for book in app.index().books
        for source in book.spec.sources
        if source.kind == "observer"
    }


def build_history(
    app: Credence,
    subject: Subject,
    records: list[Record],
    appeals: list[Appeal],
    reviews: Mapping[str, Review],
    horizon: datetime,
    index: RulebookIndex | None = None,
) -> History:
    """Fold a subject's ledger entries into its history up to `horizon`."""
    observers = observer_sources(app)
    observed = {r.key for r in records if r.source in observers}
    return History(
        index or app.index(),
        subject,
        records,
        horizon,
        standings=standings(records, observed, reviews, appeals),
        known_at={r.key: known_at(r, reviews.get(r.key)) for r in records if r.key in reviews},
        list_appeals=[a for a in appeals if a.list is not None],
    )


def history_of(app: Credence, subject_id: str, at: datetime | None = None) -> History:
    """A subject's history as the ledger holds it now, about the instant `at` (default now)."""
    return histories_of(app, [subject_id], at or app.clock.now(), must_exist=True)[0]


def histories_of(
    app: Credence,
    subject_ids: Collection[str],
    at: datetime,
    *,
    must_exist: bool = False,
    index: RulebookIndex | None = None,
) -> list[History]:
    """Histories of many subjects, loaded with one query per table rather than per subject."""
    if must_exist:
        subjects = {sid: app.store.subject(sid) for sid in subject_ids}
    else:
        subjects = app.store.subjects_by_id(subject_ids)
    records = app.store.records_of_many(list(subjects))
    appeals = app.store.appeals_of_many(list(subjects))
    observers = observer_sources(app)
    observed = {r.key for rs in records.values() for r in rs if r.source in observers}
    reviews = app.store.reviews_for(observed) if observed else {}
    return [
        build_history(app, subject, records.get(sid, []), appeals.get(sid, []), reviews, at, index)
        for sid, subject in subjects.items()
    ]
