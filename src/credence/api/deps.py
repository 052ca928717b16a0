"""Request dependencies: the application, the caller behind the bearer token, rate limits."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from typing import Annotated

from fastapi import Depends, Header, Request

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


App = Annotated[Credence, Depends(credence)]
Who = Annotated[Caller, Depends(caller)]
