"""A subject's history: its state at every instant, and its list memberships over time.

State is piecewise constant: it changes only at breakpoints (a contribution starting or
ending, a suspension starting or ending, a new book version taking effect), so conditions
are evaluated once per breakpoint, never per day.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, Literal

from credence.domain.appeals import Appeal
from credence.domain.conditions import Ordinal
from credence.domain.errors import NotFoundError
from credence.domain.records import Record, Subject
from credence.domain.rulebook import ListDef, ResolvedBook, RulebookIndex
from credence.domain.scoring import (
    Contribution,
    ListStanding,
    ScoreCard,
    Standing,
    Unscored,
    contributions,
)
from credence.domain.times import iso

ListStatus = Literal["pending", "listed", "removed"]


class StateEnv(Mapping[Any, Any]):
    """What list and measure conditions see: score, grade, active(), on_list()."""

    def __init__(
        self, score: int, grade: Ordinal, active: Mapping[str, int], listed: frozenset[str]
    ) -> None:
        self.score, self.grade, self.active, self.listed = score, grade, active, listed

    def __getitem__(self, key: Any) -> Any:
        if key == "score":
            return self.score
        if key == "grade":
            return self.grade
        if isinstance(key, tuple) and key[0] == "active":
            return self.active.get(key[1], 0)
        if isinstance(key, tuple) and key[0] == "on_list":
            return key[1] in self.listed
        raise KeyError(key)

    def __iter__(self) -> Iterator[Any]:
        return iter(("score", "grade"))

    def __len__(self) -> int:
        return 2


@dataclass(frozen=True, slots=True)
class Episode:
    """One stretch of a subject's membership of a list: notice, listing, removal."""

    list: ListDef
    became_true: datetime
    noticed_at: datetime  # pending from here
    listed_at: datetime | None  # None: never listed (removed first, or appeal pending)
    ended_at: datetime | None
    end_reason: Literal["condition", "overturned"] | None
    causes: tuple[str, ...]  # records whose arrival made the condition true

    def status_at(self, at: datetime) -> ListStatus | None:
        if at < self.noticed_at:
            return None
        if self.ended_at is not None and at >= self.ended_at:
            return "removed"
        if self.listed_at is not None and at >= self.listed_at:
            return "listed"
        return "pending"

    def since(self, at: datetime) -> datetime | None:
        status = self.status_at(at)
        return {
            "pending": self.noticed_at,
            "listed": self.listed_at,
            "removed": self.ended_at,
            None: None,
        }[status]


class History:
    """Everything about one subject that the ledger holds now, up to a horizon instant."""

    def __init__(
        self,
        index: RulebookIndex,
        subject: Subject,
        records: Iterable[Record],
        horizon: datetime,
        standings: Mapping[str, Standing] | None = None,
        known_at: Mapping[str, datetime] | None = None,
        list_appeals: Iterable[Appeal] = (),
    ) -> None:
        self.index, self.subject, self.horizon = index, subject, horizon
        self.records = [r for r in records if r.occurred_at <= horizon]
        self.standings = dict(standings or {})
        self.known_at = dict(known_at or {})
        self.list_appeals = sorted(list_appeals, key=lambda a: a.filed_at)
        items, unscored = contributions(index, subject, self.records, self.standings)
        self.contributions: list[Contribution] = items
        self.unscored: list[Unscored] = unscored

    # -- state -----------------------------------------------------------------------------

    def book_at(self, at: datetime) -> ResolvedBook | None:
        return self.index.resolve(self.subject.region, at)

    def counting_at(self, at: datetime) -> list[Contribution]:
        return [c for c in self.contributions if c.counts_at(at)]

    @cached_property
    def _timeline(self) -> tuple[list[datetime], list[tuple[int, dict[str, int]]]]:
        """(points counting, counting records by type) from each instant they change."""
        events: list[tuple[datetime, int, str, int]] = []
        for c in self.contributions:
            for start, end in c.counting_intervals():
                events.append((start, c.points, c.record.type, 1))
                if end is not None:
                    events.append((end, -c.points, c.record.type, -1))
        events.sort(key=lambda e: e[0])
        times: list[datetime] = []
        states: list[tuple[int, dict[str, int]]] = []
        total, active = 0, dict[str, int]()
        for at, points, record_type, step in events:
            total += points
            active[record_type] = active.get(record_type, 0) + step
            if times and times[-1] == at:
                states[-1] = (total, dict(active))
            else:
                times.append(at)
                states.append((total, dict(active)))
        return times, states

    def _state_at(self, at: datetime) -> tuple[int, dict[str, int]]:
        times, states = self._timeline
        position = bisect.bisect_right(times, at) - 1
        return states[position] if position >= 0 else (0, {})

    def score_at(self, at: datetime, book: ResolvedBook | None = None) -> int | None:
        book = book or self.book_at(at)
        if book is None:
            return None
        total = book.scale.base + self._state_at(at)[0]
        return max(book.scale.min, min(book.scale.max, total))

    def env_at(self, at: datetime, book: ResolvedBook, *, lists: bool) -> StateEnv:
        points, active = self._state_at(at)
        score = max(book.scale.min, min(book.scale.max, book.scale.base + points))
        listed = frozenset(self.listed_at(at)) if lists else frozenset()
        return StateEnv(score, Ordinal(book.grade_of(score), book.grade_ranks), active, listed)

    @cached_property
    def breakpoints(self) -> list[datetime]:
        """Every instant at which the state may change, in order."""
        points: set[datetime] = set()
        for c in self.contributions:
            points.add(c.start)
            if c.until is not None:
                points.add(c.until)
            for start, end in c.standing.suspended:
                points.add(start)
                if end is not None:
                    points.add(end)
        points.update(self.index.changes(self.subject.region))
        return sorted(points)

    # -- lists -----------------------------------------------------------------------------

    @cached_property
    def episodes(self) -> dict[str, list[Episode]]:
        """Each list's episodes for this subject, in order."""
        result: dict[str, list[Episode]] = {}
        for list_id, segments in self._list_truth().items():
            for start, end, definition in segments:
                episode = self._episode(definition, start, end)
                if episode is not None:
                    result.setdefault(list_id, []).append(episode)
        return result

    def _list_truth(self) -> dict[str, list[tuple[datetime, datetime | None, ListDef]]]:
        """For each list, the stretches [start, end) during which its condition holds."""
        truth: dict[str, list[tuple[datetime, datetime | None, ListDef]]] = {}
        open_since: dict[str, tuple[datetime, ListDef]] = {}
        memo: dict[tuple[Any, ...], bool] = {}
        for at in self.breakpoints:
            book = self.book_at(at)
            holding: dict[str, ListDef] = {}
            if book is not None:
                env = self.env_at(at, book, lists=False)
                holding = {
                    li.id: li
                    for li in book.lists
                    if self.subject.kind in li.spec.applies_to and _holds(li, env, memo)
                }
            for list_id, (start, definition) in list(open_since.items()):
                if list_id not in holding:
                    truth.setdefault(list_id, []).append((start, at, definition))
                    del open_since[list_id]
            for list_id, definition in holding.items():
                open_since.setdefault(list_id, (at, definition))
        for list_id, (start, definition) in open_since.items():
            truth.setdefault(list_id, []).append((start, None, definition))
        return truth

    def _episode(
        self, definition: ListDef, start: datetime, end: datetime | None
    ) -> Episode | None:
        causes = [c for c in self.contributions if c.start == start and c.counts_at(start)]
        known = max(
            (self.known_at.get(c.record.key, c.record.recorded_at) for c in causes), default=start
        )
        noticed = max(start, known)  # a late record never shortens the notice period
        if end is not None and noticed >= end:
            return None  # over before anyone could be told: nobody is listed
        listed: datetime | None = noticed
        if definition.spec.kind == "black" and definition.notice is not None:
            listed = definition.notice.after(noticed)
        ended, reason = end, "condition" if end is not None else None
        for appeal in self.list_appeals:
            if appeal.list != definition.id or appeal.filed_at < noticed:
                continue
            if end is not None and appeal.filed_at >= end:
                continue
            overturned_at = appeal.decided_at if appeal.outcome == "overturned" else None
            if overturned_at is not None and (ended is None or overturned_at < ended):
                ended, reason = overturned_at, "overturned"
            if listed is not None and appeal.pending_at(listed):
                listed = appeal.decided_at if appeal.outcome == "upheld" else None
        if listed is not None and ended is not None and listed >= ended:
            listed = None
        return Episode(
            list=definition,
            became_true=start,
            noticed_at=noticed,
            listed_at=listed,
            ended_at=ended,
            end_reason=reason,  # type: ignore[arg-type]
            causes=tuple(c.record.key for c in causes),
        )

    def episode_at(self, list_id: str, at: datetime) -> Episode | None:
        """The latest episode of a list noticed by `at`."""
        current = None
        for episode in self.episodes.get(list_id, []):
            if episode.noticed_at <= at:
                current = episode
        return current

    def listed_at(self, at: datetime) -> list[str]:
        """Lists on which the subject is `listed` (not merely pending) at `at`."""
        return [
            list_id
            for list_id in self.episodes
            if (e := self.episode_at(list_id, at)) is not None and e.status_at(at) == "listed"
        ]

    @cached_property
    def decision_breakpoints(self) -> list[datetime]:
        """State breakpoints plus list transitions: where a measure may switch."""
        points = set(self.breakpoints)
        for episodes in self.episodes.values():
            for e in episodes:
                points.update(t for t in (e.noticed_at, e.listed_at, e.ended_at) if t is not None)
        return sorted(points)

    def after(self, at: datetime) -> list[datetime]:
        """Decision breakpoints strictly after `at`."""
        points = self.decision_breakpoints
        return points[bisect.bisect_right(points, at) :]

    # -- views -----------------------------------------------------------------------------

    def list_standings(self, at: datetime) -> list[ListStanding]:
        """The subject's standing on every list it has been noticed for by `at`."""
        standings = []
        for list_id in sorted(self.episodes):
            episode = self.episode_at(list_id, at)
            status = episode.status_at(at) if episode is not None else None
            if episode is None or status is None:
                continue
            standings.append(
                ListStanding(
                    list=list_id,
                    kind=episode.list.spec.kind,
                    status=status,
                    since=episode.since(at),
                    noticed_at=episode.noticed_at,
                    listed_at=episode.listed_at,
                    ended_at=episode.ended_at,
                )
            )
        return standings

    def card(self, at: datetime | None = None) -> ScoreCard:
        """The score card at `at` (default the horizon), lists included."""
        at = at or self.horizon
        book = self.book_at(at)
        if book is None:
            raise NotFoundError(
                f"no rulebook governs region {self.subject.region!r} at {iso(at)}",
                region=self.subject.region,
            )
        score = self.score_at(at, book)
        assert score is not None
        return ScoreCard(
            subject=self.subject,
            as_of=at,
            score=score,
            grade=book.grade_of(score),
            rulebook=book.name,
            base=book.scale.base,
            contributions=tuple(c for c in self.contributions if c.start <= at),
            unscored=tuple(u for u in self.unscored if u.record.occurred_at <= at),
            lists=tuple(self.list_standings(at)),
        )


def _holds(definition: ListDef, env: StateEnv, memo: dict[tuple[Any, ...], bool]) -> bool:
    """Evaluate a list condition, remembering the answer for the state it depends on."""
    condition = definition.when
    key = (
        id(definition),
        env.score if condition.fields else None,
        tuple(env.active.get(arg, 0) for _, arg in sorted(condition.calls)),
    )
    found = memo.get(key)
    if found is None:
        found = memo[key] = condition.holds(env)
    return found
