"""Appeals: a subject contests a record or a listing; a reviewer upholds or overturns it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from credence.domain.appeals import Appeal, Outcome, check_appeal_in_time, check_decidable
from credence.domain.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from credence.domain.history import History
from credence.domain.records import split_key
from credence.service.histories import history_of
from credence.service.notices import sync_notices

if TYPE_CHECKING:
    from datetime import datetime

    from credence.service.context import Credence


def file_appeal(
    app: Credence,
    subject_id: str,
    *,
    reason: str,
    record: str | None = None,
    list_id: str | None = None,
) -> Appeal:
    """File an appeal within the appeal window from the contested item's notice."""
    if (record is None) == (list_id is None):
        raise InvalidInputError("appeal either a record (SOURCE:ID) or a listing, not both")
    if not reason.strip():
        raise InvalidInputError("an appeal needs a reason: say what is wrong")
    now = app.clock.now()
    history = history_of(app, subject_id, now)
    noticed = (
        _record_noticed(app, history, record) if record else _listing_noticed(history, list_id)
    )
    book = app.index().resolve(history.subject.region, noticed) or history.book_at(now)
    if book is None:
        raise NotFoundError(f"no rulebook governs {history.subject.region}")
    check_appeal_in_time(noticed, book.appeal_window, now)
    target = record or f"list:{list_id}"
    if any(a.target == target and a.outcome is None for a in app.store.appeals_of(subject_id)):
        raise ConflictError(f"an appeal against {target} is already pending", target=target)
    appeal = app.store.add_appeal(
        subject=subject_id,
        record=record,
        list_id=list_id,
        reason=reason.strip(),
        filed_at=now,
        deadline=book.review_deadline.after(now),
    )
    sync_notices(app, [subject_id])
    return appeal


def _record_noticed(app: Credence, history: History, key: str) -> datetime:
    source, record_id = split_key(key)
    record = app.store.record(source, record_id)
    if record.subject != history.subject.id:
        raise ForbiddenError(f"{key} is not about {history.subject.id}", record=key)
    standing = history.standings.get(key)
    if standing is not None and standing.excluded is not None:
        raise ConflictError(f"{key} is {standing.excluded} and does not count: nothing to appeal")
    return history.known_at.get(key, record.recorded_at)


def _listing_noticed(history: History, list_id: str | None) -> datetime:
    assert list_id is not None
    episode = history.episode_at(list_id, history.horizon)
    if episode is None or episode.status_at(history.horizon) not in ("pending", "listed"):
        raise ConflictError(
            f"{history.subject.id} is not on or proposed for the list {list_id!r}", list=list_id
        )
    return episode.noticed_at


def decide_appeal(
    app: Credence, appeal_id: str, *, outcome: Outcome, reviewer: str, reason: str
) -> Appeal:
    """Uphold or overturn an appeal. Overturned, the record is as if it never was."""
    appeal = app.store.appeal(appeal_id)
    check_decidable(appeal)
    if not reason.strip():
        raise InvalidInputError("a decision needs a reason the subject can read")
    if not reviewer.strip() or reviewer == appeal.subject:
        raise ForbiddenError("an appeal is decided by a named reviewer other than the subject")
    if appeal.record is not None:
        source, _ = split_key(appeal.record)
        if reviewer == source:
            raise ForbiddenError(
                f"{reviewer} submitted {appeal.record} and may not decide its appeal"
            )
    decided = app.store.decide_appeal(
        appeal_id,
        outcome=outcome,
        reviewer=reviewer,
        reason=reason.strip(),
        decided_at=app.clock.now(),
    )
    sync_notices(app, [appeal.subject])
    return decided


def appeals(app: Credence, *, pending_only: bool = False) -> list[Appeal]:
    """Every appeal, or only those awaiting a decision, oldest first."""
    return app.store.appeals(pending_only=pending_only)
