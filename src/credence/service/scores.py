"""Reading a subject's score: the per-subject fold, served in real time."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from credence.domain.scoring import ScoreCard, score

if TYPE_CHECKING:
    from credence.service.context import Credence


def score_subject(app: Credence, subject_id: str, at: datetime | None = None) -> ScoreCard:
    """The subject's score card at `at` (default now), every point explained."""
    subject = app.store.subject(subject_id)
    records = app.store.records_of(subject_id)
    return score(app.index(), subject, records, at or app.clock.now())
