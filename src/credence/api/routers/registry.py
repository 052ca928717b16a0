"""What is published: lists, the public register and the rulebooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query

from credence.api.deps import App, Who
from credence.api.schemas import ERRORS, RulebookIn
from credence.domain.times import parse_instant
from credence.service import lists, rulebooks

router = APIRouter(prefix="/v1", tags=["lists and rulebooks"], responses=ERRORS)


@router.get("/lists/{list_id}")
def list_members(
    list_id: str,
    app: App,
    who: Who,
    at: datetime | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    """Members of a list and their status (pending or listed), paginated."""
    who.require("admin", "reviewer")
    found = [m.to_json() for m in lists.members(app, list_id, parse_instant(at) if at else None)]
    return {
        "list": list_id,
        "members": found[offset : offset + limit],
        "total": len(found),
        "limit": limit,
        "offset": offset,
    }


@router.get("/public/register")
def public_register(
    app: App, limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0)
) -> dict[str, Any]:
    """What published lists show the public; no key needed. People's names are masked."""
    entries = lists.public_register(app)
    return {
        "entries": entries[offset : offset + limit],
        "total": len(entries),
        "limit": limit,
        "offset": offset,
    }


@router.get("/rulebooks")
def published(
    app: App, limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0)
) -> dict[str, Any]:
    """Every published rulebook version with its text: the rules are public; no key needed."""
    books = rulebooks.published_books(app)
    return {
        "rulebooks": books[offset : offset + limit],
        "total": len(books),
        "limit": limit,
        "offset": offset,
    }


@router.post("/rulebooks", status_code=201)
def publish(body: RulebookIn, app: App, who: Who) -> dict[str, Any]:
    """Publish a rulebook version (admin); it is checked first and refused with reasons."""
    who.require("admin")
    outcome = rulebooks.publish_rulebook(app, body.text, body.name)
    return {"added": outcome.added, "unchanged": outcome.unchanged}
