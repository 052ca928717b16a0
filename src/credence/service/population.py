"""The population as a whole: distributions, list flows, restrictions and appeals."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from credence.domain.decisions import measures_for, restrictions_apply
from credence.domain.history import History
from credence.domain.times import iso
from credence.service.lists import all_histories

if TYPE_CHECKING:
    from credence.service.context import Credence


@dataclass
class Snapshot:
    """The population at one instant."""

    at: datetime
    grades: dict[str, Counter[str]] = field(default_factory=dict)  # region -> grade -> count
    scores: dict[str, list[int]] = field(default_factory=dict)  # region -> scores (with records)
    listed: Counter[str] = field(default_factory=Counter)  # list -> listed members
    pending: Counter[str] = field(default_factory=Counter)
    restricted: Counter[str] = field(default_factory=Counter)  # service -> subjects refused

    def to_json(self) -> dict[str, Any]:
        return {
            "at": iso(self.at),
            "grades": {r: dict(c) for r, c in sorted(self.grades.items())},
            "listed": dict(self.listed),
            "pending": dict(self.pending),
            "restricted": dict(self.restricted),
        }


@dataclass
class PopulationView:
    """Snapshots through time, list entries and exits per month, appeal outcomes."""

    snapshots: list[Snapshot]
    entries: Counter[tuple[str, str]]  # (month, list) -> listings
    exits: Counter[tuple[str, str]]
    appeals: Counter[str]  # pending / upheld / overturned
    subjects: Counter[str]  # region -> subjects registered
    records: int

    @property
    def last(self) -> Snapshot:
        return self.snapshots[-1]


def population_view(app: Credence, instants: list[datetime]) -> PopulationView:
    """Evaluate every subject at each instant from one pass over the ledger."""
    end = max(instants)
    regions = app.store.subjects_per_region()
    snapshots = [Snapshot(at=t) for t in sorted(instants)]
    entries: Counter[tuple[str, str]] = Counter()
    exits: Counter[tuple[str, str]] = Counter()
    with_records: Counter[str] = Counter()
    base_grade: dict[tuple[str, datetime], str] = {}
    for history in all_histories(app, end):
        with_records[history.subject.region] += 1
        for snapshot in snapshots:
            _observe(history, snapshot)
        for list_id, episodes in history.episodes.items():
            for e in episodes:
                if e.listed_at is not None and e.listed_at <= end:
                    entries[(e.listed_at.strftime("%Y-%m"), list_id)] += 1
                if e.listed_at is not None and e.ended_at is not None and e.ended_at <= end:
                    exits[(e.ended_at.strftime("%Y-%m"), list_id)] += 1
    for snapshot in snapshots:
        for region, count in regions.items():
            book = app.index().resolve(region, snapshot.at)
            if book is None:
                continue
            key = (region, snapshot.at)
            base_grade[key] = book.grade_of(book.scale.base)
            without = count - with_records[region]
            snapshot.grades.setdefault(region, Counter())[base_grade[key]] += without
            snapshot.scores.setdefault(region, []).extend([book.scale.base] * min(without, 5000))
    outcomes: Counter[str] = Counter(str(a.outcome or "pending") for a in app.store.appeals())
    return PopulationView(
        snapshots, entries, exits, outcomes, Counter(regions), app.store.count_records()
    )


def _observe(history: History, snapshot: Snapshot) -> None:
    at = snapshot.at
    book = history.book_at(at)
    if book is None:
        return
    score = history.score_at(at, book)
    assert score is not None
    region = history.subject.region
    snapshot.grades.setdefault(region, Counter())[book.grade_of(score)] += 1
    snapshot.scores.setdefault(region, []).append(score)
    for standing in history.list_standings(at):
        if standing.status == "listed":
            snapshot.listed[standing.list] += 1
        elif standing.status == "pending":
            snapshot.pending[standing.list] += 1
    services = {
        m.spec.service
        for m in measures_for(book, history.subject.kind)
        if m.spec.kind == "restriction"
    }
    for service in services:
        if restrictions_apply(history, service, at):
            snapshot.restricted[service] += 1


def summary_by_region(view: PopulationView) -> dict[str, Any]:
    """The figures a summary prints: grade shares, list sizes, restrictions, appeals."""
    last = view.last
    by_region: dict[str, Any] = defaultdict(dict)
    for region, grades in sorted(last.grades.items()):
        scores = sorted(last.scores.get(region, []))
        by_region[region] = {
            "subjects": view.subjects.get(region, 0),
            "grades": dict(sorted(grades.items())),
            "median_score": scores[len(scores) // 2] if scores else None,
        }
    return {
        "as_of": iso(last.at),
        "subjects": sum(view.subjects.values()),
        "records": view.records,
        "regions": dict(by_region),
        "lists": {"listed": dict(last.listed), "pending": dict(last.pending)},
        "restrictions": dict(last.restricted),
        "appeals": dict(view.appeals),
    }
