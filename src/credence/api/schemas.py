"""Request bodies: unknown fields are refused, and every error names its field."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Strict = ConfigDict(extra="forbid")


class SubjectIn(BaseModel):
    """A person or organisation to register."""

    model_config = Strict
    id: str = Field(min_length=1, max_length=64)
    kind: Literal["person", "organisation"]
    region: str = Field(min_length=1)
    name: str = Field(min_length=1)


class RecordIn(BaseModel):
    """A record as a source submits it; `recorded_at` is stamped by the ledger."""

    model_config = Strict
    source: str = Field(min_length=1)
    id: str = Field(min_length=1, max_length=128)
    subject: str = Field(min_length=1)
    type: str = Field(min_length=1)
    occurred_at: str = Field(description="ISO 8601 date or date-time (UTC without a zone)")
    data: dict[str, Any] = Field(default_factory=dict)
    evidence: str | None = None


class RecordsIn(BaseModel):
    """One or many records."""

    model_config = Strict
    records: list[RecordIn] = Field(min_length=1, max_length=10_000)


class ReviewIn(BaseModel):
    """A reviewer's verdict on an observer record."""

    model_config = Strict
    accept: bool
    reason: str | None = None


class AppealIn(BaseModel):
    """A subject's appeal against one record (SOURCE:ID) or one listing."""

    model_config = Strict
    subject: str
    record: str | None = None
    list: str | None = None
    reason: str = Field(min_length=1)


class AppealDecisionIn(BaseModel):
    """A reviewer's decision on an appeal."""

    model_config = Strict
    outcome: Literal["upheld", "overturned"]
    reason: str = Field(min_length=1)


class RulebookIn(BaseModel):
    """A rulebook version to publish: its YAML text, checked before anything is stored."""

    model_config = Strict
    text: str = Field(min_length=1)
    name: str = Field(default="rulebook.yaml", description="a file name for messages")


class KeyIn(BaseModel):
    """An API key to create."""

    model_config = Strict
    role: Literal["admin", "source", "reviewer", "provider", "subject"]
    name: str = Field(min_length=1)
    source: str | None = None
    subject: str | None = None
    services: list[str] | None = None


class WebhookIn(BaseModel):
    """Where to push notices: one subject's, or one service's decision changes."""

    model_config = Strict
    url: str = Field(min_length=8)
    subject: str | None = None
    service: str | None = None


class ErrorDetail(BaseModel):
    """What went wrong: a stable code, a sentence, and structured details."""

    code: str
    message: str
    details: dict[str, Any]


class ErrorOut(BaseModel):
    """The one shape of every failure."""

    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in (
        (400, "malformed body"),
        (401, "no valid bearer token"),
        (403, "outside the key's rights"),
        (404, "no such subject, record, list, appeal or service"),
        (409, "contradicts what the ledger holds"),
        (413, "body too large"),
        (422, "invalid input; the message names the field"),
        (429, "over the key's rate limit"),
    )
}
