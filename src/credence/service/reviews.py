"""Review of observer records: the two-person rule before an observer's report counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from credence.domain.appeals import Review, check_reviewer
from credence.domain.errors import ConflictError
from credence.domain.records import Record, split_key
from credence.service.histories import observer_sources
from credence.service.notices import sync_notices

if TYPE_CHECKING:
    from credence.service.context import Credence


def pending_reviews(app: Credence) -> list[Record]:
    """Observer records no reviewer has accepted or rejected yet, oldest first."""
    return app.store.pending_reviews(observer_sources(app))


def review_record(
    app: Credence, key: str, *, accept: bool, reviewer: str, reason: str | None = None
) -> Review:
    """Accept or reject an observer's record; it counts only once accepted."""
    source, record_id = split_key(key)
    record = app.store.record(source, record_id)
    if record.source not in observer_sources(app):
        raise ConflictError(f"{key} comes from an authority and needs no review", record=key)
    check_reviewer(record, None, reviewer)
    if not accept and not (reason or "").strip():
        raise ConflictError("a rejection needs a reason, kept with the record", record=key)
    review = Review(key, accept, reviewer, reason, app.clock.now())
    app.store.add_review(review)
    sync_notices(app, [record.subject])
    return review
