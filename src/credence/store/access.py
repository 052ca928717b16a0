"""API keys and the access log: who may ask, and who asked what."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from credence.domain.errors import NotFoundError
from credence.store.connection import aware_utc, naive_utc
from credence.store.schema import metadata

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("role", sa.String, nullable=False),
    sa.Column("source", sa.String, nullable=True),
    sa.Column("subject", sa.String, nullable=True),
    sa.Column("services", sa.Text, nullable=True),  # JSON list, or NULL for every service
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime, nullable=True),
    sqlite_autoincrement=True,
)

access_log = sa.Table(
    "access_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("key_name", sa.String, nullable=False),
    sa.Column("role", sa.String, nullable=False),
    sa.Column("action", sa.String, nullable=False),
    sa.Column("subject", sa.String, nullable=True, index=True),
    sa.Column("detail", sa.Text, nullable=True),
    sa.Column("answer", sa.Text, nullable=True),
    sqlite_autoincrement=True,
)


@dataclass(frozen=True, slots=True)
class StoredKey:
    """An API key as held: never the token, only its hash."""

    id: int
    name: str
    role: str
    source: str | None
    subject: str | None
    services: tuple[str, ...] | None
    created_at: datetime
    revoked_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "source": self.source,
            "subject": self.subject,
            "services": list(self.services) if self.services is not None else None,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def _key(row: Any) -> StoredKey:
    return StoredKey(
        id=row.id,
        name=row.name,
        role=row.role,
        source=row.source,
        subject=row.subject,
        services=tuple(json.loads(row.services)) if row.services else None,
        created_at=aware_utc(row.created_at),
        revoked_at=aware_utc(row.revoked_at) if row.revoked_at else None,
    )


def add_key(
    connection: Connection,
    *,
    name: str,
    role: str,
    source: str | None,
    subject: str | None,
    services: list[str] | None,
    token_hash: str,
    created_at: datetime,
) -> StoredKey:
    result = connection.execute(
        api_keys.insert().values(
            name=name,
            role=role,
            source=source,
            subject=subject,
            services=json.dumps(services) if services else None,
            token_hash=token_hash,
            created_at=naive_utc(created_at, "created_at"),
        )
    )
    inserted = result.inserted_primary_key
    assert inserted is not None
    return key_by_id(connection, int(inserted[0]))


def key_by_id(connection: Connection, key_id: int) -> StoredKey:
    row = connection.execute(sa.select(api_keys).where(api_keys.c.id == key_id)).first()
    if row is None:
        raise NotFoundError(f"no API key {key_id}", key=key_id)
    return _key(row)


def key_by_hash(connection: Connection, token_hash: str) -> StoredKey | None:
    row = connection.execute(sa.select(api_keys).where(api_keys.c.token_hash == token_hash)).first()
    return _key(row) if row is not None else None


def all_keys(connection: Connection) -> list[StoredKey]:
    return [_key(r) for r in connection.execute(sa.select(api_keys).order_by(api_keys.c.id))]


def revoke_key(connection: Connection, key_id: int, at: datetime) -> StoredKey:
    key_by_id(connection, key_id)
    connection.execute(
        api_keys.update()
        .where(api_keys.c.id == key_id)
        .values(revoked_at=naive_utc(at, "revoked_at"))
    )
    return key_by_id(connection, key_id)


def log_access(connection: Connection, entry: dict[str, Any]) -> None:
    connection.execute(
        access_log.insert().values(
            at=naive_utc(entry["at"], "at"),
            key_name=entry["key_name"],
            role=entry["role"],
            action=entry["action"],
            subject=entry.get("subject"),
            detail=entry.get("detail"),
            answer=entry.get("answer"),
        )
    )


def access_entries(
    connection: Connection, *, subject: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    query = sa.select(access_log).order_by(access_log.c.id.desc()).limit(limit).offset(offset)
    if subject is not None:
        query = query.where(access_log.c.subject == subject)
    return [
        {
            "at": aware_utc(r.at).isoformat().replace("+00:00", "Z"),
            "who": r.key_name,
            "role": r.role,
            "action": r.action,
            "subject": r.subject,
            "detail": r.detail,
            "answer": r.answer,
        }
        for r in connection.execute(query)
    ]
