"""Set-based scoring equals the per-subject fold; recompute, check-cache and impact work."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credence.batch.engines import DuckDbEngine
from credence.batch.scorer import BatchResult, Ledger, SetScorer
from credence.domain.decisions import decide, services_of
from credence.domain.history import History
from credence.domain.records import Record, Subject
from credence.domain.rulebook import RulebookIndex
from credence.store import export
from tests.factories import a_book, a_record, a_rule, a_subject, an_index, at
from tests.integration.conftest import EXAMPLES, RULEBOOKS, Cli, write
from tests.unit.test_lists_and_decisions import DEFAULTERS, HONOURS, LOW_SCORE_BAN, RAIL_BAN

START = at("2026-01-01")
TYPES = ["court.judgment_default", "court.judgment_settled", "civic.good_deed"]

rules = st.lists(
    st.builds(
        lambda i, record_type, points, clamp, lasts, cap, when, kinds: a_rule(
            id=f"r{i}",
            record=record_type,
            points=points,
            points_range=clamp,
            lasts=lasts,
            max_per_year=cap,
            when=when,
            applies_to=kinds,
            category="judicial",
            ended_by={"record": "court.judgment_settled", "match": ["case"]} if i % 2 else None,
        ),
        st.integers(0, 9),
        st.sampled_from(TYPES[:1] + TYPES[2:]),
        st.integers(-300, 300) | st.just("-10 * months") | st.just("amount / 100"),
        st.none() | st.just([-50, 50]),
        st.sampled_from(["P1D", "P30D", "P1Y", "P5Y"]),
        st.none() | st.integers(1, 3),
        st.none()
        | st.sampled_from(
            [
                "amount >= 50",
                "kind IN ('a', 'b')",
                "months > 2",
                "amount BETWEEN 10 AND 60 OR kind LIKE 'a%'",
                "flag AND amount >= 10",
            ]
        ),
        st.sampled_from([["person"], ["organisation"], ["person", "organisation"]]),
    ),
    min_size=1,
    max_size=5,
    unique_by=lambda r: r["id"],
)
records = st.lists(
    st.builds(
        lambda i, subject, day, record_type, data: a_record(
            id=f"x{i}",
            subject=f"S{subject}",
            type=record_type,
            occurred_at=(START + timedelta(days=day, hours=i % 24)).isoformat(),
            data=data,
        ),
        st.integers(0, 100_000),
        st.integers(0, 5),
        st.integers(0, 700),
        st.sampled_from(TYPES),
        st.fixed_dictionaries(
            {},
            optional={
                "amount": st.integers(0, 100),
                "months": st.integers(0, 6),
                "kind": st.sampled_from(["a", "b", "c"]),
                "case": st.sampled_from(["C1", "C2"]),
                "flag": st.booleans(),
            },
        ),
    ),
    max_size=30,
    unique_by=lambda r: r.id,
)
SUBJECTS = [a_subject(id=f"S{i}", kind="person" if i % 3 else "organisation") for i in range(6)]


def ledger_of(recs: list[Record], subjects: list[Subject], struct: bool = False) -> Ledger:
    """The ledger as Arrow, with `data` as JSON text or (`struct`) as a columnar export has it."""
    data = [dict(r.data) for r in recs]
    return Ledger(
        subjects=pa.table(
            {
                "id": [s.id for s in subjects],
                "kind": [s.kind for s in subjects],
                "region": [s.region for s in subjects],
            }
        ),
        records=pa.table(
            {
                "source": [r.source for r in recs],
                "id": [r.id for r in recs],
                "subject": [r.subject for r in recs],
                "type": [r.type for r in recs],
                "occurred_at": pa.array(
                    [r.occurred_at.replace(tzinfo=None) for r in recs], type=pa.timestamp("us")
                ),
                "data": pa.array(data) if struct and recs else [json.dumps(d) for d in data],
            }
        ),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(rules, records, st.lists(st.integers(0, 800), min_size=1, max_size=3), st.booleans())
def test_the_set_based_result_equals_the_fold_for_every_subject(
    rule_list: list[dict[str, Any]], recs: list[Record], days: list[int], struct: bool
) -> None:
    index = an_index(
        a_book(rules=rule_list, lists=[DEFAULTERS, HONOURS], measures=[RAIL_BAN, LOW_SCORE_BAN])
    )
    for day in days:
        t = START + timedelta(days=day, hours=7)
        ledger = ledger_of(recs, SUBJECTS, struct)
        result = SetScorer(index, DuckDbEngine(threads=1)).score(ledger, t)
        assert_equals_fold(result, index, recs, t)


def test_a_struct_field_of_another_type_reads_as_json_would() -> None:
    """Text where a number is wanted is NULL; a list is JSON; a field no record has is NULL."""
    index = an_index(
        a_book(
            rules=[
                a_rule(id="r.amount", when="amount >= 50", points=-10),
                a_rule(id="r.tags", when="tags IS NOT NULL", points=-20),
                a_rule(id="r.absent", when="absent = 1", points=-30),
                a_rule(id="r.rest", points=-40),
            ]
        )
    )
    recs = [
        a_record(subject="S1", data={"amount": "70", "tags": None}),
        a_record(subject="S2", data={"amount": None, "tags": [1, 2]}),
        a_record(subject="S4", data={"amount": None, "tags": None}),
    ]
    t = at("2026-06-01")
    ledger = ledger_of(recs, SUBJECTS, struct=True)
    assert str(ledger.records.schema.field("data").type) == (  # type: ignore[union-attr]
        "struct<amount: string, tags: list<item: int64>>"
    )
    result = SetScorer(index, DuckDbEngine(threads=1)).score(ledger, t)
    assert_equals_fold(result, index, recs, t)
    scores = dict(zip(*result.table.select(["subject", "score"]).to_pydict().values(), strict=True))
    assert (scores["S1"], scores["S2"], scores["S4"]) == (960, 980, 960)


def assert_equals_fold(
    result: BatchResult, index: RulebookIndex, recs: list[Record], t: datetime
) -> None:
    """Every subject's score and grade, and refusals of those not folded, as the fold has them."""
    rows = {r["subject"]: r for r in result.table.to_pylist()}
    assert sorted(rows) == sorted(s.id for s in SUBJECTS)
    for subject in SUBJECTS:
        history = History(index, subject, [r for r in recs if r.subject == subject.id], t)
        card = history.card(t)
        row = rows[subject.id]
        # Hypothesis cannot show lambda-built examples: the message carries them.
        assert (row["score"], row["grade"]) == (card.score, card.grade), (subject.id, recs, t)
        if subject.id not in result.to_fold:
            assert not [s for s in card.lists if s.status != "removed"]
            book = history.book_at(t)
            assert book is not None
            refused = sorted(
                s for s in services_of(book, subject.kind) if not decide(history, s, t).allowed
            )
            assert row["refused"] == refused, subject.id


def test_recompute_fills_a_cache_that_check_cache_confirms(examples: Cli, tmp_path: Path) -> None:
    report = examples(
        "recompute", "--out", str(tmp_path / "out"), "--json", now="2026-11-20"
    ).json()
    assert report["subjects"] == 13 and (tmp_path / "out" / "scores.parquet").exists()
    check = examples("check-cache", "--json", now="2026-11-20").json()
    assert check["checked"] == 13 and check["differences"] == []
    card = examples("score", "P-0008", "--json", now="2026-11-20").json()
    import pyarrow.parquet as pq

    row = next(
        r
        for r in pq.read_table(tmp_path / "out" / "scores.parquet").to_pylist()
        if r["subject"] == "P-0008"
    )
    assert (row["score"], row["grade"]) == (card["score"], card["grade"])
    assert row["lists"] == ["judgment-defaulters"]


def test_check_cache_names_a_difference(loaded: Cli, tmp_path: Path, database_url: str) -> None:
    import sqlalchemy as sa

    loaded("register", str(EXAMPLES / "subjects.csv"))
    loaded("recompute", now="2026-11-20")
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE score_cache SET score = 1 WHERE subject = 'P-0001'"))
    engine.dispose()
    result = loaded("check-cache", "--json", now="2026-11-20", code=1).json()
    assert result["differences"] == [
        {"subject": "P-0001", "field": "score", "cache": 1, "fold": 1000}
    ]


def test_impact_of_an_unchanged_rulebook_is_nothing(examples: Cli, tmp_path: Path) -> None:
    result = examples("impact", str(RULEBOOKS), "--json", now="2026-11-20").json()
    assert [
        result[k] for k in ("changed_score", "changed_grade", "changed_lists", "changed_services")
    ] == [0, 0, 0, 0]


def test_impact_of_a_draft_names_who_changes_and_why(examples: Cli, tmp_path: Path) -> None:
    draft = tmp_path / "draft"
    draft.mkdir()
    national = (RULEBOOKS / "national.yaml").read_text()
    write(draft / "national.yaml", national.replace("points: -50", "points: -500", 1))
    result = examples("impact", str(draft), "--json", now="2026-11-20").json()
    assert result["changed_score"] >= 1
    assert result["by_region"]["changed_score"]
    sample = {s["subject"]: s for s in result["sample"]}
    assert "court.judgment_default.small" in sample["P-0008"]["rules"]
    assert sample["P-0008"]["score"] == [950, 500]
    unchanged = examples("score", "P-0008", "--json", now="2026-11-20").json()
    assert unchanged["score"] == 950  # nothing was changed


def test_an_unknown_engine_is_refused_by_name(loaded: Cli) -> None:
    run = loaded("recompute", "--engine", "hadoop", code=1)
    assert "unknown engine 'hadoop'" in run.stderr and "duckdb, spark" in run.stderr


def test_the_ledger_reads_the_same_through_adbc_as_through_sqlalchemy(
    examples: Cli, database_url: str
) -> None:
    engine = sa.create_engine(database_url)
    try:
        fast = export.records_reader(engine).read_all()
        slow = export.records_reader(engine, adbc=False).read_all()
        subjects = export.subjects_table(engine)
    finally:
        engine.dispose()
    assert export.adbc_serves(database_url)
    assert fast.num_rows > 20
    assert fast.schema == slow.schema == export.RECORDS
    order = [("source", "ascending"), ("id", "ascending")]
    assert fast.sort_by(order).equals(slow.sort_by(order))
    assert subjects.schema == export.SUBJECTS
    assert subjects.num_rows == len((EXAMPLES / "subjects.csv").read_text().splitlines()) - 1


def test_a_database_in_memory_is_read_without_adbc() -> None:
    assert not export.adbc_serves("sqlite://")
    assert not export.adbc_serves("sqlite:///:memory:")
    assert export.adbc_serves("postgresql+psycopg://someone@db.example/credence")
