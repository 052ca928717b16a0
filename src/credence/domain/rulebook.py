"""Rulebooks: the published policy of one jurisdiction and version, and how books combine.

A rulebook is validated by Pydantic on load; `compile_book` turns it into a `Book` whose
conditions are parsed and compiled once. `resolve` folds a jurisdiction's chain of books
(national -> province -> city), each version chosen by the instant in question, into a
`ResolvedBook`: the rules in the order they are tried, the lists, the measures, the scale.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from credence.domain.conditions import (
    LIST_SCOPE,
    MEASURE_SCOPE,
    RECORD_SCOPE,
    Condition,
    parse_condition,
)
from credence.domain.errors import RulebookError
from credence.domain.records import SubjectKind
from credence.domain.times import Duration, parse_instant

Strict = ConfigDict(extra="forbid", frozen=True)


class Scale(BaseModel):
    """The range a score lives in and where everyone starts."""

    model_config = Strict
    base: int
    min: int
    max: int


class GradeSpec(BaseModel):
    """A grade and the lowest score that earns it."""

    model_config = Strict
    grade: str
    min: int


class SourceSpec(BaseModel):
    """An accountable body, the record types it may submit and, optionally, their fields."""

    model_config = Strict
    id: str
    kind: Literal["authority", "observer"]
    name: str | None = None
    may_submit: list[str]
    fields: dict[str, list[str]] = Field(default_factory=dict)


class EndedBy(BaseModel):
    """Records that end a penalty early: same subject, equal values in the `match` fields."""

    model_config = Strict
    record: str
    match: list[str] = Field(default_factory=list)


class RuleSpec(BaseModel):
    """How one record type earns points."""

    model_config = Strict
    id: str
    record: str
    applies_to: list[SubjectKind]
    when: str | None = None
    points: int | str
    points_range: tuple[int, int] | None = None
    lasts: str | None = None
    max_per_year: int | None = Field(default=None, ge=1)
    ended_by: EndedBy | None = None
    category: str
    basis: str | None = None
    description: str | None = None


class ListSpec(BaseModel):
    """A red list (honours) or black list (restrictions)."""

    model_config = Strict
    id: str
    kind: Literal["red", "black"]
    applies_to: list[SubjectKind]
    when: str
    notice: str | None = None
    publish: bool = False
    basis: str | None = None
    description: str | None = None


class MeasureSpec(BaseModel):
    """A privilege or restriction on a named service, switched by a condition on state."""

    model_config = Strict
    id: str
    kind: Literal["privilege", "restriction"]
    service: str
    applies_to: list[SubjectKind]
    when: str
    basis: str | None = None
    description: str | None = None


class RulebookSpec(BaseModel):
    """One published version of one jurisdiction's book, as written in YAML."""

    model_config = Strict
    jurisdiction: str
    extends: str | None = None
    version: str
    effective_from: date
    title: str | None = None
    scale: Scale | None = None
    grades: list[GradeSpec] | None = None
    appeal_window: str | None = None
    review_deadline: str | None = None
    sources: list[SourceSpec] = Field(default_factory=list)
    rules: list[RuleSpec] = Field(default_factory=list)
    lists: list[ListSpec] = Field(default_factory=list)
    measures: list[MeasureSpec] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule with its conditions compiled."""

    spec: RuleSpec
    book: str  # "jurisdiction@version" that published it
    when: Condition | None
    points: int | Condition
    lasts: Duration | None

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True, slots=True)
class ListDef:
    """A list with its condition compiled."""

    spec: ListSpec
    book: str
    when: Condition
    notice: Duration | None

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True, slots=True)
class Measure:
    """A measure with its condition compiled."""

    spec: MeasureSpec
    book: str
    when: Condition

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True, slots=True)
class Book:
    """One version of one jurisdiction's book, compiled."""

    spec: RulebookSpec
    origin: str  # file name or "database", for messages
    rules: tuple[Rule, ...]
    lists: tuple[ListDef, ...]
    measures: tuple[Measure, ...]
    effective_from: datetime  # the first instant of `spec.effective_from`, in UTC

    @property
    def jurisdiction(self) -> str:
        return self.spec.jurisdiction

    @property
    def name(self) -> str:
        return f"{self.spec.jurisdiction}@{self.spec.version}"


def parse_book(document: Mapping[str, Any], origin: str) -> Book:
    """Validate a decoded YAML document and compile it; errors name the file and the item."""
    try:
        spec = RulebookSpec.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'book'}: {err['msg']}"
            for err in exc.errors()
        )
        raise RulebookError(f"{origin}: {problems}", file=origin) from None
    return compile_book(spec, origin)


def compile_book(spec: RulebookSpec, origin: str) -> Book:
    """Parse every condition and duration of a book once."""
    name = f"{spec.jurisdiction}@{spec.version}"

    def where(kind: str, item: str) -> str:
        return f"{origin}: {kind} {item}"

    def duration(text: str | None, kind: str, item: str, key: str) -> Duration | None:
        if text is None:
            return None
        try:
            return Duration.parse(text)
        except Exception:
            raise RulebookError(
                f"{where(kind, item)}: {key} {text!r} is not an ISO 8601 duration",
                file=origin,
                item=item,
            ) from None

    rules = tuple(
        Rule(
            spec=r,
            book=name,
            when=parse_condition(r.when, RECORD_SCOPE, where("rule", r.id)) if r.when else None,
            points=r.points
            if isinstance(r.points, int)
            else parse_condition(r.points, RECORD_SCOPE, where("rule", r.id)),
            lasts=duration(r.lasts, "rule", r.id, "lasts"),
        )
        for r in spec.rules
    )
    lists = tuple(
        ListDef(
            spec=li,
            book=name,
            when=parse_condition(li.when, LIST_SCOPE, where("list", li.id)),
            notice=duration(li.notice, "list", li.id, "notice"),
        )
        for li in spec.lists
    )
    measures = tuple(
        Measure(
            spec=m, book=name, when=parse_condition(m.when, MEASURE_SCOPE, where("measure", m.id))
        )
        for m in spec.measures
    )
    for key in ("appeal_window", "review_deadline"):
        duration(getattr(spec, key), "book", spec.jurisdiction, key)
    return Book(
        spec=spec,
        origin=origin,
        rules=rules,
        lists=lists,
        measures=measures,
        effective_from=parse_instant(spec.effective_from),
    )


@dataclass(frozen=True)
class ResolvedBook:
    """What governs a region at an instant: a chain of book versions folded into one."""

    name: str  # the innermost book, "jurisdiction@version"
    chain: tuple[Book, ...]  # innermost first
    rules: tuple[Rule, ...]
    lists: tuple[ListDef, ...]
    measures: tuple[Measure, ...]
    sources: Mapping[str, SourceSpec]
    scale: Scale
    grades: tuple[GradeSpec, ...]
    appeal_window: Duration
    review_deadline: Duration
    rules_by_type: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict)

    def grade_of(self, score: int) -> str:
        """The first grade, highest first, whose floor the score meets."""
        for grade in self.grades:
            if score >= grade.min:
                return grade.grade
        return self.grades[-1].grade

    @cached_property
    def grade_ranks(self) -> dict[str, int]:
        """Grades ranked so that a better grade compares greater."""
        return {g.grade: len(self.grades) - i for i, g in enumerate(self.grades)}


DEFAULT_APPEAL_WINDOW = Duration(days=10)
DEFAULT_REVIEW_DEADLINE = Duration(days=30)


def _merge(own: Sequence[Any], inherited: Sequence[Any], removed: Iterable[str]) -> list[Any]:
    """A child's new items first, then the inherited ones, overrides replacing in place."""
    gone = set(removed)
    by_id = {item.id: item for item in own}
    inherited_ids = {item.id for item in inherited}
    merged = [item for item in own if item.id not in inherited_ids]
    merged += [by_id.get(item.id, item) for item in inherited if item.id not in gone]
    return merged


def fold_chain(chain: Sequence[Book]) -> ResolvedBook:
    """Fold books (innermost first) into the resolved view; the root supplies scale and grades."""
    root = chain[-1]
    if root.spec.scale is None or root.spec.grades is None:
        raise RulebookError(
            f"{root.origin}: the root book {root.name} must define scale and grades",
            file=root.origin,
        )
    rules: list[Rule] = []
    lists: list[ListDef] = []
    measures: list[Measure] = []
    sources: dict[str, SourceSpec] = {}
    appeal_window = review_deadline = None
    for book in reversed(chain):  # root first, so each child applies on top of its parent
        rules = _merge(book.rules, rules, book.spec.remove)
        lists = _merge(book.lists, lists, book.spec.remove)
        measures = _merge(book.measures, measures, book.spec.remove)
        sources.update({s.id: s for s in book.spec.sources})
        appeal_window = book.spec.appeal_window or appeal_window
        review_deadline = book.spec.review_deadline or review_deadline
    by_type: dict[str, list[Rule]] = {}
    for rule in rules:
        by_type.setdefault(rule.spec.record, []).append(rule)
    return ResolvedBook(
        name=chain[0].name,
        chain=tuple(chain),
        rules=tuple(rules),
        lists=tuple(lists),
        measures=tuple(measures),
        sources=sources,
        scale=root.spec.scale,
        grades=tuple(sorted(root.spec.grades, key=lambda g: -g.min)),
        appeal_window=Duration.parse(appeal_window) if appeal_window else DEFAULT_APPEAL_WINDOW,
        review_deadline=Duration.parse(review_deadline)
        if review_deadline
        else DEFAULT_REVIEW_DEADLINE,
        rules_by_type={k: tuple(v) for k, v in by_type.items()},
    )


class RulebookIndex:
    """Every loaded version of every jurisdiction; answers "which books govern R at t?"."""

    def __init__(self, books: Iterable[Book]) -> None:
        self._versions: dict[str, list[Book]] = {}
        for book in books:
            self._versions.setdefault(book.jurisdiction, []).append(book)
        for versions in self._versions.values():
            versions.sort(key=lambda b: b.spec.effective_from)
        self._resolved: dict[tuple[str, ...], ResolvedBook] = {}
        self._changes: dict[str, list[datetime]] = {}
        self._by_period: dict[tuple[str, int], ResolvedBook | None] = {}

    @property
    def books(self) -> list[Book]:
        return [b for versions in self._versions.values() for b in versions]

    @property
    def jurisdictions(self) -> list[str]:
        return sorted(self._versions)

    def knows(self, jurisdiction: str) -> bool:
        return jurisdiction in self._versions

    def parent_of(self, jurisdiction: str) -> str | None:
        versions = self._versions.get(jurisdiction)
        return versions[-1].spec.extends if versions else None

    def version_at(self, jurisdiction: str, at: datetime) -> Book | None:
        """The version of a jurisdiction's book in force at `at`, if any."""
        chosen = None
        for book in self._versions.get(jurisdiction, ()):
            if book.effective_from <= at:
                chosen = book
            else:
                break
        return chosen

    def chain_at(self, region: str, at: datetime) -> tuple[Book, ...]:
        """Books in force at `at` from the region up to the root, innermost first.

        A level with no version in force yet is skipped: its parent governs meanwhile.
        """
        chain: list[Book] = []
        seen: set[str] = set()
        jurisdiction: str | None = region
        while jurisdiction is not None and jurisdiction not in seen:
            seen.add(jurisdiction)
            book = self.version_at(jurisdiction, at)
            if book is not None:
                chain.append(book)
            jurisdiction = self.parent_of(jurisdiction)
        return tuple(chain)

    def changes(self, region: str) -> list[datetime]:
        """Every instant at which the books governing `region` change, in order."""
        found = self._changes.get(region)
        if found is None:
            levels: set[str] = set()
            jurisdiction: str | None = region
            while jurisdiction is not None and jurisdiction not in levels:
                levels.add(jurisdiction)
                jurisdiction = self.parent_of(jurisdiction)
            found = sorted({b.effective_from for j in levels for b in self._versions.get(j, ())})
            self._changes[region] = found
        return found

    def resolve(self, region: str, at: datetime) -> ResolvedBook | None:
        """The resolved book governing `region` at `at`, or None when no book is in force."""
        changes = self.changes(region)
        position = bisect.bisect_right(changes, at)
        key = (region, position)
        if key not in self._by_period:
            # Books change only at these instants, so one resolution serves the whole period.
            self._by_period[key] = (
                self._resolve(region, changes[position - 1]) if position else None
            )
        return self._by_period[key]

    def _resolve(self, region: str, at: datetime) -> ResolvedBook | None:
        chain = self.chain_at(region, at)
        if not chain or chain[-1].spec.extends is not None:
            return None
        key = tuple(b.name for b in chain)
        resolved = self._resolved.get(key)
        if resolved is None:
            resolved = self._resolved[key] = fold_chain(chain)
        return resolved

    def latest(self, region: str) -> ResolvedBook | None:
        """The newest resolved book for a region, whatever its date."""
        return self.resolve(region, datetime.max.replace(tzinfo=parse_instant("2000-01-01").tzinfo))
