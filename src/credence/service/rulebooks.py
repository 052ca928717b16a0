"""Reading, checking and activating rulebooks."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from credence.domain.checker import Problem, check_books
from credence.domain.errors import RulebookError
from credence.domain.rulebook import Book, parse_book
from credence.store import StoredBook

if TYPE_CHECKING:
    from credence.service.context import Credence


@dataclass(frozen=True, slots=True)
class BookFile:
    """A rulebook's published text and what it compiles to."""

    origin: str
    text: str
    book: Book

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def parse_text(text: str, origin: str) -> Book:
    """Decode a rulebook's YAML and compile it; errors name the file."""
    try:
        document: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RulebookError(f"{origin}: broken YAML{where}: {problem}", file=origin) from None
    if not isinstance(document, dict):
        raise RulebookError(f"{origin}: a rulebook is a YAML mapping", file=origin)
    return parse_book(document, origin)


def rulebook_files(paths: Iterable[Path]) -> list[Path]:
    """The YAML files named, folders expanded, in a stable order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
        elif path.exists():
            files.append(path)
        else:
            raise RulebookError(f"{path}: no such file or folder", file=str(path))
    return files


def read_books(paths: Iterable[Path]) -> tuple[list[BookFile], list[Problem]]:
    """Parse every book under `paths`, collecting each file's problem instead of stopping."""
    found: list[BookFile] = []
    problems: list[Problem] = []
    for path in rulebook_files(paths):
        text = path.read_text(encoding="utf-8")
        try:
            found.append(BookFile(str(path), text, parse_text(text, str(path))))
        except RulebookError as exc:
            problems.append(Problem(str(path), "book", exc.message.removeprefix(f"{path}: ")))
    return found, problems


def check_paths(paths: Sequence[Path], context: Sequence[Path] = ()) -> list[Problem]:
    """Problems in the books under `paths`; books under `context` may serve as their parents."""
    books, problems = read_books(paths)
    given = {b.origin for b in books}
    parents, _ = read_books([p for p in context if p.exists()])
    published = [b.book for b in parents if b.origin not in given]
    return problems + check_books([b.book for b in books], published)


@dataclass(frozen=True, slots=True)
class LoadOutcome:
    """What `load` activated and what it already had."""

    added: list[str]
    unchanged: list[str]


def load_rulebooks(app: Credence, folder: Path) -> LoadOutcome:
    """Check every book in `folder` against what is published, then activate all or none."""
    books, problems = read_books([folder])
    published = app.index().books
    problems += check_books([b.book for b in books], published)
    if problems:
        raise RulebookError(
            f"{len(problems)} problem(s); nothing was loaded",
            problems=[str(p) for p in problems],
        )
    added = app.store.add_rulebook_versions([_stored(app, b) for b in books])
    app.forget_rulebooks()
    unchanged = [b.book.name for b in books if b.book.name not in added]
    return LoadOutcome(added=added, unchanged=unchanged)


def publish_rulebook(app: Credence, text: str, origin: str) -> LoadOutcome:
    """Check one book's text against what is published, then publish it; nothing if refused."""
    book = BookFile(origin, text, parse_text(text, origin))
    problems = check_books([book.book], app.index().books)
    if problems:
        raise RulebookError(
            f"{len(problems)} problem(s); nothing was published: {problems[0]}",
            problems=[str(p) for p in problems],
        )
    added = app.store.add_rulebook_versions([_stored(app, book)])
    app.forget_rulebooks()
    return LoadOutcome(added=added, unchanged=[] if added else [book.book.name])


def published_books(app: Credence) -> list[dict[str, object]]:
    """Every published version: jurisdiction, version, dates, the text and its hash."""
    return [
        {
            "jurisdiction": v.jurisdiction,
            "version": v.version,
            "effective_from": v.effective_from.isoformat(),
            "hash": v.hash,
            "text": v.text,
        }
        for v in app.store.rulebook_versions()
    ]


def _stored(app: Credence, b: BookFile) -> StoredBook:
    return StoredBook(
        jurisdiction=b.book.jurisdiction,
        version=b.book.spec.version,
        effective_from=b.book.spec.effective_from,
        origin=Path(b.origin).name,
        text=b.text,
        hash=b.digest,
        loaded_at=app.clock.now(),
    )
