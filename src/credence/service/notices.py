"""The outbox: notices owed to subjects, written once each, in real time and by `tick`."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from credence.domain.notices import notice_events
from credence.service.histories import histories_of

if TYPE_CHECKING:
    from credence.service.context import Credence

BATCH = 500


def sync_notices(app: Credence, subject_ids: Collection[str], until: datetime | None = None) -> int:
    """Add every notice owed to these subjects by `until` (default now) that is missing.

    Notices are derived from each subject's history with stable keys, so this may run any
    number of times: the outbox ignores keys it already holds. Returns how many were added.
    """
    until = until or app.clock.now()
    ids = sorted(set(subject_ids))
    added = 0
    for start in range(0, len(ids), BATCH):
        histories = histories_of(app, ids[start : start + BATCH], until)
        appeals = app.store.appeals_of_many([h.subject.id for h in histories])
        events = [
            event
            for h in histories
            for event in notice_events(h, appeals.get(h.subject.id, []), until)
        ]
        added += app.store.add_notices(events, created_at=app.clock.now())
    return added


@dataclass(frozen=True, slots=True)
class TickReport:
    """What a tick looked at and what it added."""

    at: datetime
    subjects: int
    added: int

    def to_json(self) -> dict[str, Any]:
        from credence.domain.times import iso

        return {"at": iso(self.at), "subjects": self.subjects, "added": self.added}


def tick(
    app: Credence, at: datetime | None = None, progress: Callable[[int], None] | None = None
) -> TickReport:
    """Produce the time-driven notices (notice periods ending, penalties expiring) up to `at`.

    Idempotent: running it twice, or late, adds no duplicate and leaves no gap.
    """
    at = at or app.clock.now()
    ids = app.store.subjects_with_records()
    added = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        added += sync_notices(app, chunk, at)
        if progress is not None:
            progress(len(chunk))
    return TickReport(at=at, subjects=len(ids), added=added)


def notices_of(app: Credence, subject_id: str) -> list[dict[str, Any]]:
    """The subject's notices, oldest first."""
    app.store.subject(subject_id)
    return app.store.notices_of(subject_id)
