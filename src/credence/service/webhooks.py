"""Notice delivery: webhooks fed from the outbox, signed, retried with backoff, at least once."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from credence.domain.errors import InvalidInputError

if TYPE_CHECKING:
    from credence.service.context import Credence

MAX_ATTEMPTS = 8
SIGNATURE = "X-Credence-Signature"
# send(url, body, headers) -> HTTP status; raises on a network failure.
Send = Callable[[str, bytes, dict[str, str]], int]


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: HMAC-SHA256 of the exact body, hex."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def add_webhook(
    app: Credence, url: str, *, subject: str | None = None, service: str | None = None
) -> dict[str, Any]:
    """Register a webhook for a subject's notices or a service's decision changes."""
    if not url.startswith(("http://", "https://")):
        raise InvalidInputError(f"a webhook URL is http:// or https://, not {url!r}")
    if (subject is None) == (service is None):
        raise InvalidInputError("a webhook follows one subject or one service")
    if subject is not None:
        app.store.subject(subject)
    secret = secrets.token_hex(24)
    hook_id = app.store.add_webhook(
        {
            "url": url,
            "secret": secret,
            "subject": subject,
            "service": service,
            "created_at": app.clock.now(),
        }
    )
    return {"id": hook_id, "url": url, "subject": subject, "service": service, "secret": secret}


def webhooks(app: Credence) -> list[dict[str, Any]]:
    """Every webhook with its deliveries counted by state."""
    return app.store.webhooks()


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    queued: int
    delivered: int
    retrying: int
    failed: int

    def to_json(self) -> dict[str, int]:
        return {
            "queued": self.queued,
            "delivered": self.delivered,
            "retrying": self.retrying,
            "failed": self.failed,
        }


def deliver(app: Credence, send: Send | None = None) -> DeliveryReport:
    """Queue new notices and attempt every due delivery once; failures back off 2^n minutes."""
    send = send or _post
    now = app.clock.now()
    queued = app.store.enqueue_deliveries(now)
    delivered = retrying = failed = 0
    for item in app.store.due_deliveries(now):
        body = json.dumps({"notice_id": item["notice"], **json.loads(item["payload"])}).encode()
        headers = {"Content-Type": "application/json", SIGNATURE: sign(item["secret"], body)}
        error = None
        try:
            status = send(item["url"], body, headers)
            ok = 200 <= status < 300
            error = None if ok else f"HTTP {status}"
        except Exception as exc:
            ok, error = False, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        attempts = item["attempts"] + 1
        give_up = not ok and attempts >= MAX_ATTEMPTS
        app.store.record_delivery_attempt(
            item["webhook"],
            item["notice"],
            ok=ok,
            attempts=attempts,
            error=error,
            now=now,
            give_up=give_up,
            next_attempt_at=None if ok or give_up else now + timedelta(minutes=2**attempts),
        )
        delivered += ok
        failed += give_up
        retrying += not ok and not give_up
    return DeliveryReport(queued, delivered, retrying, failed)


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    import httpx

    return httpx.post(url, content=body, headers=headers, timeout=10.0).status_code
