"""Administration and following changes: keys, the access log, decision changes as SSE."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import StreamingResponse

from credence.api.deps import App, Who
from credence.api.schemas import ERRORS, KeyIn, WebhookIn
from credence.service import keys, webhooks

router = APIRouter(prefix="/v1", tags=["administration"], responses=ERRORS)


@router.post("/keys", status_code=201)
def create_key(body: KeyIn, app: App, who: Who) -> dict[str, Any]:
    """Create an API key (admin). The token is in this response and nowhere else."""
    who.require("admin")
    token, stored = keys.create_key(
        app,
        role=body.role,
        name=body.name,
        source=body.source,
        subject=body.subject,
        services=body.services,
    )
    return {**stored.to_json(), "token": token}


@router.get("/keys")
def list_keys(app: App, who: Who) -> dict[str, Any]:
    """Every key, without tokens (admin)."""
    who.require("admin")
    return {"keys": keys.list_keys(app)}


@router.delete("/keys/{key_id}")
def revoke_key(
    key_id: Annotated[int, Path(ge=1, le=2**31 - 1)], app: App, who: Who
) -> dict[str, Any]:
    """Revoke a key from now on (admin)."""
    who.require("admin")
    return keys.revoke(app, key_id)


@router.get("/access-log")
def access_log(
    app: App,
    who: Who,
    subject: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    """Who read or decided what, newest first (admin)."""
    who.require("admin")
    return {
        "entries": app.store.access_entries(subject=subject, limit=limit, offset=offset),
        "limit": limit,
        "offset": offset,
    }


@router.get("/changes")
def changes(
    app: App,
    who: Who,
    service: str,
    follow: bool = Query(True, description="keep the stream open for new changes"),
    last_event_id: str | None = Header(None),
) -> StreamingResponse:
    """Decision changes for a service as Server-Sent Events: restrictions applied or lifted.

    Each event's id is its place in the outbox; reconnect with `Last-Event-ID` to resume
    after the last event seen. With `follow=false` the stream ends when it has caught up.
    """
    who.require("admin", "provider")
    who.require_service(service)
    after = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0

    async def stream() -> AsyncIterator[str]:
        position = after
        while True:
            found = await asyncio.to_thread(app.store.restriction_changes, service, position)
            for event_id, notice in found:
                position = event_id
                payload = {
                    "subject": notice["subject"],
                    "service": service,
                    "allowed": notice["kind"] == "restriction.lifted",
                    "measure": notice["measure"],
                    "at": notice["at"],
                }
                yield f"id: {event_id}\nevent: decision\ndata: {json.dumps(payload)}\n\n"
            if not follow and not found:
                return
            if not found:
                yield ": waiting\n\n"
                await asyncio.sleep(1.0)  # a poll of the outbox, not a test's wait

    return StreamingResponse(stream(), media_type="text/event-stream")


@router.post("/webhooks", status_code=201)
def add_webhook(body: WebhookIn, app: App, who: Who) -> dict[str, Any]:
    """Register a webhook for one subject's notices or one service's decision changes (admin).

    Deliveries are signed: `X-Credence-Signature: sha256=HMAC-SHA256(secret, body)`; the
    secret is in this response only.
    """
    who.require("admin")
    return webhooks.add_webhook(app, body.url, subject=body.subject, service=body.service)


@router.get("/webhooks")
def list_webhooks(app: App, who: Who) -> dict[str, Any]:
    """Every webhook with its deliveries by state (admin)."""
    who.require("admin")
    return {"webhooks": webhooks.webhooks(app)}


@router.post("/webhooks/deliver")
def deliver_now(app: App, who: Who) -> dict[str, Any]:
    """Attempt every due delivery now (admin); the server also does this on its own."""
    who.require("admin")
    return webhooks.deliver(app).to_json()
