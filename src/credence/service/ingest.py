"""Ingest: append records to the ledger, reporting every row's fate.

Rows are read in chunks; each chunk is validated, matched against the rulebook in force
when its record occurred, and appended in one transaction. An interrupted ingest leaves
whole chunks behind, and running it again is safe: records already held count as
duplicates. Rejected rows are written beside the input with their reasons.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from credence.domain.errors import ConflictError, CredenceError, InvalidInputError
from credence.domain.records import Record, Subject
from credence.domain.scoring import match_record
from credence.domain.times import parse_instant
from credence.service.notices import sync_notices
from credence.service.rows import Row, chunked, read_rows, typed
from credence.store import AppendOutcome

if TYPE_CHECKING:
    from credence.service.context import Credence

CHUNK = 10_000
RECORD_KEYS = ("source", "id", "subject", "type", "occurred_at")
NOT_DATA = frozenset({*RECORD_KEYS, "evidence", "data"})


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row the ledger refused, and why."""

    line: int
    id: str | None
    reason: str

    def to_json(self) -> dict[str, object]:
        return {"line": self.line, "id": self.id, "reason": self.reason}


@dataclass
class IngestReport:
    """Counts of every outcome, and each rejection with its line and reason."""

    accepted: int = 0
    duplicates: int = 0
    unscored: int = 0
    pending_review: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    rejected_file: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "unscored": self.unscored,
            "pending_review": self.pending_review,
            "rejected": [r.to_json() for r in self.rejected],
            "rejected_file": self.rejected_file,
        }


def record_from(fields: dict[str, Any], recorded_at: datetime) -> Record:
    """Build a record from one input row, or say what is wrong with it."""
    missing = [k for k in RECORD_KEYS if fields.get(k) in (None, "")]
    if missing:
        raise InvalidInputError(f"missing {', '.join(missing)}", fields=missing)
    if "recorded_at" in fields:
        raise InvalidInputError("recorded_at is stamped by the ledger, not by the source")
    try:
        occurred_at = parse_instant(fields["occurred_at"])
    except InvalidInputError:
        raise InvalidInputError(
            f"occurred_at {fields['occurred_at']!r} is not an ISO 8601 date or date-time"
        ) from None
    if occurred_at > recorded_at:
        raise InvalidInputError(
            f"occurred_at {fields['occurred_at']} is later than the time it is recorded"
        )
    evidence = fields.get("evidence")
    return Record(
        source=str(fields["source"]).strip(),
        id=str(fields["id"]).strip(),
        subject=str(fields["subject"]).strip(),
        type=str(fields["type"]).strip(),
        occurred_at=occurred_at,
        recorded_at=recorded_at,
        data=_data_of(fields),
        evidence=str(evidence) if evidence not in (None, "") else None,
    )


def _data_of(fields: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    given = fields.get("data")
    if isinstance(given, str) and given.strip():
        try:
            given = json.loads(given)
        except json.JSONDecodeError:
            raise InvalidInputError("data is not a JSON object") from None
    if isinstance(given, dict):
        data.update({k: v for k, v in given.items() if v is not None})
    elif given not in (None, ""):
        raise InvalidInputError("data must be an object of fields")
    for key, value in fields.items():
        if key in NOT_DATA or value is None:
            continue
        if isinstance(value, str):
            if value == "":
                continue
            value = typed(value)
        data[key] = value
    return data


class _Chunk:
    """One chunk's validation: the records that passed, and each row's line."""

    def __init__(self, app: Credence, subjects: dict[str, Subject]) -> None:
        self.app, self.subjects = app, subjects
        self.records: list[Record] = []
        # By identity: a key repeated in the chunk is two rows, each with its own line.
        self.lines: dict[int, int] = {}
        self.unscored: set[str] = set()
        self.pending: set[str] = set()

    def check(self, row: Row, record: Record) -> None:
        subject = self.subjects.get(record.subject)
        if subject is None:
            raise InvalidInputError(f"unknown subject {record.subject!r}")
        index = self.app.index()
        governing = index.resolve(subject.region, record.occurred_at)
        book = governing or index.latest(subject.region)
        if book is None:
            raise InvalidInputError(f"no rulebook governs region {subject.region!r}")
        source = book.sources.get(record.source)
        if source is None:
            raise InvalidInputError(f"unknown source {record.source!r} in {book.name}")
        if record.type not in source.may_submit:
            raise InvalidInputError(
                f"source {record.source!r} may not submit {record.type!r} under {book.name}"
            )
        if governing is None or match_record(governing, subject.kind, record) is None:
            self.unscored.add(record.key)
        if source.kind == "observer":
            self.pending.add(record.key)
        self.records.append(record)
        self.lines[id(record)] = row.line


def ingest_records(
    app: Credence,
    path: Path,
    progress: Callable[[int], None] | None = None,
    *,
    notify: bool = True,
) -> IngestReport:
    """Append the records in `path`; every row is accepted, a duplicate, or rejected.

    With `notify`, the notices the new records cause are in the outbox when this returns;
    without it (bulk loads), the next `tick` writes them.
    """
    report = IngestReport()
    rejected_path = path.with_name(path.name + ".rejected.jsonl")
    subjects: dict[str, Subject] = {}
    with _RejectedRows(rejected_path) as sink:
        for chunk in chunked(read_rows(path), CHUNK):
            accepted = _ingest_chunk(app, chunk, subjects, report, sink)
            if notify and accepted:
                sync_notices(app, {r.subject for r in accepted})
            if progress is not None:
                progress(len(chunk))
    report.rejected_file = str(rejected_path) if report.rejected else None
    return report


def _ingest_chunk(
    app: Credence,
    rows: list[Row],
    subjects: dict[str, Subject],
    report: IngestReport,
    sink: _RejectedRows | _NoSink,
) -> list[Record]:
    wanted = {str(r.fields.get("subject", "")).strip() for r in rows} - subjects.keys()
    subjects.update(app.store.subjects_by_id(wanted))
    chunk = _Chunk(app, subjects)
    recorded_at = app.clock.now()
    raw: dict[int, Row] = {}
    for row in rows:
        try:
            if row.error is not None:
                raise InvalidInputError(f"row {row.error}")
            chunk.check(row, record_from(row.fields, recorded_at))
            raw[row.line] = row
        except CredenceError as exc:
            _reject(report, sink, row, exc.message)
    outcome = _append(app, chunk.records)
    report.accepted += len(outcome.accepted)
    report.duplicates += len(outcome.duplicates)
    report.unscored += sum(r.key in chunk.unscored for r in outcome.accepted)
    report.pending_review += sum(r.key in chunk.pending for r in outcome.accepted)
    for record, reason in outcome.conflicts:
        _reject(report, sink, raw[chunk.lines[id(record)]], reason)
    return outcome.accepted


def _append(app: Credence, records: list[Record]) -> AppendOutcome:
    try:
        return app.store.append_records(records)
    except ConflictError:
        # Another writer stored some of these keys between our check and our insert;
        # trying again sees them, as duplicates or conflicts.
        return app.store.append_records(records)


def _reject(report: IngestReport, sink: _RejectedRows | _NoSink, row: Row, reason: str) -> None:
    record_id = row.fields.get("id")
    rejection = Rejection(row.line, str(record_id) if record_id not in (None, "") else None, reason)
    report.rejected.append(rejection)
    sink.write(rejection, row)


class _RejectedRows:
    """Rejected rows, with their reasons, written beside the input as they are found."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: Any = None

    def __enter__(self) -> _RejectedRows:
        self.path.unlink(missing_ok=True)
        return self

    def write(self, rejection: Rejection, row: Row) -> None:
        if self.handle is None:
            self.handle = self.path.open("w", encoding="utf-8")
        entry = {**rejection.to_json(), "row": row.fields}
        self.handle.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()


def submit_records(
    app: Credence, rows: list[dict[str, Any]], *, only_source: str | None = None
) -> IngestReport:
    """Append records given as objects (the API's path); the same checks and report as files.

    Rows are numbered from 1 in `line`. With `only_source`, rows from another source are
    rejected: a source's key submits for that source alone. Notices are written at once.
    """
    report = IngestReport()
    subjects: dict[str, Subject] = {}
    allowed: list[Row] = []
    for line, fields in enumerate(rows, start=1):
        row = Row(line, dict(fields))
        if only_source is not None and fields.get("source") != only_source:
            report.rejected.append(
                Rejection(line, fields.get("id"), f"this key submits for {only_source} only")
            )
        else:
            allowed.append(row)
    accepted = _ingest_chunk(app, allowed, subjects, report, _NoSink())
    if accepted:
        sync_notices(app, {r.subject for r in accepted})
    report.rejected.sort(key=lambda r: r.line)
    return report


class _NoSink:
    """Rejected rows of a request are returned to the caller, not written to a file."""

    def write(self, rejection: Rejection, row: Row) -> None:
        pass
