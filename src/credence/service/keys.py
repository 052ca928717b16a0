"""API keys: a bearer token shown once, only its hash kept; a role and what it is bound to."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from credence.domain.errors import CredenceError, ForbiddenError, InvalidInputError

if TYPE_CHECKING:
    from credence.service.context import Credence
    from credence.store.access import StoredKey

ROLES = ("admin", "source", "reviewer", "provider", "subject")


class UnauthenticatedError(CredenceError):
    """No key, or a key that is unknown or revoked."""

    code = "unauthenticated"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking: the key's name and role, and what it is bound to."""

    name: str
    role: str
    source: str | None = None
    subject: str | None = None
    services: tuple[str, ...] | None = None

    def require(self, *roles: str) -> None:
        """Refuse unless the caller has one of `roles`."""
        if self.role not in roles:
            raise ForbiddenError(f"a {self.role} key may not do this", role=self.role)

    def require_subject(self, subject: str, *roles: str) -> None:
        """Allow `roles`, or a subject key for its own subject only."""
        if self.role == "subject" and self.subject == subject:
            return
        if self.role == "subject":
            raise ForbiddenError("a subject key sees only its own subject")
        self.require(*roles)

    def require_service(self, service: str) -> None:
        if self.services is not None and service not in self.services:
            raise ForbiddenError(f"this key may not ask about {service}", service=service)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_key(
    app: Credence,
    *,
    role: str,
    name: str,
    source: str | None = None,
    subject: str | None = None,
    services: list[str] | None = None,
) -> tuple[str, StoredKey]:
    """Create a key; the token is returned here and never again."""
    if role not in ROLES:
        raise InvalidInputError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if not name.strip():
        raise InvalidInputError("a key needs a name: it appears in the access log")
    if role == "source" and not source:
        raise InvalidInputError("a source key is bound to a source: give --source")
    if role == "subject":
        if not subject:
            raise InvalidInputError("a subject key is bound to a subject: give --subject")
        app.store.subject(subject)
    token = "cred_" + secrets.token_urlsafe(32)
    stored = app.store.add_key(
        name=name,
        role=role,
        source=source,
        subject=subject,
        services=services or None,
        token_hash=token_hash(token),
        created_at=app.clock.now(),
    )
    return token, stored


def authenticate(app: Credence, token: str | None) -> Caller:
    """The caller behind a bearer token; UnauthenticatedError when there is none."""
    if not token:
        raise UnauthenticatedError("a bearer token is required")
    key = app.store.key_by_hash(token_hash(token))
    if key is None or (key.revoked_at is not None and key.revoked_at <= app.clock.now()):
        raise UnauthenticatedError("unknown or revoked key")
    return Caller(key.name, key.role, key.source, key.subject, key.services)


def list_keys(app: Credence) -> list[dict[str, Any]]:
    return [k.to_json() for k in app.store.api_keys()]


def revoke(app: Credence, key_id: int) -> dict[str, Any]:
    return app.store.revoke_key(key_id, app.clock.now()).to_json()


def log_access(
    app: Credence,
    caller: Caller,
    action: str,
    *,
    subject: str | None = None,
    detail: str | None = None,
    answer: str | None = None,
) -> None:
    """Record that `caller` read or decided something about a subject."""
    app.store.log_access(
        {
            "at": app.clock.now(),
            "key_name": caller.name,
            "role": caller.role,
            "action": action,
            "subject": subject,
            "detail": detail,
            "answer": answer,
        }
    )
