"""Scoring as a fold: records in, contributions and a score out, every point explained.

`contributions` decides, once, what each record earns and in which interval it counts;
`score_at` sums the contributions counting at an instant. The two are split because lists
and decisions need the score at many instants, and the contributions do not change with
the instant asked about as long as only records that occurred by then are given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from credence.domain.conditions import Condition, round_half_away
from credence.domain.errors import InvalidInputError, NotFoundError
from credence.domain.records import Record, Subject, SubjectKind
from credence.domain.rulebook import ResolvedBook, Rule, RulebookIndex
from credence.domain.times import iso

Status = Literal[
    "counting",
    "disputed",
    "suspended",
    "expired",
    "ended",
    "capped",
    "retracted",
    "rejected",
    "pending",
]
Excluded = Literal["pending", "rejected", "retracted"]
COUNTING: frozenset[str] = frozenset({"counting", "disputed"})


@dataclass(frozen=True, slots=True)
class Standing:
    """What later ledger entries say about a record: review, appeal, retraction.

    `excluded` names why a record never counts: "pending" review, "rejected" in review, or
    "retracted" by an overturned appeal.
    `disputed` and `suspended` are real-time intervals [start, end) during which the record
    is under appeal, or under an appeal that outlived the review deadline.
    """

    excluded: Excluded | None = None
    disputed: tuple[tuple[datetime, datetime | None], ...] = ()
    suspended: tuple[tuple[datetime, datetime | None], ...] = ()


IN_FORCE = Standing()


@dataclass(frozen=True, slots=True)
class Match:
    """The rule that scores a record and the points it earns."""

    rule: Rule
    points: int


@dataclass(frozen=True, slots=True)
class Contribution:
    """The points one record earns under one rule, and when they count."""

    record: Record
    rule: Rule
    points: int
    start: datetime
    until: datetime | None  # None: counts until something ends it
    natural_until: datetime | None
    ended_by: str | None = None  # the record whose arrival ended this early
    capped: bool = False
    standing: Standing = IN_FORCE

    def status_at(self, at: datetime) -> Status:
        """Where this contribution stands at an instant."""
        if self.standing.excluded is not None:
            return self.standing.excluded
        if self.capped:
            return "capped"
        if self.until is not None and at >= self.until:
            return "ended" if self.ended_by is not None else "expired"
        if _within(self.standing.suspended, at):
            return "suspended"
        if _within(self.standing.disputed, at):
            return "disputed"
        return "counting"

    def counts_at(self, at: datetime) -> bool:
        return self.start <= at and self.status_at(at) in COUNTING

    def counting_intervals(self) -> list[tuple[datetime, datetime | None]]:
        """The stretches [start, end) in which the points count: the life minus suspensions."""
        if self.standing.excluded is not None or self.capped:
            return []
        stretches: list[tuple[datetime, datetime | None]] = [(self.start, self.until)]
        for cut_start, cut_end in self.standing.suspended:
            stretches = [piece for s in stretches for piece in _minus(s, cut_start, cut_end)]
        return stretches


@dataclass(frozen=True, slots=True)
class Unscored:
    """A record no rule matched, or one that could not be scored, and why."""

    record: Record
    reason: str


@dataclass(frozen=True, slots=True)
class ListStanding:
    """Where a subject stands on one list at an instant."""

    list: str
    kind: str
    status: str  # pending, listed or removed
    since: datetime | None
    noticed_at: datetime
    listed_at: datetime | None
    ended_at: datetime | None

    def to_json(self) -> dict[str, object]:
        return {
            "list": self.list,
            "kind": self.kind,
            "status": self.status,
            "since": iso(self.since),
            "noticed_at": iso(self.noticed_at),
            "listed_at": iso(self.listed_at),
            "ended_at": iso(self.ended_at),
        }


@dataclass(frozen=True, slots=True)
class ScoreCard:
    """A subject's score at an instant, with every point explained."""

    subject: Subject
    as_of: datetime
    score: int
    grade: str
    rulebook: str
    base: int
    contributions: tuple[Contribution, ...]
    unscored: tuple[Unscored, ...] = field(default=())
    lists: tuple[ListStanding, ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        """The shape DESIGN.md fixes for `score --json`."""
        return {
            "subject": self.subject.id,
            "kind": self.subject.kind,
            "region": self.subject.region,
            "as_of": iso(self.as_of),
            "score": self.score,
            "grade": self.grade,
            "rulebook": self.rulebook,
            "base": self.base,
            "contributions": [contribution_json(c, self.as_of) for c in self.contributions],
            "unscored": [{"record": u.record.key, "reason": u.reason} for u in self.unscored],
            "lists": [standing.to_json() for standing in self.lists],
        }


def contribution_json(c: Contribution, at: datetime) -> dict[str, object]:
    """One explained contribution."""
    return {
        "record": c.record.key,
        "type": c.record.type,
        "rule": c.rule.id,
        "rulebook": c.rule.book,
        "points": c.points,
        "occurred_at": iso(c.start),
        "until": iso(c.until),
        "ended_by": c.ended_by,
        "basis": c.rule.spec.basis,
        "category": c.rule.spec.category,
        "status": c.status_at(at),
    }


def match_record(book: ResolvedBook, kind: SubjectKind, record: Record) -> Match | None:
    """The first rule, in the book's order, that scores this record; None when none does.

    Raises InvalidInputError when the matching rule's points need a field the record lacks.
    """
    for rule in book.rules_by_type.get(record.type, ()):
        if kind not in rule.spec.applies_to:
            continue
        if rule.when is not None and not rule.when.holds(record.data):
            continue
        return Match(rule, points_of(rule, record))
    return None


def points_of(rule: Rule, record: Record) -> int:
    """A rule's points for a record: its integer, or its expression rounded and clamped."""
    if isinstance(rule.points, int):
        points = rule.points
    else:
        points = _evaluate_points(rule, rule.points, record)
    if rule.spec.points_range is not None:
        low, high = rule.spec.points_range
        points = max(low, min(high, points))
    return points


def _evaluate_points(rule: Rule, expression: Condition, record: Record) -> int:
    missing = sorted(f for f in expression.fields if record.data.get(f) is None)
    if missing:
        raise InvalidInputError(
            f"record {record.key} lacks field {missing[0]!r} needed by rule {rule.id}",
            record=record.key,
            field=missing[0],
            rule=rule.id,
        )
    value = expression.evaluate(record.data)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(
            f"record {record.key}: rule {rule.id} points {expression.text!r} gave no number",
            record=record.key,
            rule=rule.id,
        )
    return round_half_away(value)


def contributions(
    index: RulebookIndex,
    subject: Subject,
    records: Iterable[Record],
    standings: Mapping[str, Standing] | None = None,
) -> tuple[list[Contribution], list[Unscored]]:
    """Score every record once under the book in force when it occurred.

    Records must all belong to `subject`. The result does not depend on the order of
    `records`: they are sorted by (occurred_at, id) first.
    """
    standings = standings or {}
    ordered = sorted(records, key=lambda r: r.order)
    matched: list[tuple[Record, Match, Standing]] = []
    unscored: list[Unscored] = []
    for record in ordered:
        book = index.resolve(subject.region, record.occurred_at)
        if book is None:
            unscored.append(Unscored(record, f"no rulebook governs {subject.region} then"))
            continue
        try:
            match = match_record(book, subject.kind, record)
        except InvalidInputError as exc:
            unscored.append(Unscored(record, exc.message))
            continue
        if match is None:
            unscored.append(Unscored(record, f"no rule of {book.name} scores {record.type}"))
            continue
        matched.append((record, match, standings.get(record.key, IN_FORCE)))
    # Any record in force may end another's effect, scored or not (a settlement earns nothing).
    live = [r for r in ordered if standings.get(r.key, IN_FORCE).excluded is None]
    capped = _capped(matched)
    return [
        _contribution(r, m, s, live, capped=i in capped) for i, (r, m, s) in enumerate(matched)
    ], unscored


def _capped(matched: Sequence[tuple[Record, Match, Standing]]) -> set[int]:
    """Positions of records past their rule's `max_per_year`; retracted ones take no slot."""
    used: dict[tuple[str, int], int] = {}
    capped = set()
    for position, (record, match, standing) in enumerate(matched):
        limit = match.rule.spec.max_per_year
        if limit is None or standing.excluded is not None:
            continue
        slot = (match.rule.id, record.occurred_at.year)
        used[slot] = used.get(slot, 0) + 1
        if used[slot] > limit:
            capped.add(position)
    return capped


def _contribution(
    record: Record, match: Match, standing: Standing, live: Sequence[Record], *, capped: bool
) -> Contribution:
    rule = match.rule
    natural = rule.lasts.after(record.occurred_at) if rule.lasts is not None else None
    ender = _ending_record(rule, record, live)
    until = natural
    if ender is not None and (natural is None or ender.occurred_at < natural):
        until = ender.occurred_at
    return Contribution(
        record=record,
        rule=rule,
        points=match.points,
        start=record.occurred_at,
        until=until,
        natural_until=natural,
        ended_by=ender.key if ender is not None and until == ender.occurred_at else None,
        capped=capped,
        standing=standing,
    )


def _ending_record(rule: Rule, record: Record, live: Sequence[Record]) -> Record | None:
    """The earliest record that ends this one's effect early (credit repair), if any."""
    ended_by = rule.spec.ended_by
    if ended_by is None:
        return None
    for other in live:
        if other.type != ended_by.record or other.occurred_at < record.occurred_at:
            continue
        if all(
            record.data.get(f) is not None and record.data.get(f) == other.data.get(f)
            for f in ended_by.match
        ):
            return other
    return None


def _minus(
    stretch: tuple[datetime, datetime | None], cut_start: datetime, cut_end: datetime | None
) -> list[tuple[datetime, datetime | None]]:
    start, end = stretch
    pieces: list[tuple[datetime, datetime | None]] = []
    if cut_start > start:
        pieces.append((start, cut_start if end is None else min(end, cut_start)))
    if cut_end is not None and (end is None or cut_end < end):
        pieces.append((max(start, cut_end), end))
    return [(a, b) for a, b in pieces if b is None or a < b]


def _within(intervals: Iterable[tuple[datetime, datetime | None]], at: datetime) -> bool:
    return any(start <= at and (end is None or at < end) for start, end in intervals)


def score_at(book: ResolvedBook, items: Iterable[Contribution], at: datetime) -> int:
    """base + the points counting at `at`, clamped into the scale."""
    total = book.scale.base + sum(c.points for c in items if c.counts_at(at))
    return max(book.scale.min, min(book.scale.max, total))


def score(
    index: RulebookIndex,
    subject: Subject,
    records: Iterable[Record],
    at: datetime,
    standings: Mapping[str, Standing] | None = None,
) -> ScoreCard:
    """The subject's score card at `at`, from records that occurred by then."""
    book = index.resolve(subject.region, at)
    if book is None:
        raise NotFoundError(
            f"no rulebook governs region {subject.region!r} at {iso(at)}", region=subject.region
        )
    visible = [r for r in records if r.occurred_at <= at]
    items, unscored = contributions(index, subject, visible, standings)
    value = score_at(book, items, at)
    return ScoreCard(
        subject=subject,
        as_of=at,
        score=value,
        grade=book.grade_of(value),
        rulebook=book.name,
        base=book.scale.base,
        contributions=tuple(items),
        unscored=tuple(unscored),
    )
