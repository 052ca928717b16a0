"""Reading a subject's score and decisions: the per-subject fold, served in real time."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from credence.domain.decisions import Decision, decide, services_of
from credence.domain.errors import NotFoundError
from credence.domain.scoring import ScoreCard
from credence.service.histories import history_of

if TYPE_CHECKING:
    from credence.service.context import Credence


def score_subject(app: Credence, subject_id: str, at: datetime | None = None) -> ScoreCard:
    """The subject's score card at `at` (default now), every point explained."""
    return history_of(app, subject_id, at).card()


def decide_service(
    app: Credence, subject_id: str, service: str, at: datetime | None = None
) -> Decision:
    """May the subject use `service` at `at` (default now)? With every reason."""
    history = history_of(app, subject_id, at)
    known = _services(app, history.subject.region, history.subject.kind, history.horizon)
    if service not in known:
        raise NotFoundError(
            f"no measure names the service {service!r} for a {history.subject.kind} in "
            f"{history.subject.region}; known services: {', '.join(known) or 'none'}",
            service=service,
        )
    return decide(history, service, history.horizon)


def decide_all(app: Credence, subject_id: str, at: datetime | None = None) -> list[Decision]:
    """The decision for every service the subject's rulebook names."""
    history = history_of(app, subject_id, at)
    services = _services(app, history.subject.region, history.subject.kind, history.horizon)
    return [decide(history, s, history.horizon) for s in services]


def _services(app: Credence, region: str, kind: str, at: datetime) -> list[str]:
    book = app.index().resolve(region, at)
    return services_of(book, kind) if book is not None else []
