"""The publication checker: a rulebook that fails any of these is never activated."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from credence.domain.conditions import Condition
from credence.domain.errors import RulebookError
from credence.domain.rulebook import Book, RulebookIndex, RuleSpec, fold_chain
from credence.domain.vocabulary import refused_topic

CATEGORIES = frozenset(
    {
        "judicial",
        "tax",
        "finance",
        "traffic",
        "transport",
        "commerce",
        "product-safety",
        "food-safety",
        "environment",
        "labour",
        "public-health",
        "education-integrity",
        "civic-contribution",
        "honours",
    }
)

Refuse = Callable[[str, str], None]


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a book is refused: which file, which item, why."""

    file: str
    item: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.item}: {self.reason}"


def check_books(books: Sequence[Book], published: Iterable[Book] = ()) -> list[Problem]:
    """Every problem in `books`, checked alone and in the context of `published` books."""
    problems: list[Problem] = []
    for book in books:
        problems += _check_book(book)
    index = RulebookIndex([*_unreplaced(published, books), *books])
    for book in books:
        problems += _check_context(book, index)
    return problems


def _unreplaced(published: Iterable[Book], books: Sequence[Book]) -> list[Book]:
    new = {(b.jurisdiction, b.spec.version) for b in books}
    return [b for b in published if (b.jurisdiction, b.spec.version) not in new]


def _check_book(book: Book) -> list[Problem]:
    problems: list[Problem] = []

    def refuse(item: str, reason: str) -> None:
        problems.append(Problem(book.origin, item, reason))

    spec = book.spec
    if spec.extends is None and (spec.scale is None or spec.grades is None):
        refuse(book.name, "the root book must define scale and grades")
    if spec.extends is not None and (spec.scale is not None or spec.grades is not None):
        refuse(book.name, "scale and grades are set by the root book; children inherit them")
    if spec.scale is not None and not spec.scale.min <= spec.scale.base <= spec.scale.max:
        refuse("scale", "base must lie between min and max")
    for kind, items in (("rule", spec.rules), ("list", spec.lists), ("measure", spec.measures)):
        seen: set[str] = set()
        for item in items:
            if item.id in seen:
                refuse(f"{kind} {item.id}", "the id is used twice in this book")
            seen.add(item.id)
            if not (item.basis or "").strip():
                refuse(f"{kind} {item.id}", "no basis: every item must cite its legal basis")
    for rule in book.rules:
        _check_rule(rule.spec, rule.points, refuse)
    for listed in book.lists:
        if listed.spec.kind == "black" and listed.notice is None:
            refuse(f"list {listed.id}", "a black list must give notice (e.g. notice: P10D)")
    for source in spec.sources:
        for record_type in source.fields:
            if record_type not in source.may_submit:
                refuse(
                    f"source {source.id}",
                    f"declares fields for {record_type}, which it may not submit",
                )
    problems += _check_vocabulary(book)
    return problems


def _check_rule(spec: RuleSpec, points: int | Condition, refuse: Refuse) -> None:
    item = f"rule {spec.id}"
    if spec.category not in CATEGORIES:
        refuse(item, f"category {spec.category!r} is not one of: {', '.join(sorted(CATEGORIES))}")
    if spec.points_range is not None and spec.points_range[0] > spec.points_range[1]:
        refuse(item, "points_range must be [low, high] with low <= high")
    may_penalise = (
        points < 0
        if isinstance(points, int)
        else spec.points_range is None or spec.points_range[0] < 0
    )
    if may_penalise and spec.lasts is None:
        refuse(item, "a penalty must have a finite 'lasts': penalties expire")
    if not spec.applies_to:
        refuse(item, "applies_to names no subject kind")


def _names_in(book: Book) -> list[tuple[str, str]]:
    """Every (item, name) a book uses to say what it scores and restricts."""
    names: list[tuple[str, str]] = []
    for rule in book.rules:
        item = f"rule {rule.id}"
        names += [(item, rule.id), (item, rule.spec.record)]
        names += [(item, f) for c in _conditions(rule.when, rule.points) for f in c.fields]
        if rule.spec.ended_by is not None:
            names += [(item, rule.spec.ended_by.record)]
            names += [(item, f) for f in rule.spec.ended_by.match]
    for listed in book.lists:
        names += [(f"list {listed.id}", listed.id)]
        names += [(f"list {listed.id}", arg) for _, arg in listed.when.calls]
    for measure in book.measures:
        item = f"measure {measure.id}"
        names += [(item, measure.id), (item, measure.spec.service)]
        names += [(item, arg) for _, arg in measure.when.calls]
    for source in book.spec.sources:
        item = f"source {source.id}"
        names += [(item, t) for t in source.may_submit]
        names += [(item, f) for fields in source.fields.values() for f in fields]
    return names


def _conditions(*candidates: object) -> list[Condition]:
    return [c for c in candidates if isinstance(c, Condition)]


def _check_vocabulary(book: Book) -> list[Problem]:
    problems = []
    for item, name in _names_in(book):
        found = refused_topic(name)
        if found is not None:
            word, topic = found
            problems.append(
                Problem(
                    book.origin,
                    item,
                    f"{name!r} concerns {topic} ({word!r}): "
                    "credence never scores or restricts on it",
                )
            )
    return problems


def _check_context(book: Book, index: RulebookIndex) -> list[Problem]:
    """Checks that need the parent chain: references, removals, declared fields."""
    problems: list[Problem] = []

    def refuse(item: str, reason: str) -> None:
        problems.append(Problem(book.origin, item, reason))

    if book.spec.extends is not None and not index.knows(book.spec.extends):
        refuse(book.name, f"extends {book.spec.extends!r}, which no loaded book defines")
        return problems
    chain = index.chain_at(book.jurisdiction, book.effective_from)
    chain = chain[chain.index(book) :] if book in chain else (book, *chain)
    if chain[-1].spec.extends is not None:
        refuse(book.name, f"no root book is in force on {book.spec.effective_from}")
        return problems
    try:
        parent = fold_chain(chain[1:]) if len(chain) > 1 else None
        resolved = fold_chain(chain)
    except RulebookError as exc:
        refuse(book.name, exc.message)
        return problems
    inherited: set[str] = set()
    if parent is not None:
        inherited = {r.id for r in parent.rules} | {li.id for li in parent.lists}
        inherited |= {m.id for m in parent.measures}
    for removed in book.spec.remove:
        if removed not in inherited:
            refuse(f"remove {removed}", "no inherited rule, list or measure has this id")
    list_ids = {li.id for li in resolved.lists}
    for measure in book.measures:
        for function, arg in measure.when.calls:
            if function == "on_list" and arg not in list_ids:
                refuse(f"measure {measure.id}", f"on_list({arg!r}) names no list in force")
    declared: dict[str, set[str]] = {}
    for source in resolved.sources.values():
        for record_type, fields in source.fields.items():
            declared.setdefault(record_type, set()).update(fields)
    for rule in book.rules:
        known = declared.get(rule.spec.record)
        if known is None:
            continue
        used = {f for c in _conditions(rule.when, rule.points) for f in c.fields}
        if rule.spec.ended_by is not None:
            used |= set(rule.spec.ended_by.match)
        for field in sorted(used - known):
            refuse(
                f"rule {rule.id}",
                f"field {field!r} is not among the fields sources declare for "
                f"{rule.spec.record}: {', '.join(sorted(known))}",
            )
    return problems
