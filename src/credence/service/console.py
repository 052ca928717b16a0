"""What the operator's pages show that the command line does not: search, rulebook views."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

from credence.domain.errors import InvalidInputError, NotFoundError
from credence.domain.records import Subject

if TYPE_CHECKING:
    from credence.service.context import Credence


def search_subjects(app: Credence, text: str, limit: int = 50) -> list[Subject]:
    """Subjects by id or name."""
    if len(text.strip()) < 2:
        raise InvalidInputError("type at least two characters to search")
    return app.store.search_subjects(text.strip(), limit)


def records_per_day(app: Credence) -> list[tuple[str, int]]:
    return app.store.records_per_day()


def rulebook_views(app: Credence) -> list[dict[str, Any]]:
    """Each published version with its rules, lists and measures, and their basis."""
    views = []
    for book in sorted(app.index().books, key=lambda b: (b.jurisdiction, b.effective_from)):
        spec = book.spec
        items = [
            {
                "kind": "rule",
                "id": r.id,
                "basis": r.basis,
                "what": f"{r.record} for {', '.join(r.applies_to)}: {r.points} points"
                + (f" when {r.when}" if r.when else "")
                + (f", lasts {r.lasts}" if r.lasts else ""),
            }
            for r in spec.rules
        ]
        items += [
            {
                "kind": f"{li.kind} list",
                "id": li.id,
                "basis": li.basis,
                "what": f"when {li.when}" + (f", notice {li.notice}" if li.notice else ""),
            }
            for li in spec.lists
        ]
        items += [
            {"kind": m.kind, "id": m.id, "basis": m.basis, "what": f"{m.service} when {m.when}"}
            for m in spec.measures
        ]
        items += [
            {"kind": "removed", "id": r, "basis": "", "what": "inherited item dropped"}
            for r in spec.remove
        ]
        views.append(
            {
                "name": book.name,
                "effective_from": str(spec.effective_from),
                "extends": spec.extends,
                "items": items,
            }
        )
    return views


def rulebook_diff(app: Credence, first: str, second: str) -> str:
    """A unified diff of two published versions' texts."""
    texts = {f"{v.jurisdiction}@{v.version}": v.text for v in app.store.rulebook_versions()}
    for name in (first, second):
        if name not in texts:
            raise NotFoundError(f"no published rulebook {name!r}")
    return "".join(
        difflib.unified_diff(
            texts[first].splitlines(keepends=True),
            texts[second].splitlines(keepends=True),
            fromfile=first,
            tofile=second,
        )
    )


def score_timeline(app: Credence, subject_id: str) -> dict[str, Any]:
    """The score at each instant it changed, with the records that changed it."""
    from credence.service.histories import history_of

    history = history_of(app, subject_id)
    points: list[tuple[str, int, str]] = []
    for instant in [p for p in history.breakpoints if p <= history.horizon]:
        score = history.score_at(instant)
        if score is None or (points and points[-1][1] == score):
            continue
        causes = ", ".join(
            c.record.key for c in history.contributions if instant in (c.start, c.until)
        )
        points.append((instant.date().isoformat(), score, causes))
    book = history.book_at(history.horizon)
    now = history.score_at(history.horizon)
    if now is not None:
        points.append((history.horizon.date().isoformat(), now, "now"))
    low = min([p[1] for p in points] + [book.scale.base if book else 0]) - 20
    high = max([p[1] for p in points] + [book.scale.base if book else 0]) + 20
    return {"points": points, "low": low, "high": high}
