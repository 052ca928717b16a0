"""Engines, write transactions and the conversions every table of the store shares."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Dialect, Engine

from credence.domain.errors import ConflictError, InvalidInputError

T = TypeVar("T")

# SQLite builds before 3.32 refuse statements with more than 999 parameters.
MAX_PARAMETERS = 900

_WRITER = "credence_writer"
_BUSY_TIMEOUT_SECONDS = 30.0


def create_engine(url: str) -> Engine:
    """Build the engine for `url`; SQLite gets WAL, foreign keys and explicit BEGINs."""
    backend = sa.make_url(url).get_backend_name()
    if backend != "sqlite":
        return sa.create_engine(url)
    engine = sa.create_engine(url, connect_args={"timeout": _BUSY_TIMEOUT_SECONDS})
    event.listen(engine, "connect", _prepare_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _prepare_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN skips SELECTs and DDL; we emit BEGIN ourselves.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    # A writer takes the write lock up front: a deferred transaction that reads and then
    # writes can fail with "database is locked" instead of waiting for its turn.
    writer = connection.get_execution_options().get(_WRITER, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """Run one write transaction; on SQLite it holds the write lock from its first statement."""
    with engine.connect() as connection:
        connection.execution_options(**{_WRITER: True})
        with connection.begin():
            yield connection


@contextmanager
def translated_integrity_errors(conflict: str, **details: Any) -> Iterator[None]:
    """Translate the driver refusing the values: a duplicate key, anything else.

    A duplicate key becomes ConflictError with the message `conflict`; any other refusal
    (a NUL character PostgreSQL cannot store, say) becomes InvalidInputError.
    """
    try:
        yield
    except _refusals() as exc:
        if is_unique_violation(exc):
            raise ConflictError(conflict, **details) from exc
        message = f"the database refused the values: {_first_line(exc)}"
        raise InvalidInputError(message, **details) from exc


@cache
def _refusals() -> tuple[type[Exception], ...]:
    found: list[type[Exception]] = [
        sa.exc.IntegrityError,
        sa.exc.DataError,
        sqlite3.IntegrityError,
        sqlite3.DataError,
    ]
    try:
        import psycopg  # only present where PostgreSQL is used
    except ImportError:
        return tuple(found)
    # COPY goes to the driver directly, so its errors arrive unwrapped.
    return (*found, psycopg.IntegrityError, psycopg.DataError)


def is_unique_violation(exc: BaseException) -> bool:
    """Whether `exc` reports a duplicate key (PostgreSQL SQLSTATE 23505 or SQLite's UNIQUE)."""
    original = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
    if getattr(original, "sqlstate", None) == "23505":
        return True
    text = str(original)
    return "UNIQUE constraint failed" in text or "PRIMARY KEY constraint failed" in text


def _first_line(exc: BaseException) -> str:
    original = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
    return str(original).splitlines()[0] if str(original) else type(original).__name__


def naive_utc(instant: datetime, what: str) -> datetime:
    """Convert an aware instant to the naive UTC value stored; a naive one is refused."""
    offset = instant.utcoffset()
    if offset is None:
        raise InvalidInputError(f"{what} has no time zone: {instant.isoformat()}", value=what)
    return (instant - offset).replace(tzinfo=None)


def aware_utc(stored: datetime) -> datetime:
    """Make a stored naive UTC value an aware UTC instant again."""
    return stored.replace(tzinfo=UTC)


def datetime_writer(dialect: Dialect) -> Callable[[datetime], Any]:
    """What the driver is handed for a naive datetime when SQLAlchemy's types are bypassed."""
    processor = sa.DateTime().dialect_impl(dialect).bind_processor(dialect)
    if processor is None:
        return _unchanged
    return processor


def _unchanged(value: datetime) -> datetime:
    return value


def chunks(items: Sequence[T], size: int = MAX_PARAMETERS) -> Iterator[Sequence[T]]:
    """Split `items` into slices small enough for one statement's parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
