"""List membership and the public register."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from credence.domain.errors import NotFoundError
from credence.domain.history import History
from credence.domain.records import Subject
from credence.domain.times import iso
from credence.service.histories import histories_of

if TYPE_CHECKING:
    from credence.service.context import Credence

BATCH = 500


@dataclass(frozen=True, slots=True)
class Membership:
    """A subject's standing on a list at an instant."""

    subject: Subject
    list: str
    kind: str
    status: str
    since: datetime | None
    noticed_at: datetime
    listed_at: datetime | None
    causes: tuple[str, ...]
    basis: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject.id,
            "name": self.subject.name,
            "kind": self.subject.kind,
            "region": self.subject.region,
            "list": self.list,
            "list_kind": self.kind,
            "status": self.status,
            "since": iso(self.since),
            "noticed_at": iso(self.noticed_at),
            "listed_at": iso(self.listed_at),
            "causes": list(self.causes),
            "basis": self.basis,
        }


def all_histories(app: Credence, at: datetime) -> Iterator[History]:
    """Every subject with records, in batches (subjects without records stand at the base)."""
    ids = app.store.subjects_with_records()
    for start in range(0, len(ids), BATCH):
        yield from histories_of(app, ids[start : start + BATCH], at)


def known_lists(app: Credence) -> set[str]:
    return {li.id for book in app.index().books for li in book.lists}


def members(
    app: Credence, list_id: str | None = None, at: datetime | None = None, *, current: bool = True
) -> list[Membership]:
    """Subjects on a list (or on any) at `at`: pending and listed; removed too unless `current`."""
    at = at or app.clock.now()
    if list_id is not None and list_id not in known_lists(app):
        raise NotFoundError(
            f"no published list is called {list_id!r}; lists: {', '.join(sorted(known_lists(app)))}"
        )
    found: list[Membership] = []
    for history in all_histories(app, at):
        for list_name in history.episodes:
            if list_id is not None and list_name != list_id:
                continue
            episode = history.episode_at(list_name, at)
            status = episode.status_at(at) if episode is not None else None
            if episode is None or status is None or (current and status == "removed"):
                continue
            found.append(
                Membership(
                    subject=history.subject,
                    list=list_name,
                    kind=episode.list.spec.kind,
                    status=status,
                    since=episode.since(at),
                    noticed_at=episode.noticed_at,
                    listed_at=episode.listed_at,
                    causes=episode.causes,
                    basis=episode.list.spec.basis,
                )
            )
    return sorted(found, key=lambda m: (m.list, m.subject.id))


def masked(name: str) -> str:
    """A person's name as the public register shows it: first character, the rest hidden."""
    parts = name.split()
    return " ".join(p[0] + "*" * max(len(p) - 1, 1) for p in parts) if parts else "*"


def public_register(app: Credence, at: datetime | None = None) -> list[dict[str, Any]]:
    """What published lists show the public, and nothing more.

    People appear with a masked name; organisations with name and code in full. Only
    `listed` members of lists with `publish: true` appear: never pending ones, whose notice
    period and appeal are still running.
    """
    at = at or app.clock.now()
    published = {
        li.id: li.spec for book in app.index().books for li in book.lists if li.spec.publish
    }
    entries = []
    for m in members(app, None, at):
        if m.list not in published or m.status != "listed":
            continue
        spec = published[m.list]
        person = m.subject.kind == "person"
        entries.append(
            {
                "list": m.list,
                "list_kind": m.kind,
                "name": masked(m.subject.name) if person else m.subject.name,
                "code": None if person else m.subject.id,
                "kind": m.subject.kind,
                "region": m.subject.region,
                "reason": spec.description or spec.when,
                "basis": spec.basis,
                "listed_at": iso(m.listed_at),
            }
        )
    return entries
