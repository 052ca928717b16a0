"""The one wiring place: settings in, a store, a clock and the rulebooks out."""

from __future__ import annotations

from dataclasses import dataclass, field

from credence.domain.errors import CredenceError
from credence.domain.rulebook import RulebookIndex
from credence.service.clock import Clock
from credence.service.rulebooks import parse_text
from credence.service.settings import Settings
from credence.store.sql_store import SqlStore


@dataclass
class Credence:
    """Everything a use case needs, built once per process from settings."""

    settings: Settings
    store: SqlStore
    clock: Clock
    _index: RulebookIndex | None = field(default=None, repr=False)

    def index(self) -> RulebookIndex:
        """The published rulebooks, compiled once and kept until a new load."""
        if self._index is None:
            books = [parse_text(v.text, v.origin) for v in self.store.rulebook_versions()]
            self._index = RulebookIndex(books)
        return self._index

    def forget_rulebooks(self) -> None:
        self._index = None

    def close(self) -> None:
        self.store.close()


class NotInitialisedError(CredenceError):
    """The database has no schema, or an old one."""

    code = "not_initialised"


def open_credence(settings: Settings | None = None, *, migrate: bool = False) -> Credence:
    """Build the application from settings; with `migrate`, create or upgrade the schema."""
    settings = settings or Settings()
    store = SqlStore(settings.db)
    if migrate:
        store.migrate()
    elif not store.is_current():
        store.close()
        raise NotInitialisedError(
            f"the database {settings.db} is not initialised or is out of date: run `credence init`"
        )
    return Credence(settings=settings, store=store, clock=Clock(settings.now))
