"""One error shape for every failure: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from credence.domain.errors import (
    ConflictError,
    CredenceError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RulebookError,
)
from credence.service.keys import UnauthenticatedError

STATUS: dict[type[CredenceError], int] = {
    UnauthenticatedError: 401,
    ForbiddenError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    InvalidInputError: 422,
    RulebookError: 422,
}


class TooManyRequestsError(CredenceError):
    """A key asked more often than its rate limit allows."""

    code = "rate_limited"


class TooLargeError(CredenceError):
    """The request body is larger than the limit."""

    code = "too_large"


STATUS[TooManyRequestsError] = 429
STATUS[TooLargeError] = 413


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def status_of(exc: CredenceError) -> int:
    for kind in type(exc).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def install(app: FastAPI) -> None:
    """Map the CredenceError family and request validation to the one shape."""

    @app.exception_handler(CredenceError)
    async def credence_error(_: Request, exc: CredenceError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message, _plain(exc.details)), status_code=status_of(exc)
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {400: "malformed", 404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "http_error"
        )
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_methods_for(app, request))
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]}
            for e in exc.errors()
        ]
        message = "; ".join(f"{p['field'] or 'body'}: {p['message']}" for p in problems)
        return JSONResponse(
            error_body("invalid_input", message, {"problems": problems}), status_code=422
        )


def _methods_for(app: FastAPI, request: Request) -> list[str]:
    """Every method any route of this path accepts (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in app.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v if isinstance(v, str | int | float | bool | list | None) else str(v)
        for k, v in details.items()
    }
