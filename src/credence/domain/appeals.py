"""Reviews and appeals: the later ledger entries that change how a record stands.

Observer records count only once a reviewer (not the submitter) accepts them. A subject may
appeal a record or a listing within the book's appeal window from its notice. While an
appeal of a record is pending the record still counts, marked disputed; once the review
deadline passes undecided it is suspended until decided. Overturned, the record is
retracted: as if it never was, at every instant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from credence.domain.errors import ConflictError, ForbiddenError
from credence.domain.records import Record
from credence.domain.scoring import Standing
from credence.domain.times import Duration, iso

Outcome = Literal["upheld", "overturned"]


@dataclass(frozen=True, slots=True)
class Review:
    """A reviewer's verdict on an observer's record."""

    record: str  # SOURCE:ID
    accepted: bool
    reviewer: str
    reason: str | None
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class Appeal:
    """A subject's challenge to a record or a listing, and its decision once made."""

    id: str
    subject: str
    record: str | None  # SOURCE:ID when a record is contested
    list: str | None  # list id when a listing is contested
    reason: str
    filed_at: datetime
    deadline: datetime  # when it must be decided before the record is suspended
    outcome: Outcome | None = None
    decided_at: datetime | None = None
    reviewer: str | None = None
    decision_reason: str | None = None

    @property
    def target(self) -> str:
        return self.record if self.record is not None else f"list:{self.list}"

    def pending_at(self, at: datetime) -> bool:
        return self.filed_at <= at and (self.decided_at is None or at < self.decided_at)


def check_reviewer(record: Record, submitted_by: str | None, reviewer: str) -> None:
    """Four eyes: whoever submitted a record may not review it."""
    if reviewer.strip() == "":
        raise ForbiddenError("a review needs a named reviewer")
    if reviewer in (submitted_by, record.source):
        raise ForbiddenError(
            f"{reviewer} submitted {record.key} and may not review it (two-person rule)",
            record=record.key,
        )


def check_appeal_in_time(noticed_at: datetime, window: Duration, filed_at: datetime) -> None:
    """An appeal must be filed within the window from the notice, the last instant included."""
    deadline = window.after(noticed_at)
    if filed_at > deadline:
        raise ConflictError(
            f"the appeal window closed at {iso(deadline)} ({window} from the notice of "
            f"{iso(noticed_at)})",
            deadline=iso(deadline),
        )


def check_decidable(appeal: Appeal) -> None:
    if appeal.outcome is not None:
        raise ConflictError(
            f"appeal {appeal.id} was already decided: {appeal.outcome} at {iso(appeal.decided_at)}",
            appeal=appeal.id,
        )


def standings(
    records: Iterable[Record],
    observed: set[str],
    reviews: Mapping[str, Review],
    appeals: Iterable[Appeal],
) -> dict[str, Standing]:
    """How each record stands given its review and the appeals against it."""
    by_record: dict[str, list[Appeal]] = {}
    for appeal in appeals:
        if appeal.record is not None:
            by_record.setdefault(appeal.record, []).append(appeal)
    result: dict[str, Standing] = {}
    for record in records:
        standing = _standing(
            record.key in observed, reviews.get(record.key), by_record.get(record.key, [])
        )
        if standing is not None:
            result[record.key] = standing
    return result


def _standing(observed: bool, review: Review | None, appeals: list[Appeal]) -> Standing | None:
    if observed and review is None:
        return Standing(excluded="pending")
    if observed and review is not None and not review.accepted:
        return Standing(excluded="rejected")
    if any(a.outcome == "overturned" for a in appeals):
        return Standing(excluded="retracted")
    if not appeals:
        return None
    disputed = tuple((a.filed_at, a.decided_at) for a in appeals)
    suspended = tuple(
        (a.deadline, a.decided_at)
        for a in appeals
        if a.decided_at is None or a.decided_at > a.deadline
    )
    return Standing(disputed=disputed, suspended=suspended)


def known_at(record: Record, review: Review | None) -> datetime:
    """When the ledger came to hold a record as counting: its recording, or its acceptance."""
    if review is not None and review.accepted:
        return max(record.recorded_at, review.decided_at)
    return record.recorded_at
