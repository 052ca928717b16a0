"""The whole site: the API under /v1 and the pages beside it, from one application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from credence.api.app import create_app
from credence.service.settings import Settings
from credence.web.pages import router


def create_site(settings: Settings | None = None) -> FastAPI:
    """The API app with the web pages and their static files added."""
    app = create_app(settings)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    return app
