"""Records: sources push them; the outcome per row is the same as `credence ingest`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from credence.api.deps import App, Who
from credence.api.schemas import ERRORS, RecordsIn
from credence.service.ingest import submit_records

router = APIRouter(prefix="/v1/records", tags=["records"], responses=ERRORS)


@router.post("")
def submit(body: RecordsIn, app: App, who: Who) -> dict[str, Any]:
    """Append one or many records. Idempotent on (source, id): a resubmission is a duplicate.

    A source key submits for its own source only. Scores, decisions and notices reflect
    accepted records as soon as this returns.
    """
    who.require("admin", "source")
    rows = [r.model_dump() for r in body.records]
    only = who.source if who.role == "source" else None
    return submit_records(app, rows, only_source=only).to_json()
