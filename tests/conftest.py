"""Shared fixtures: every store test runs on SQLite and, with the postgres marker, PostgreSQL.

PostgreSQL is reached at CREDENCE_TEST_PG (default: the local server's `test` database).
Each test gets a schema of its own, dropped afterwards, so parallel workers never meet.
Under CI=true an unreachable PostgreSQL fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings

# CI runs the same examples every time, so a red build always reproduces; locally the
# search wanders, to find what CI has not.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

PG_URL = os.environ.get("CREDENCE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_reachable() -> str | None:
    try:
        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as exc:
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def postgres_available() -> None:
    problem = _postgres_reachable()
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL at {PG_URL} is unreachable under CI=true: {problem}")
    pytest.skip(f"PostgreSQL unreachable: {problem}")


@pytest.fixture
def postgres_url(postgres_available: None) -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped after the test."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'credence.sqlite'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """The same test on each backend."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))
