"""The right of access: everything credence holds about one subject, in one report."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from credence.domain.decisions import decide, services_of
from credence.domain.times import iso
from credence.service.histories import history_of

if TYPE_CHECKING:
    from credence.service.context import Credence


def subject_report(app: Credence, subject_id: str, at: datetime | None = None) -> dict[str, Any]:
    """Records with their status, contributions, list histories, notices, appeals, decisions."""
    history = history_of(app, subject_id, at)
    at = history.horizon
    card = history.card(at)
    book = history.book_at(at)
    services = services_of(book, history.subject.kind) if book is not None else []
    subject = history.subject
    return {
        "subject": {
            "id": subject.id,
            "kind": subject.kind,
            "region": subject.region,
            "name": subject.name,
        },
        "as_of": iso(at),
        "score": card.score,
        "grade": card.grade,
        "rulebook": card.rulebook,
        "records": [
            {
                "record": r.key,
                "type": r.type,
                "occurred_at": iso(r.occurred_at),
                "recorded_at": iso(r.recorded_at),
                "data": dict(r.data),
                "evidence": r.evidence,
                "status": _record_status(history, r.key, at),
            }
            for r in sorted(history.records, key=lambda r: r.order)
        ],
        "contributions": card.to_json()["contributions"],
        "unscored": card.to_json()["unscored"],
        "lists": [
            {
                "list": list_id,
                "kind": e.list.spec.kind,
                "became_true": iso(e.became_true),
                "noticed_at": iso(e.noticed_at),
                "listed_at": iso(e.listed_at),
                "ended_at": iso(e.ended_at),
                "end_reason": e.end_reason,
                "status": e.status_at(at),
                "causes": list(e.causes),
                "basis": e.list.spec.basis,
            }
            for list_id, episodes in sorted(history.episodes.items())
            for e in episodes
            if e.noticed_at <= at
        ],
        "notices": app.store.notices_of(subject_id),
        "appeals": [appeal_json(a) for a in app.store.appeals_of(subject_id)],
        "decisions": [decide(history, s, at).to_json() for s in services],
    }


def _record_status(history: Any, key: str, at: datetime) -> str:
    for c in history.contributions:
        if c.record.key == key:
            return str(c.status_at(at))
    standing = history.standings.get(key)
    if standing is not None and standing.excluded is not None:
        return str(standing.excluded)
    return "unscored"


def appeal_json(a: Any) -> dict[str, Any]:
    return {
        "id": a.id,
        "subject": a.subject,
        "record": a.record,
        "list": a.list,
        "reason": a.reason,
        "filed_at": iso(a.filed_at),
        "deadline": iso(a.deadline),
        "outcome": a.outcome,
        "decided_at": iso(a.decided_at),
        "reviewer": a.reviewer,
        "decision_reason": a.decision_reason,
        "status": a.outcome or "pending",
    }
