"""Subjects and records: the immutable facts everything else is derived from."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from credence.domain.errors import InvalidInputError
from credence.domain.times import iso

SubjectKind = Literal["person", "organisation"]
SUBJECT_KINDS: tuple[SubjectKind, ...] = ("person", "organisation")


@dataclass(frozen=True, slots=True)
class Subject:
    """A person or an organisation, scored under the books of its region."""

    id: str
    kind: SubjectKind
    region: str
    name: str


@dataclass(frozen=True, slots=True)
class Record:
    """A fact submitted by an accountable source about one subject. Never changed."""

    source: str
    id: str
    subject: str
    type: str
    occurred_at: datetime
    recorded_at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)
    evidence: str | None = None

    @property
    def key(self) -> str:
        """The record's name everywhere: `SOURCE:ID`."""
        return f"{self.source}:{self.id}"

    @property
    def order(self) -> tuple[datetime, str, str]:
        """Sort key used wherever 'first' matters: (occurred_at, id), source to break ties."""
        return (self.occurred_at, self.id, self.source)


def split_key(key: str) -> tuple[str, str]:
    """Split `SOURCE:ID` into its parts."""
    source, sep, record_id = key.partition(":")
    if not sep or not source or not record_id:
        raise InvalidInputError(f"a record is named SOURCE:ID, not {key!r}", value=key)
    return source, record_id


def content_of(record: Record) -> dict[str, Any]:
    """What the source asserted: the part that decides whether a resubmission is a duplicate."""
    return {
        "source": record.source,
        "id": record.id,
        "subject": record.subject,
        "type": record.type,
        "occurred_at": iso(record.occurred_at),
        "data": dict(record.data),
        "evidence": record.evidence,
    }


# One encoder for every call: building one per call costs as much as the encoding.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical(value: Mapping[str, Any]) -> str:
    """Serialise deterministically: sorted keys, no spaces, UTF-8 kept."""
    return _ENCODER.encode(value)


def content_hash(record: Record) -> str:
    """A digest of what the source asserted, independent of when the ledger accepted it."""
    return hashlib.sha256(canonical(content_of(record)).encode()).hexdigest()


def chain_hash(previous: str, content_digest: str, recorded_at: datetime, seq: int) -> str:
    """The ledger entry's hash: it binds the entry to its predecessor in the chain."""
    text = f"{previous}|{seq}|{iso(recorded_at)}|{content_digest}"
    return hashlib.sha256(text.encode()).hexdigest()
