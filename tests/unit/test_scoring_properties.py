"""What must always hold, whatever the records and rules."""

from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from credence.domain.records import Record
from credence.domain.scoring import Standing, score
from tests.factories import a_book, a_record, a_rule, a_subject, an_index, at

PERSON = a_subject()
START = at("2026-01-01")
TYPES = ["court.judgment_default", "court.judgment_settled"]

rules = st.lists(
    st.builds(
        lambda i, points, lasts, cap, threshold: a_rule(
            id=f"r{i}",
            record=TYPES[i % 2],
            points=points,
            lasts=lasts,
            max_per_year=cap,
            when=None if threshold is None else f"amount >= {threshold}",
            category="judicial",
        ),
        st.integers(0, 5),
        st.integers(-600, 600),
        st.sampled_from(["P1D", "P30D", "P1Y", "P5Y"]),
        st.none() | st.integers(1, 3),
        st.none() | st.integers(0, 100),
    ),
    min_size=1,
    max_size=4,
    unique_by=lambda r: r["id"],
)

records = st.lists(
    st.builds(
        lambda i, day, type_, amount: a_record(
            id=f"x{i}",
            type=type_,
            occurred_at=(START + timedelta(days=day)).isoformat(),
            data={} if amount is None else {"amount": amount},
        ),
        st.integers(0, 10_000),
        st.integers(0, 800),
        st.sampled_from(TYPES),
        st.none() | st.integers(0, 100),
    ),
    max_size=25,
    unique_by=lambda r: r.id,
)
instants = st.integers(0, 900).map(lambda d: START + timedelta(days=d))


@settings(max_examples=150, deadline=None)
@given(rules, records, instants)
def test_the_score_stays_in_range(
    rule_list: list[dict[str, Any]], recs: list[Record], when: Any
) -> None:
    card = score(an_index(a_book(rules=rule_list)), PERSON, recs, when)
    assert 0 <= card.score <= 1500


@settings(max_examples=150, deadline=None)
@given(rules, records, instants, st.randoms(use_true_random=False))
def test_the_order_records_arrive_in_never_changes_a_score(
    rule_list: list[dict[str, Any]], recs: list[Record], when: Any, rng: Any
) -> None:
    index = an_index(a_book(rules=rule_list))
    shuffled = list(recs)
    rng.shuffle(shuffled)
    assert score(index, PERSON, recs, when) == score(index, PERSON, shuffled, when)


@settings(max_examples=150, deadline=None)
@given(rules, records, instants, st.data())
def test_a_retracted_record_is_as_if_never_ingested(
    rule_list: list[dict[str, Any]], recs: list[Record], when: Any, data: st.DataObject
) -> None:
    if not recs:
        return
    retracted = data.draw(st.sampled_from(recs))
    index = an_index(a_book(rules=rule_list))
    standings = {retracted.key: Standing(excluded="retracted")}
    with_retraction = score(index, PERSON, recs, when, standings)
    without = score(index, PERSON, [r for r in recs if r is not retracted], when)
    assert with_retraction.score == without.score
    assert [c for c in with_retraction.contributions if c.record is not retracted] == list(
        without.contributions
    )
