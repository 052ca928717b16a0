"""Impact analysis: what a draft rulebook would change, before anyone is subjected to it."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

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
    now = score_everyone(app, at, engine=engine)
    draft = score_everyone(app, at, new_index, engine)  # the same subjects, in the same order
    moved = {name: _differs(now, draft, key) for key, name in COMPARED}
    anything = pc.or_(
        pc.or_(moved["score"], moved["grade"]), pc.or_(moved["lists"], moved["services"])
    )
    # Only those who moved are looked at one by one: usually a small part of everyone.
    before = now.filter(anything).to_pylist()
    after = {r["subject"]: r for r in draft.filter(anything).to_pylist()}
    services: Counter[str] = Counter(
        service
        for old in before
        for service in set(old["refused"]) ^ set(after[old["subject"]]["refused"])
    )
    by_region = {
        f"changed_{name}": dict(
            Counter(now.filter(mask).column("region").to_pylist()).most_common()
        )
        for name, mask in moved.items()
    }
    sample = [r["subject"] for r in before[:SAMPLE]]
    return {
        "as_of": iso(at),
        "subjects": now.num_rows,
        **{f"changed_{name}": pc.sum(mask).as_py() or 0 for name, mask in moved.items()},
        "by_region": by_region,
        "changed_services_by_service": dict(services),
        "sample": _sample(
            app,
            sample,
            at,
            new_index,
            {r["subject"]: r for r in before},
            after,
        ),
    }


COMPARED = (("score", "score"), ("grade", "grade"), ("lists", "lists"), ("refused", "services"))


def _differs(now: pa.Table, draft: pa.Table, column: str) -> pa.ChunkedArray:
    """Row by row, whether `column` differs between the two results (NULLs compare equal)."""
    old, new = now.column(column), draft.column(column)
    if pa.types.is_list(old.type):  # lists compare as their joined text
        old, new = pc.binary_join(old, "\x1f"), pc.binary_join(new, "\x1f")
    same = pc.equal(old, new)
    both_null = pc.and_(pc.is_null(old), pc.is_null(new))
    return pc.invert(pc.or_(pc.fill_null(same, False), both_null))


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
