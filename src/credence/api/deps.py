"""Request dependencies: the application, the caller behind the bearer token, rate limits."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request

from credence.api.errors import TooManyRequestsError
from credence.service.context import Credence
from credence.service.keys import Caller, authenticate


def credence(request: Request) -> Credence:
    instance: Credence = request.app.state.credence
    return instance


class RateLimiter:
    """A token bucket per key: `per_minute` requests, refilled continuously."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, tuple[float, float]] = defaultdict(
            lambda: (float(per_minute), time.monotonic())
        )
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        with self._lock:
            tokens, last = self._buckets[key]
            now = time.monotonic()
            tokens = min(self.per_minute, tokens + (now - last) * self.per_minute / 60)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                raise TooManyRequestsError(
                    f"more than {self.per_minute} requests a minute from this key; slow down"
                )
            self._buckets[key] = (tokens - 1, now)


def caller(
    request: Request,
    app: Annotated[Credence, Depends(credence)],
    authorization: Annotated[str | None, Header()] = None,
) -> Caller:
    """The authenticated caller; 401 without a valid bearer token, 429 over its rate."""
    token = None
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    who = authenticate(app, token)
    limiter: RateLimiter = request.app.state.limiter
    limiter.take(who.name)
    return who


@dataclass(frozen=True, slots=True)
class Page:
    """Which slice of a list a request wants."""

    limit: int
    offset: int

    def of(self, key: str, items: list[Any]) -> dict[str, Any]:
        """The slice under `key`, with the total and the paging that produced it."""
        return {
            key: items[self.offset : self.offset + self.limit],
            "total": len(items),
            "limit": self.limit,
            "offset": self.offset,
        }


def paging(
    limit: int = Query(100, ge=1, le=1000, description="at most this many items"),
    offset: int = Query(0, ge=0, description="skip this many items first"),
) -> Page:
    return Page(limit, offset)


App = Annotated[Credence, Depends(credence)]
Paged = Annotated[Page, Depends(paging)]
Who = Annotated[Caller, Depends(caller)]
