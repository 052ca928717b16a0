"""Each sentence of DESIGN.md's scoring semantics, boundaries included."""

from datetime import timedelta

import pytest

from credence.domain.errors import InvalidInputError, NotFoundError
from credence.domain.rulebook import RulebookIndex
from credence.domain.scoring import Standing, match_record, score
from tests.factories import a_book, a_record, a_rule, a_subject, an_index, at

PERSON = a_subject()


def index_with(*rules: dict[str, object], **book: object) -> RulebookIndex:
    return an_index(a_book(rules=list(rules), **book))


def test_everyone_starts_at_the_base() -> None:
    card = score(an_index(), PERSON, [], at("2026-06-01"))
    assert (card.score, card.grade, card.rulebook) == (1000, "A", "national@2026.1")


def test_a_penalty_counts_from_the_instant_it_occurred() -> None:
    record = a_record(occurred_at="2026-03-01T10:00:00")
    index = an_index()
    assert score(index, PERSON, [record], at("2026-03-01T09:59:59")).score == 1000
    assert score(index, PERSON, [record], at("2026-03-01T10:00:00")).score == 900


def test_a_penalty_stops_counting_the_instant_it_expires() -> None:
    record = a_record(occurred_at="2026-03-01")
    index = index_with(a_rule(lasts="P1Y"))
    expiry = at("2027-03-01")
    assert score(index, PERSON, [record], expiry - timedelta(seconds=1)).score == 900
    card = score(index, PERSON, [record], expiry)
    assert card.score == 1000
    assert card.contributions[0].status_at(expiry) == "expired"


def test_a_leap_day_penalty_lasting_a_year_ends_on_the_28th() -> None:
    record = a_record(occurred_at="2028-02-29")
    card = score(index_with(a_rule(lasts="P1Y")), PERSON, [record], at("2028-03-01"))
    assert card.contributions[0].until == at("2029-02-28")


def test_the_first_matching_rule_scores_and_only_one() -> None:
    index = index_with(
        a_rule(id="big", when="amount >= 10000", points=-100),
        a_rule(id="small", points=-30),
    )
    big = a_record(data={"amount": 20000})
    small = a_record(data={"amount": 500})
    unknown = a_record(data={})
    card = score(index, PERSON, [big, small, unknown], at("2026-06-01"))
    assert [c.rule.id for c in card.contributions] == ["big", "small", "small"]
    assert card.score == 1000 - 100 - 30 - 30


def test_rules_apply_only_to_their_subject_kinds() -> None:
    index = index_with(a_rule(id="org-only", applies_to=["organisation"]))
    card = score(index, PERSON, [a_record()], at("2026-06-01"))
    assert card.score == 1000
    assert card.unscored[0].reason == "no rule of national@2026.1 scores court.judgment_default"


def test_a_record_is_scored_by_the_version_in_force_when_it_occurred() -> None:
    old = a_book(rules=[a_rule(points=-100)])
    new = a_book(version="2026.2", effective_from="2026-07-01", rules=[a_rule(points=-50)])
    index = RulebookIndex([old, new])
    before = a_record(occurred_at="2026-06-30T23:59:59")
    first_day = a_record(occurred_at="2026-07-01")
    card = score(index, PERSON, [before, first_day], at("2026-08-01"))
    assert [c.points for c in card.contributions] == [-100, -50]
    assert [c.rule.book for c in card.contributions] == ["national@2026.1", "national@2026.2"]


def test_records_before_any_book_are_unscored_not_retroactively_scored() -> None:
    card = score(an_index(), PERSON, [a_record(occurred_at="2025-06-01")], at("2026-06-01"))
    assert card.contributions == ()
    assert "no rulebook governs" in card.unscored[0].reason


def test_points_expressions_are_rounded_and_clamped() -> None:
    index = index_with(
        a_rule(points="-10 * months_overdue", points_range=[-60, -10], record="tax.arrears")
    )

    def points(months: float) -> int:
        record = a_record(type="tax.arrears", data={"months_overdue": months})
        return score(index, PERSON, [record], at("2026-06-01")).contributions[0].points

    assert points(3) == -30
    assert points(2.45) == -25  # -24.5 rounds away from zero
    assert points(9) == -60
    assert points(0.2) == -10


def test_a_record_lacking_a_field_the_points_need_is_refused_naming_the_field() -> None:
    book = index_with(a_rule(points="-10 * months_overdue")).resolve("national", at("2026-06-01"))
    assert book is not None
    with pytest.raises(InvalidInputError, match="lacks field 'months_overdue'"):
        match_record(book, "person", a_record())


def test_max_per_year_counts_only_the_first_n_in_a_calendar_year() -> None:
    index = index_with(a_rule(points=-5, lasts="P2Y", max_per_year=3))
    records = [a_record(id=f"t{i}", occurred_at=f"2026-0{i}-01") for i in range(1, 6)]
    records.append(a_record(id="t9", occurred_at="2027-01-01"))
    card = score(index, PERSON, list(reversed(records)), at("2027-06-01"))
    statuses = [c.status_at(at("2027-06-01")) for c in card.contributions]
    assert statuses == ["counting", "counting", "counting", "capped", "capped", "counting"]
    assert card.score == 1000 - 20


def test_max_per_year_breaks_ties_on_the_same_instant_by_id() -> None:
    index = index_with(a_rule(points=-5, max_per_year=1))
    first, second = a_record(id="b"), a_record(id="a")
    card = score(index, PERSON, [first, second], at("2026-06-01"))
    counting = [c.record.id for c in card.contributions if not c.capped]
    assert counting == ["a"]


def test_the_score_is_clamped_at_both_ends() -> None:
    low = index_with(a_rule(points=-400))
    records = [a_record() for _ in range(3)]
    assert score(low, PERSON, records, at("2026-06-01")).score == 0
    high = index_with(a_rule(points=400, category="honours"))
    card = score(high, PERSON, records, at("2026-06-01"))
    assert (card.score, card.grade) == (1500, "AAA")


@pytest.mark.parametrize(
    ("points", "grade"),
    [
        (50, "AAA"),
        (49, "AA"),
        (30, "AA"),
        (29, "A"),
        (-40, "A"),
        (-41, "B"),
        (-400, "C"),
        (-401, "D"),
    ],
)
def test_grades_have_floors(points: int, grade: str) -> None:
    index = index_with(a_rule(points=points, category="honours"))
    assert score(index, PERSON, [a_record()], at("2026-06-01")).grade == grade


def test_records_that_occurred_after_the_instant_asked_do_not_count() -> None:
    record = a_record(occurred_at="2026-05-01")
    card = score(an_index(), PERSON, [record], at("2026-04-30"))
    assert card.score == 1000 and card.contributions == ()


def test_a_retracted_record_never_counted_and_takes_no_slot() -> None:
    index = index_with(a_rule(points=-5, max_per_year=1))
    retracted, later = a_record(occurred_at="2026-02-01"), a_record(occurred_at="2026-03-01")
    standings = {retracted.key: Standing(excluded="retracted")}
    card = score(index, PERSON, [retracted, later], at("2026-06-01"), standings)
    assert card.score == 995
    assert [c.status_at(at("2026-06-01")) for c in card.contributions] == [
        "retracted",
        "counting",
    ]


def test_a_suspended_record_stops_counting_while_suspended() -> None:
    record = a_record(occurred_at="2026-02-01")
    standing = Standing(suspended=((at("2026-03-01"), at("2026-04-01")),))
    index = an_index()
    for instant, expected in (("2026-02-15", 900), ("2026-03-15", 1000), ("2026-04-01", 900)):
        card = score(index, PERSON, [record], at(instant), {record.key: standing})
        assert card.score == expected, instant


def test_a_settlement_ends_a_default_early_from_its_date() -> None:
    index = index_with(a_rule(ended_by={"record": "court.judgment_settled", "match": ["case"]}))
    default = a_record(data={"case": "C-1"}, occurred_at="2026-03-01")
    other_case = a_record(
        type="court.judgment_settled", data={"case": "C-2"}, occurred_at="2026-04-01"
    )
    settled = a_record(
        type="court.judgment_settled", data={"case": "C-1"}, occurred_at="2026-08-01"
    )
    records = [default, other_case, settled]
    assert score(index, PERSON, records, at("2026-07-31")).score == 900
    card = score(index, PERSON, records, at("2026-08-01"))
    assert card.score == 1000
    contribution = card.contributions[0]
    assert contribution.until == at("2026-08-01")
    assert contribution.ended_by == settled.key
    assert contribution.status_at(at("2026-08-01")) == "ended"


def test_no_book_in_force_for_the_score_is_not_found() -> None:
    with pytest.raises(NotFoundError, match="no rulebook governs region 'national'"):
        score(an_index(), PERSON, [], at("2025-01-01"))


def test_every_contribution_is_explained() -> None:
    card = score(an_index(), PERSON, [a_record(id="2024-118")], at("2026-06-01"))
    explained = card.to_json()["contributions"][0]  # type: ignore[index]
    assert explained == {
        "record": "court:2024-118",
        "type": "court.judgment_default",
        "rule": "court.judgment-default",
        "rulebook": "national@2026.1",
        "points": -100,
        "occurred_at": "2026-03-01T00:00:00Z",
        "until": "2031-03-01T00:00:00Z",
        "ended_by": None,
        "basis": "Civil Procedure Law, art. 262",
        "category": "judicial",
        "status": "counting",
    }
