"""The FastAPI application, built by a factory from settings."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from credence.api import errors
from credence.api.deps import RateLimiter
from credence.api.routers import admin, records, registry, subjects, workflow
from credence.service import webhooks
from credence.service.context import open_credence
from credence.service.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API under /v1, its OpenAPI document at /openapi.json, docs at /docs."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        courier = None
        if settings.webhook_interval > 0:
            courier = asyncio.create_task(_deliver_forever(app, settings.webhook_interval))
        yield
        if courier is not None:
            courier.cancel()
        app.state.credence.close()

    app = FastAPI(
        title="credence",
        version="1",
        description="Rule-based trust scoring with published rules, explained points, notice, "
        "appeal and a tamper-evident ledger. Errors always have the shape "
        '`{"error": {"code", "message", "details"}}`.',
        lifespan=lifespan,
    )
    app.state.credence = open_credence(settings)
    app.state.limiter = RateLimiter(settings.rate_limit)
    errors.install(app)
    _limit_body(app, settings.max_body_bytes)
    for module in (subjects, records, registry, workflow, admin):
        app.include_router(module.router)
    _health(app)
    return app


async def _deliver_forever(app: FastAPI, interval: float) -> None:
    """Push the outbox to webhooks every `interval` seconds for as long as the server runs."""
    while True:
        try:
            await asyncio.to_thread(webhooks.deliver, app.state.credence)
        except Exception:
            logging.getLogger("credence.webhooks").exception("delivery round failed")
        await asyncio.sleep(interval)


def _limit_body(app: FastAPI, limit: int) -> None:
    @app.middleware("http")
    async def body_limit(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return JSONResponse(
                errors.error_body("too_large", f"the body is over {limit} bytes"),
                status_code=413,
            )
        return await call_next(request)


def _health(app: FastAPI) -> None:
    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, Any]:
        """The process is up."""
        return {"ok": True}

    @app.get("/readyz", tags=["health"])
    def readyz(request: Request) -> JSONResponse:
        """The database is reachable and its migrations are current."""
        try:
            current = request.app.state.credence.store.is_current()
        except Exception as exc:
            return JSONResponse({"ok": False, "reason": str(exc).splitlines()[0]}, 503)
        return JSONResponse({"ok": current, "migrations_current": current}, 200 if current else 503)
