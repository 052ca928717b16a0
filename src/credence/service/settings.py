"""Settings: every knob credence reads from the environment, in one place."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def shipped_rulebooks() -> Path:
    """The rulebooks that come with credence: inside the package when installed, else the repo's."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "rulebooks", here.parent.parent / "rulebooks"):
        if candidate.is_dir():
            return candidate
    return here.parent.parent / "rulebooks"


class Settings(BaseSettings):
    """credence's settings, read from `CREDENCE_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="CREDENCE_", extra="ignore")

    db: str = Field(
        default="sqlite:///credence.sqlite",
        description="SQLAlchemy URL of the database: an SQLite file (default, in the working "
        "directory) or postgresql+psycopg://user@host/db.",
    )
    rulebooks: Path = Field(
        default_factory=shipped_rulebooks,
        description="Folder of rulebooks that `credence load` reads when given no folder.",
    )
    rate_limit: int = Field(
        default=600, ge=1, description="Requests a minute one API key may make before 429."
    )
    max_body_bytes: int = Field(
        default=16 * 1024 * 1024, ge=1, description="Largest request body the API accepts."
    )
    webhook_interval: float = Field(
        default=5.0,
        ge=0,
        description="Seconds between webhook delivery rounds in `serve` "
        "(0: deliver only on request or with `credence webhooks deliver`).",
    )
    now: datetime | None = Field(
        default=None,
        description="Overrides the clock everywhere (ISO 8601), for replays and tests.",
    )
