"""What is published: lists, the public register and the rulebooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter

from credence.api.deps import App, Paged, Who
from credence.api.schemas import ERRORS, RulebookIn
from credence.domain.times import parse_instant
from credence.service import lists, rulebooks
from credence.service.impact import draft_text_index, impact

router = APIRouter(prefix="/v1", tags=["lists and rulebooks"], responses=ERRORS)


@router.get("/lists/{list_id}")
def list_members(
    list_id: str, app: App, who: Who, paged: Paged, at: datetime | None = None
) -> dict[str, Any]:
    """Members of a list and their status (pending or listed), paginated."""
    who.require("admin", "reviewer")
    found = [m.to_json() for m in lists.members(app, list_id, parse_instant(at) if at else None)]
    return {"list": list_id, **paged.of("members", found)}


@router.get("/public/register")
def public_register(app: App, paged: Paged) -> dict[str, Any]:
    """What published lists show the public; no key needed. People's names are masked."""
    entries = lists.public_register(app)
    return paged.of("entries", entries)


@router.get("/rulebooks")
def published(app: App, paged: Paged) -> dict[str, Any]:
    """Every published rulebook version with its text: the rules are public; no key needed."""
    books = rulebooks.published_books(app)
    return paged.of("rulebooks", books)


@router.post("/rulebooks", status_code=201)
def publish(body: RulebookIn, app: App, who: Who) -> dict[str, Any]:
    """Publish a rulebook version (admin); it is checked first and refused with reasons."""
    who.require("admin")
    outcome = rulebooks.publish_rulebook(app, body.text, body.name)
    return {"added": outcome.added, "unchanged": outcome.unchanged}


@router.post("/impact")
def draft_impact(
    body: RulebookIn, app: App, who: Who, at: datetime | None = None
) -> dict[str, Any]:
    """What a draft book would change if it were in force (admin); nothing is published.

    The answer counts who would change score, grade, lists and access to each service
    (`changed_*`), by region and service, with a sample of subjects and the rules behind it.
    """
    who.require("admin")
    draft = draft_text_index(app, body.text, body.name)
    return impact(app, None, parse_instant(at) if at else None, index=draft)
