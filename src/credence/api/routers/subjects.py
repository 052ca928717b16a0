"""Subjects and what is held about them: score, decisions, report, notices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query

from credence.api.deps import App, Paged, Who
from credence.api.schemas import ERRORS, SubjectIn
from credence.domain.times import parse_instant
from credence.service import notices, scores
from credence.service.keys import log_access
from credence.service.report import subject_report
from credence.service.subjects import register_subject_rows

router = APIRouter(prefix="/v1/subjects", tags=["subjects"], responses=ERRORS)
At = Query(None, description="ISO 8601 instant to answer for; default now")


def _at(at: datetime | None) -> Any:
    return parse_instant(at) if at else None


@router.post("", status_code=201)
def register(subjects: list[SubjectIn], app: App, who: Who) -> dict[str, Any]:
    """Register subjects (admin). The same per-row outcome as `credence register`."""
    who.require("admin")
    return register_subject_rows(app, [s.model_dump() for s in subjects]).to_json()


@router.get("/{subject}/score")
def score(subject: str, app: App, who: Who, at: datetime | None = At) -> dict[str, Any]:
    """The subject's score, grade, contributions and lists, every point explained."""
    who.require_subject(subject, "admin", "reviewer")
    card = scores.score_subject(app, subject, _at(at)).to_json()
    log_access(app, who, "score", subject=subject, answer=f"{card['score']} {card['grade']}")
    return card


@router.get("/{subject}/decisions")
def decisions(subject: str, app: App, who: Who, at: datetime | None = At) -> dict[str, Any]:
    """The decision for every service (a provider key sees only its services)."""
    who.require_subject(subject, "admin", "reviewer", "provider")
    found = [d.to_json() for d in scores.decide_all(app, subject, _at(at))]
    if who.services is not None:
        found = [d for d in found if d["service"] in who.services]
    refused = [d["service"] for d in found if not d["allowed"]]
    log_access(app, who, "decisions", subject=subject, answer=f"refused: {refused}")
    return {"subject": subject, "decisions": found}


@router.get("/{subject}/decisions/{service}")
def decision(
    subject: str, service: str, app: App, who: Who, at: datetime | None = At
) -> dict[str, Any]:
    """May the subject use the service? Allowed or refused, with reasons and `restored_at`."""
    who.require_subject(subject, "admin", "reviewer", "provider")
    who.require_service(service)
    found = scores.decide_service(app, subject, service, _at(at)).to_json()
    log_access(
        app,
        who,
        "decision",
        subject=subject,
        detail=service,
        answer="allowed" if found["allowed"] else "refused",
    )
    return found


@router.get("/{subject}/report")
def report(subject: str, app: App, who: Who, at: datetime | None = At) -> dict[str, Any]:
    """Everything held about the subject, including who has looked at it."""
    who.require_subject(subject, "admin")
    log_access(app, who, "report", subject=subject)
    found = subject_report(app, subject, _at(at))
    found["access_log"] = app.store.access_entries(subject=subject, limit=1000)
    return found


@router.get("/{subject}/notices")
def subject_notices(subject: str, app: App, who: Who, paged: Paged) -> dict[str, Any]:
    """The subject's notices, oldest first, paginated."""
    who.require_subject(subject, "admin")
    log_access(app, who, "notices", subject=subject)
    found = notices.notices_of(app, subject)
    return {"subject": subject, **paged.of("notices", found)}
