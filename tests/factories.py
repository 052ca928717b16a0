"""Factories for domain objects: each test states only what it cares about."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from credence.domain.records import Record, Subject
from credence.domain.rulebook import Book, RulebookIndex, parse_book
from credence.domain.times import parse_instant

_ids = itertools.count(1)

GRADES = [
    {"grade": "AAA", "min": 1050},
    {"grade": "AA", "min": 1030},
    {"grade": "A", "min": 960},
    {"grade": "B", "min": 850},
    {"grade": "C", "min": 600},
    {"grade": "D", "min": 0},
]


def at(text: str) -> datetime:
    return parse_instant(text)


def a_subject(**overrides: Any) -> Subject:
    values: dict[str, Any] = {"id": "P-1", "kind": "person", "region": "national", "name": "Li Wei"}
    values.update(overrides)
    return Subject(**values)


def a_record(**overrides: Any) -> Record:
    values: dict[str, Any] = {
        "source": "court",
        "id": f"r{next(_ids):05d}",
        "subject": "P-1",
        "type": "court.judgment_default",
        "occurred_at": "2026-03-01",
        "recorded_at": None,
        "data": {},
        "evidence": None,
    }
    values.update(overrides)
    values["occurred_at"] = parse_instant(values["occurred_at"])
    values["recorded_at"] = (
        parse_instant(values["recorded_at"]) if values["recorded_at"] else values["occurred_at"]
    )
    return Record(**values)


def a_rule(**overrides: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": "court.judgment-default",
        "record": "court.judgment_default",
        "applies_to": ["person", "organisation"],
        "points": -100,
        "lasts": "P5Y",
        "category": "judicial",
        "basis": "Civil Procedure Law, art. 262",
    }
    rule.update(overrides)
    return rule


def a_book_document(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "jurisdiction": "national",
        "version": "2026.1",
        "effective_from": "2026-01-01",
        "scale": {"base": 1000, "min": 0, "max": 1500},
        "grades": GRADES,
        "sources": [
            {
                "id": "court",
                "kind": "authority",
                "may_submit": ["court.judgment_default", "court.judgment_settled"],
            },
            {"id": "watch", "kind": "observer", "may_submit": ["civic.good_deed"]},
        ],
        "rules": [a_rule()],
    }
    document.update(overrides)
    return document


def a_book(origin: str = "national.yaml", **overrides: Any) -> Book:
    return parse_book(a_book_document(**overrides), origin)


def an_index(*books: Book) -> RulebookIndex:
    return RulebookIndex(books or (a_book(),))
