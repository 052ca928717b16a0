"""The store's Alembic migrations, run from code so an installed package needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

_HERE = Path(__file__).resolve().parent


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    # The option value goes through ConfigParser interpolation.
    config.set_main_option("script_location", str(_HERE).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection) -> None:
    """Bring the database behind `connection` to the newest revision, inside its transaction."""
    command.upgrade(_config(connection), "heads")


def at_head(connection: Connection) -> bool:
    """Whether the database behind `connection` has every migration applied."""
    heads = set(ScriptDirectory.from_config(_config()).get_heads())
    current = set(MigrationContext.configure(connection).get_current_heads())
    return current == heads
