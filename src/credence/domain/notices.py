"""Notices owed to a subject: one per adverse event, derived from its history.

Notices are derived, not decided: the same history always yields the same events with the
same keys, so the outbox can add what is missing any number of times and never hold two
notices for one event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from credence.domain.appeals import Appeal
from credence.domain.decisions import applies, measures_for
from credence.domain.history import Episode, History
from credence.domain.rulebook import Measure
from credence.domain.scoring import Contribution
from credence.domain.times import iso


@dataclass(frozen=True, slots=True)
class NoticeEvent:
    """A notice: what happened, why, on what basis, until when it can be appealed, how to end it."""

    key: str
    subject: str
    kind: str
    at: datetime
    text: str
    basis: str | None = None
    appeal_until: datetime | None = None
    restore: str | None = None
    record: str | None = None
    list: str | None = None
    measure: str | None = None
    service: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "subject": self.subject,
            "kind": self.kind,
            "at": iso(self.at),
            "text": self.text,
            "basis": self.basis,
            "appeal_until": iso(self.appeal_until),
            "restore": self.restore,
            "record": self.record,
            "list": self.list,
            "measure": self.measure,
            "service": self.service,
        }


def notice_events(
    history: History, appeals: Iterable[Appeal], until: datetime
) -> list[NoticeEvent]:
    """Every notice owed by `until`, in time order."""
    events = [
        *_penalties(history),
        *_listings(history),
        *_restrictions(history),
        *_appeal_decisions(history, appeals),
    ]
    return sorted((e for e in events if e.at <= until), key=lambda e: (e.at, _ORDER[e.kind], e.key))


# Within one instant, tell the cause before its consequences.
_ORDER = {
    "penalty": 0,
    "appeal.decided": 1,
    "list.proposed": 2,
    "list.listed": 3,
    "restriction.applied": 4,
    "list.removed": 5,
    "restriction.lifted": 6,
}


def _window_end(history: History, at: datetime) -> datetime | None:
    book = history.book_at(at)
    return book.appeal_window.after(at) if book is not None else None


def _known(history: History, c: Contribution) -> datetime:
    return history.known_at.get(c.record.key, c.record.recorded_at)


def restore_text(c: Contribution) -> str:
    """How a penalty ends: its expiry, and any record that ends it early."""
    parts = []
    if c.natural_until is not None:
        parts.append(f"expires on {c.natural_until.date().isoformat()}")
    ended_by = c.rule.spec.ended_by
    if ended_by is not None:
        same = f" for the same {', '.join(ended_by.match)}" if ended_by.match else ""
        parts.append(f"ends early on a {ended_by.record} record{same}")
    return "; ".join(parts) or "no expiry"


def _penalties(history: History) -> list[NoticeEvent]:
    events = []
    for c in history.contributions:
        if c.points >= 0 or c.standing.excluded is not None or c.capped:
            continue
        at = max(c.start, _known(history, c))
        events.append(
            NoticeEvent(
                key=f"penalty:{c.record.key}",
                subject=history.subject.id,
                kind="penalty",
                at=at,
                text=f"{c.record.type} recorded by {c.record.source} on "
                f"{c.start.date().isoformat()}: {c.points:+d} points under rule {c.rule.id}.",
                basis=c.rule.spec.basis,
                appeal_until=_window_end(history, at),
                restore=restore_text(c),
                record=c.record.key,
            )
        )
    return events


def _listings(history: History) -> list[NoticeEvent]:
    events = []
    for list_id, episodes in history.episodes.items():
        for e in episodes:
            events += _episode_events(history, list_id, e)
    return events


def _episode_events(history: History, list_id: str, e: Episode) -> list[NoticeEvent]:
    spec, base = e.list.spec, f"list:{list_id}:{iso(e.became_true)}"
    common = {"subject": history.subject.id, "basis": spec.basis, "list": list_id}
    events = []
    if spec.kind == "black":
        events.append(
            NoticeEvent(
                key=f"{base}:proposed",
                kind="list.proposed",
                at=e.noticed_at,
                text=f"You are proposed for the {list_id} list. Unless an appeal is filed and "
                f"upheld, the listing takes effect on "
                f"{e.listed_at.date().isoformat() if e.listed_at else 'its decision'}.",
                appeal_until=_window_end(history, e.noticed_at),
                restore="removed as soon as the condition no longer holds",
                **common,  # type: ignore[arg-type]
            )
        )
    if e.listed_at is not None:
        events.append(
            NoticeEvent(
                key=f"{base}:listed",
                kind="list.listed",
                at=e.listed_at,
                text=f"You are listed on the {list_id} list ({spec.kind} list).",
                appeal_until=_window_end(history, e.noticed_at),
                **common,  # type: ignore[arg-type]
            )
        )
    if e.ended_at is not None:
        why = (
            "an appeal was upheld in your favour"
            if e.end_reason == "overturned"
            else ("its condition no longer holds")
        )
        events.append(
            NoticeEvent(
                key=f"{base}:removed",
                kind="list.removed",
                at=e.ended_at,
                text=f"You are removed from the {list_id} list: {why}.",
                **common,  # type: ignore[arg-type]
            )
        )
    return events


def _restrictions(history: History) -> list[NoticeEvent]:
    measures: dict[str, Measure] = {}
    for at in history.decision_breakpoints:
        book = history.book_at(at)
        if book is not None:
            for m in measures_for(book, history.subject.kind):
                if m.spec.kind == "restriction":
                    measures.setdefault(m.id, m)
    events = []
    for measure in measures.values():
        since: datetime | None = None
        for at in history.decision_breakpoints:
            on = applies(history, measure, at)
            if on and since is None:
                since = at
                events.append(_restriction_event(history, measure, at, "applied"))
            elif not on and since is not None:
                events.append(_restriction_event(history, measure, at, "lifted", since))
                since = None
    return events


def _restriction_event(
    history: History, measure: Measure, at: datetime, change: str, since: datetime | None = None
) -> NoticeEvent:
    arrivals = [c for c in history.contributions if c.start == at]
    noticed = max([at, *(_known(history, c) for c in arrivals)])
    started = at if since is None else since
    return NoticeEvent(
        key=f"restriction:{measure.id}:{iso(started)}:{change}",
        subject=history.subject.id,
        kind=f"restriction.{change}",
        at=noticed,
        text=f"The restriction {measure.id} on {measure.spec.service} is {change}.",
        basis=measure.spec.basis,
        measure=measure.id,
        service=measure.spec.service,
    )


def _appeal_decisions(history: History, appeals: Iterable[Appeal]) -> list[NoticeEvent]:
    return [
        NoticeEvent(
            key=f"appeal:{a.id}:decided",
            subject=history.subject.id,
            kind="appeal.decided",
            at=a.decided_at,
            text=f"Your appeal {a.id} against {a.target} was {a.outcome}: {a.decision_reason}",
            record=a.record,
            list=a.list,
        )
        for a in appeals
        if a.decided_at is not None and a.subject == history.subject.id
    ]
