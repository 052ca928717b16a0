"""Decisions: may this subject use this service now? Allowed or not, with reasons as data.

A decision is refused when any restriction for the service applies. Every applying measure
is listed with its basis, its causes (the lists and records behind it, most important
first, at most four as adverse-action practice recommends) and `restored_at`: the earliest
instant it stops applying if nothing new happens, None when nothing scheduled ends it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from credence.domain.history import History
from credence.domain.rulebook import Measure, ResolvedBook
from credence.domain.scoring import Contribution
from credence.domain.times import iso

MAX_CAUSES = 4


@dataclass(frozen=True, slots=True)
class Cause:
    """One reason a measure applies: a stable code and a sentence a person understands."""

    code: str
    text: str
    list: str | None = None
    record: str | None = None
    rule: str | None = None
    basis: str | None = None
    until: datetime | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "text": self.text,
            "list": self.list,
            "record": self.record,
            "rule": self.rule,
            "basis": self.basis,
            "until": iso(self.until),
        }


@dataclass(frozen=True, slots=True)
class AppliedMeasure:
    """A privilege or restriction that applies, why, and until when."""

    measure: Measure
    causes: tuple[Cause, ...]
    restored_at: datetime | None
    more_causes: int = 0

    def to_json(self) -> dict[str, object]:
        spec = self.measure.spec
        return {
            "measure": spec.id,
            "kind": spec.kind,
            "service": spec.service,
            "basis": spec.basis,
            "rulebook": self.measure.book,
            "causes": [c.to_json() for c in self.causes],
            "more_causes": self.more_causes,
            "restored_at": iso(self.restored_at),
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to (subject, service, instant)."""

    subject: str
    service: str
    as_of: datetime
    allowed: bool
    measures: tuple[AppliedMeasure, ...] = field(default=())
    restored_at: datetime | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "subject": self.subject,
            "service": self.service,
            "as_of": iso(self.as_of),
            "allowed": self.allowed,
            "measures": [m.to_json() for m in self.measures],
            "restored_at": iso(self.restored_at),
        }


def measures_for(book: ResolvedBook, kind: str, service: str | None = None) -> list[Measure]:
    return [
        m
        for m in book.measures
        if kind in m.spec.applies_to and (service is None or m.spec.service == service)
    ]


def services_of(book: ResolvedBook, kind: str) -> list[str]:
    """Every service a measure of the book names for this kind of subject."""
    return sorted({m.spec.service for m in measures_for(book, kind)})


def applies(history: History, measure: Measure, at: datetime) -> bool:
    """Whether a measure applies at `at` (the measure as defined by the book then in force)."""
    book = history.book_at(at)
    if book is None:
        return False
    current = next(
        (m for m in measures_for(book, history.subject.kind) if m.id == measure.id), None
    )
    if current is None:
        return False
    return current.when.holds(history.env_at(at, book, lists=True))


def restrictions_apply(history: History, service: str, at: datetime) -> bool:
    book = history.book_at(at)
    if book is None:
        return False
    env = history.env_at(at, book, lists=True)
    return any(
        m.when.holds(env)
        for m in measures_for(book, history.subject.kind, service)
        if m.spec.kind == "restriction"
    )


def decide(history: History, service: str, at: datetime) -> Decision:
    """Allowed or refused, with every applying measure, its causes and its end."""
    book = history.book_at(at)
    if book is None:
        return Decision(history.subject.id, service, at, allowed=True)
    env = history.env_at(at, book, lists=True)
    applied = [
        _applied(history, m, at)
        for m in measures_for(book, history.subject.kind, service)
        if m.when.holds(env)
    ]
    refused = any(a.measure.spec.kind == "restriction" for a in applied)
    restored = None
    if refused:
        restored = next(
            (t for t in history.after(at) if not restrictions_apply(history, service, t)), None
        )
    applied.sort(key=lambda a: (a.measure.spec.kind != "restriction", a.measure.id))
    return Decision(history.subject.id, service, at, not refused, tuple(applied), restored)


def _applied(history: History, measure: Measure, at: datetime) -> AppliedMeasure:
    causes = causes_of(history, measure, at)
    restored = next((t for t in history.after(at) if not applies(history, measure, t)), None)
    return AppliedMeasure(
        measure, tuple(causes[:MAX_CAUSES]), restored, max(0, len(causes) - MAX_CAUSES)
    )


def causes_of(history: History, measure: Measure, at: datetime) -> list[Cause]:
    """The lists and records behind a measure, most important first."""
    causes: list[Cause] = []
    counting = history.counting_at(at)
    behind_lists: set[str] = set()
    for function, name in sorted(measure.when.calls):
        if function == "on_list":
            episode = history.episode_at(name, at)
            if episode is None or episode.status_at(at) != "listed":
                continue
            spec = episode.list.spec
            causes.append(
                Cause(
                    code=f"LISTED:{name}",
                    text=f"Listed on {name} since {_day(episode.listed_at)} after notice on "
                    f"{_day(episode.noticed_at)}.",
                    list=name,
                    basis=spec.basis,
                )
            )
            behind_lists.update(episode.causes)
            behind_lists.update(
                c.record.key
                for c in counting
                if ("active", c.record.type) in episode.list.when.calls
            )
        elif function == "active":
            behind_lists.update(c.record.key for c in counting if c.record.type == name)
    adverse = measure.spec.kind == "restriction"
    by_weight = sorted(counting, key=lambda c: (-abs(c.points), c.start, c.record.key))
    for c in by_weight:
        relevant = c.record.key in behind_lists or (
            _mentions_score(measure) and (c.points < 0 if adverse else c.points > 0)
        )
        if relevant:
            causes.append(record_cause(c))
    return causes


def _mentions_score(measure: Measure) -> bool:
    return bool({"score", "grade"} & measure.when.fields)


def record_cause(c: Contribution) -> Cause:
    """A record as a reason, in words."""
    end = f" until {_day(c.until)}" if c.until is not None else ""
    return Cause(
        code=f"RECORD:{c.rule.id}",
        text=f"{c.record.type} recorded by {c.record.source} on {_day(c.start)} "
        f"({c.points:+d} points{end}).",
        record=c.record.key,
        rule=c.rule.id,
        basis=c.rule.spec.basis,
        until=c.until,
    )


def _day(instant: datetime | None) -> str:
    return instant.date().isoformat() if instant is not None else "-"
