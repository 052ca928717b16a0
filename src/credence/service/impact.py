"""Impact analysis: what a draft rulebook would change, before anyone is subjected to it."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from credence.batch.engines import Engine
from credence.domain.checker import Problem, check_books
from credence.domain.errors import RulebookError
from credence.domain.rulebook import RulebookIndex
from credence.domain.times import iso
from credence.service.histories import histories_of
from credence.service.recompute import score_everyone
from credence.service.rulebooks import BookFile, parse_text, read_books

if TYPE_CHECKING:
    from credence.service.context import Credence

SAMPLE = 10


def draft_index(app: Credence, folder: Path) -> RulebookIndex:
    """The published books with the drafts in `folder` in force instead (or as well)."""
    drafts, problems = read_books([folder])
    return _with_drafts(app, drafts, problems)


def draft_text_index(app: Credence, text: str, origin: str = "draft.yaml") -> RulebookIndex:
    """The published books with one draft, given as YAML text, in force."""
    return _with_drafts(app, [BookFile(origin, text, parse_text(text, origin))], [])


def _with_drafts(app: Credence, drafts: list[BookFile], problems: list[Problem]) -> RulebookIndex:
    published = app.index().books
    problems += check_books([d.book for d in drafts], published)
    if problems:
        raise RulebookError(
            f"{len(problems)} problem(s) in the draft", problems=[str(p) for p in problems]
        )
    replaced = {(d.book.jurisdiction, d.book.spec.version) for d in drafts}
    kept = [b for b in published if (b.jurisdiction, b.spec.version) not in replaced]
    return RulebookIndex([*kept, *(d.book for d in drafts)])


def impact(
    app: Credence,
    folder: Path | None,
    at: datetime | None = None,
    index: RulebookIndex | None = None,
    engine: Engine | None = None,
) -> dict[str, Any]:
    """Who would change score, grade, lists and access to each service; nothing is changed."""
    at = at or app.clock.now()
    new_index = index or draft_index(app, folder or Path("."))
    now = {r["subject"]: r for r in score_everyone(app, at, engine=engine).to_pylist()}
    draft = {r["subject"]: r for r in score_everyone(app, at, new_index, engine).to_pylist()}
    counts: dict[str, Counter[str]] = {
        k: Counter() for k in ("score", "grade", "lists", "services")
    }
    services: Counter[str] = Counter()
    changed: list[str] = []
    for subject, old in now.items():
        new = draft[subject]
        region, moved = old["region"], False
        for key, name in (
            ("score", "score"),
            ("grade", "grade"),
            ("lists", "lists"),
            ("refused", "services"),
        ):
            if old[key] != new[key]:
                counts[name][region] += 1
                moved = True
        for service in set(old["refused"]) ^ set(new["refused"]):
            services[service] += 1
        if moved:
            changed.append(subject)
    return {
        "as_of": iso(at),
        "subjects": len(now),
        **{f"changed_{name}": sum(c.values()) for name, c in counts.items()},
        "by_region": {f"changed_{name}": dict(c) for name, c in counts.items()},
        "changed_services_by_service": dict(services),
        "sample": _sample(app, changed[:SAMPLE], at, new_index, now, draft),
    }


def _sample(
    app: Credence,
    subjects: list[str],
    at: datetime,
    new_index: RulebookIndex,
    now: dict[str, Any],
    draft: dict[str, Any],
) -> list[dict[str, Any]]:
    """A few changed subjects, with the rules whose effect on them differs."""
    old = {h.subject.id: h for h in histories_of(app, subjects, at)}
    new = {h.subject.id: h for h in histories_of(app, subjects, at, index=new_index)}
    sample = []
    for subject in subjects:
        before = {c.record.key: (c.rule.id, c.points) for c in old[subject].contributions}
        after = {c.record.key: (c.rule.id, c.points) for c in new[subject].contributions}
        rules = sorted(
            {
                pair[0]
                for key in before.keys() | after.keys()
                if before.get(key) != after.get(key)
                for pair in (before.get(key), after.get(key))
                if pair is not None
            }
        )
        sample.append(
            {
                "subject": subject,
                "score": [now[subject]["score"], draft[subject]["score"]],
                "grade": [now[subject]["grade"], draft[subject]["grade"]],
                "rules": rules,
            }
        )
    return sample
