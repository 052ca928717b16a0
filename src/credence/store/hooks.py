"""Webhooks and their deliveries: the outbox's notices, pushed, with retries and state."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from credence.domain.errors import NotFoundError
from credence.store.connection import naive_utc
from credence.store.schema import metadata
from credence.store.workflow import notices

webhooks = sa.Table(
    "webhooks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("secret", sa.String, nullable=False),
    sa.Column("subject", sa.String, nullable=True),
    sa.Column("service", sa.String, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sqlite_autoincrement=True,
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("webhook", sa.Integer, primary_key=True),
    sa.Column("notice", sa.Integer, primary_key=True),
    sa.Column("state", sa.String, nullable=False),  # pending, delivered, failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("delivered_at", sa.DateTime, nullable=True),
)


def add_webhook(connection: Connection, values: dict[str, Any]) -> int:
    result = connection.execute(
        webhooks.insert().values(
            **{**values, "created_at": naive_utc(values["created_at"], "created_at")}
        )
    )
    inserted = result.inserted_primary_key
    assert inserted is not None
    return int(inserted[0])


def all_webhooks(connection: Connection) -> list[dict[str, Any]]:
    found = []
    for hook in connection.execute(sa.select(webhooks).order_by(webhooks.c.id)):
        query = (
            sa.select(deliveries.c.state, sa.func.count())
            .where(deliveries.c.webhook == hook.id)
            .group_by(deliveries.c.state)
        )
        states = {str(state): int(count) for state, count in connection.execute(query)}
        found.append(
            {
                "id": hook.id,
                "url": hook.url,
                "subject": hook.subject,
                "service": hook.service,
                "deliveries": states,
            }
        )
    return found


def enqueue(connection: Connection, now: datetime) -> int:
    """Queue every notice each webhook has not seen yet; return how many were queued."""
    queued = 0
    for hook in connection.execute(sa.select(webhooks)):
        seen = sa.select(deliveries.c.notice).where(deliveries.c.webhook == hook.id)
        query = sa.select(notices.c.id, notices.c.subject, notices.c.payload).where(
            notices.c.id.not_in(seen)
        )
        if hook.subject is not None:
            query = query.where(notices.c.subject == hook.subject)
        rows = [
            r
            for r in connection.execute(query)
            if hook.service is None or json.loads(r.payload).get("service") == hook.service
        ]
        if rows:
            connection.execute(
                deliveries.insert(),
                [
                    {
                        "webhook": hook.id,
                        "notice": r.id,
                        "state": "pending",
                        "attempts": 0,
                        "next_attempt_at": naive_utc(now, "now"),
                    }
                    for r in rows
                ],
            )
            queued += len(rows)
    return queued


def due(connection: Connection, now: datetime, limit: int) -> list[dict[str, Any]]:
    query = (
        sa.select(
            deliveries.c.webhook,
            deliveries.c.notice,
            deliveries.c.attempts,
            webhooks.c.url,
            webhooks.c.secret,
            notices.c.payload,
        )
        .select_from(
            deliveries.join(webhooks, webhooks.c.id == deliveries.c.webhook).join(
                notices, notices.c.id == deliveries.c.notice
            )
        )
        .where(
            deliveries.c.state == "pending", deliveries.c.next_attempt_at <= naive_utc(now, "now")
        )
        .order_by(deliveries.c.notice)
        .limit(limit)
    )
    return [dict(r._mapping) for r in connection.execute(query)]


def record_attempt(
    connection: Connection,
    webhook: int,
    notice: int,
    *,
    ok: bool,
    attempts: int,
    error: str | None,
    next_attempt_at: datetime | None,
    now: datetime,
    give_up: bool,
) -> None:
    state = "delivered" if ok else ("failed" if give_up else "pending")
    connection.execute(
        deliveries.update()
        .where(deliveries.c.webhook == webhook, deliveries.c.notice == notice)
        .values(
            state=state,
            attempts=attempts,
            last_error=error,
            next_attempt_at=naive_utc(next_attempt_at, "next") if next_attempt_at else None,
            delivered_at=naive_utc(now, "now") if ok else None,
        )
    )


def webhook(connection: Connection, hook_id: int) -> Any:
    row = connection.execute(sa.select(webhooks).where(webhooks.c.id == hook_id)).first()
    if row is None:
        raise NotFoundError(f"no webhook {hook_id}")
    return row
