"""Review of observer records and appeals."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from credence.api.deps import App, Paged, Who
from credence.api.schemas import ERRORS, AppealDecisionIn, AppealIn, ReviewIn
from credence.domain.times import iso
from credence.service import appeals, reviews
from credence.service.report import appeal_json

router = APIRouter(prefix="/v1", tags=["review and appeals"], responses=ERRORS)


@router.get("/reviews")
def pending(app: App, who: Who, paged: Paged) -> dict[str, Any]:
    """Observer records waiting for a reviewer, oldest first."""
    who.require("admin", "reviewer")
    found = [
        {
            "record": r.key,
            "subject": r.subject,
            "type": r.type,
            "occurred_at": iso(r.occurred_at),
            "recorded_at": iso(r.recorded_at),
            "data": dict(r.data),
            "evidence": r.evidence,
        }
        for r in reviews.pending_reviews(app)
    ]
    return paged.of("pending", found)


@router.post("/reviews/{record}")
def review(record: str, body: ReviewIn, app: App, who: Who) -> dict[str, Any]:
    """Accept or reject an observer record (`SOURCE:ID`); the reviewer is the key's name."""
    who.require("admin", "reviewer")
    done = reviews.review_record(
        app, record, accept=body.accept, reviewer=who.name, reason=body.reason
    )
    return {
        "record": done.record,
        "accepted": done.accepted,
        "reviewer": done.reviewer,
        "reason": done.reason,
        "decided_at": iso(done.decided_at),
    }


@router.post("/appeals", status_code=201)
def file(body: AppealIn, app: App, who: Who) -> dict[str, Any]:
    """File an appeal against a record or a listing, within the appeal window."""
    who.require_subject(body.subject, "admin")
    filed = appeals.file_appeal(
        app, body.subject, reason=body.reason, record=body.record, list_id=body.list
    )
    return appeal_json(filed)


@router.get("/appeals")
def listing(app: App, who: Who, paged: Paged, pending_only: bool = False) -> dict[str, Any]:
    """Appeals, oldest first (reviewers and admins)."""
    who.require("admin", "reviewer")
    found = [appeal_json(a) for a in appeals.appeals(app, pending_only=pending_only)]
    return paged.of("appeals", found)


@router.post("/appeals/{appeal_id}/decision")
def decide(appeal_id: str, body: AppealDecisionIn, app: App, who: Who) -> dict[str, Any]:
    """Uphold or overturn an appeal; the reviewer is the key's name."""
    who.require("admin", "reviewer")
    return appeal_json(
        appeals.decide_appeal(
            app, appeal_id, outcome=body.outcome, reviewer=who.name, reason=body.reason
        )
    )
