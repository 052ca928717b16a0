"""Registering subjects: the people and organisations credence may score."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from credence.domain.errors import InvalidInputError
from credence.domain.records import SUBJECT_KINDS, Subject
from credence.service.ingest import CHUNK, Rejection
from credence.service.rows import Row, chunked, read_rows

if TYPE_CHECKING:
    from credence.service.context import Credence


@dataclass
class RegisterReport:
    """Counts of registered and already-known subjects, and every rejected row."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [r.to_json() for r in self.rejected],
        }


def subject_from(fields: dict[str, Any], known_region: Callable[[str], bool]) -> Subject:
    """Build a subject from one row, or say what is wrong with it."""
    values = {k: str(fields.get(k) or "").strip() for k in ("id", "kind", "region", "name")}
    missing = [k for k, v in values.items() if not v]
    if missing:
        raise InvalidInputError(f"missing {', '.join(missing)}")
    if values["kind"] not in SUBJECT_KINDS:
        raise InvalidInputError(f"kind {values['kind']!r} is not one of person, organisation")
    if not known_region(values["region"]):
        raise InvalidInputError(f"region {values['region']!r} has no rulebook")
    return Subject(values["id"], values["kind"], values["region"], values["name"])


def register_subjects(
    app: Credence, path: Path, progress: Callable[[int], None] | None = None
) -> RegisterReport:
    """Add the subjects in `path` (CSV, JSONL or Parquet: id, kind, region, name)."""
    report = RegisterReport()
    for rows in chunked(read_rows(path), CHUNK):
        _register(app, rows, report)
        if progress is not None:
            progress(len(rows))
    report.rejected.sort(key=lambda r: r.line)
    return report


def register_subject_rows(app: Credence, rows: list[dict[str, Any]]) -> RegisterReport:
    """Add subjects given as objects (the API's path), numbered from 1."""
    report = RegisterReport()
    _register(app, [Row(n, fields) for n, fields in enumerate(rows, start=1)], report)
    report.rejected.sort(key=lambda r: r.line)
    return report


def _register(app: Credence, rows: list[Row], report: RegisterReport) -> None:
    index = app.index()
    subjects: dict[str, Subject] = {}
    lines: dict[str, int] = {}
    for row in rows:
        try:
            if row.error is not None:
                raise InvalidInputError(f"row {row.error}")
            subject = subject_from(row.fields, index.knows)
            _check_repeat(subjects.get(subject.id), subject, lines.get(subject.id))
        except InvalidInputError as exc:
            report.rejected.append(Rejection(row.line, row.fields.get("id"), exc.message))
            continue
        if subject.id in subjects:
            report.duplicates += 1
            continue
        subjects[subject.id] = subject
        lines[subject.id] = row.line
    outcome = app.store.add_subjects(list(subjects.values()))
    report.accepted += outcome.accepted
    report.duplicates += outcome.duplicates
    report.rejected += [Rejection(lines[i], i, why) for i, why in outcome.conflicts]


def _check_repeat(earlier: Subject | None, subject: Subject, line: int | None) -> None:
    if earlier is not None and earlier != subject:
        raise InvalidInputError(
            f"subject {subject.id} appears on line {line} with other details", subject=subject.id
        )
