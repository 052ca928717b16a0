"""Lists, measures and decisions as pure functions of records, appeals, books and time."""

from datetime import timedelta
from typing import Any

from credence.domain.appeals import Appeal
from credence.domain.decisions import decide
from credence.domain.history import History
from credence.domain.notices import notice_events
from credence.domain.records import Record
from credence.domain.rulebook import RulebookIndex
from credence.domain.scoring import Standing
from tests.factories import a_book, a_record, a_rule, a_subject, an_index, at

PERSON = a_subject()
DEFAULTERS = {
    "id": "defaulters",
    "kind": "black",
    "applies_to": ["person", "organisation"],
    "when": "active('court.judgment_default') > 0",
    "notice": "P10D",
    "publish": True,
    "basis": "SPC Provisions on the List of Dishonest Judgment Debtors (2017), art. 1",
}
HONOURS = {
    "id": "honours",
    "kind": "red",
    "applies_to": ["person"],
    "when": "score >= 1050",
    "basis": "Civic Honours Measures, art. 3",
}
RAIL_BAN = {
    "id": "rail-ban",
    "kind": "restriction",
    "service": "rail.high-speed",
    "applies_to": ["person"],
    "when": "on_list('defaulters')",
    "basis": "SPC Provisions on Restricting High Consumption (2015), art. 3",
}
LOW_SCORE_BAN = {
    "id": "hotel-ban",
    "kind": "restriction",
    "service": "hotel.star-rated",
    "applies_to": ["person"],
    "when": "score < 950",
    "basis": "b",
}
DEPOSIT_FREE = {
    "id": "deposit-free",
    "kind": "privilege",
    "service": "rental.deposit-free",
    "applies_to": ["person"],
    "when": "grade >= 'AA'",
    "basis": "b",
}


def an_index_with_lists(**overrides: Any) -> RulebookIndex:
    book = {
        "rules": [
            a_rule(ended_by={"record": "court.judgment_settled", "match": ["case"]}),
            a_rule(
                id="good",
                record="civic.good_deed",
                points=60,
                lasts="P1Y",
                category="civic-contribution",
            ),
        ],
        "lists": [DEFAULTERS, HONOURS],
        "measures": [RAIL_BAN, LOW_SCORE_BAN, DEPOSIT_FREE],
    }
    book.update(overrides)
    return an_index(a_book(**book))


def history(records: list[Record], horizon: str = "2030-01-01", **kw: Any) -> History:
    return History(an_index_with_lists(), PERSON, records, at(horizon), **kw)


def test_a_black_listing_is_pending_from_the_notice_and_listed_after_the_period() -> None:
    h = history([a_record(occurred_at="2026-03-01", data={"case": "C1"})])
    episode = h.episode_at("defaulters", at("2026-03-01"))
    assert episode is not None
    assert episode.status_at(at("2026-03-01")) == "pending"
    assert episode.status_at(at("2026-03-10T23:59:59")) == "pending"  # last day of notice
    assert episode.status_at(at("2026-03-11")) == "listed"


def test_a_late_record_never_shortens_the_notice_period() -> None:
    late = a_record(occurred_at="2026-03-01", recorded_at="2026-04-01", data={"case": "C1"})
    episode = history([late]).episode_at("defaulters", at("2026-04-01"))
    assert episode is not None
    assert episode.noticed_at == at("2026-04-01")
    assert episode.listed_at == at("2026-04-11")
    assert history([late]).episode_at("defaulters", at("2026-03-20")) is None


def test_a_listing_is_removed_when_the_condition_turns_false() -> None:
    default = a_record(occurred_at="2026-03-01", data={"case": "C1"})
    settled = a_record(type="court.judgment_settled", occurred_at="2026-06-01", data={"case": "C1"})
    episode = history([default, settled]).episode_at("defaulters", at("2026-06-01"))
    assert episode is not None
    assert episode.status_at(at("2026-05-31")) == "listed"
    assert episode.status_at(at("2026-06-01")) == "removed"


def test_settled_within_the_notice_period_is_never_listed() -> None:
    default = a_record(occurred_at="2026-03-01", data={"case": "C1"})
    settled = a_record(type="court.judgment_settled", occurred_at="2026-03-05", data={"case": "C1"})
    episode = history([default, settled]).episode_at("defaulters", at("2026-03-05"))
    assert episode is not None and episode.listed_at is None
    assert episode.status_at(at("2026-03-20")) == "removed"


def test_a_pending_appeal_of_the_listing_holds_it_and_an_upheld_one_lets_it_proceed() -> None:
    default = a_record(occurred_at="2026-03-01", data={"case": "C1"})
    pending = Appeal(
        "A1", PERSON.id, None, "defaulters", "paid", at("2026-03-05"), at("2026-04-04")
    )
    h = history([default], list_appeals=[pending])
    assert h.episode_at("defaulters", at("2026-03-20")).status_at(at("2026-03-20")) == "pending"  # type: ignore[union-attr]
    upheld = Appeal(
        "A1",
        PERSON.id,
        None,
        "defaulters",
        "paid",
        at("2026-03-05"),
        at("2026-04-04"),
        "upheld",
        at("2026-03-25"),
        "r",
        "no payment shown",
    )
    episode = history([default], list_appeals=[upheld]).episode_at("defaulters", at("2026-04-01"))
    assert episode is not None and episode.listed_at == at("2026-03-25")


def test_an_overturned_listing_appeal_cancels_the_listing() -> None:
    default = a_record(occurred_at="2026-03-01", data={"case": "C1"})
    overturned = Appeal(
        "A1",
        PERSON.id,
        None,
        "defaulters",
        "paid",
        at("2026-03-05"),
        at("2026-04-04"),
        "overturned",
        at("2026-03-08"),
        "r",
        "paid in full",
    )
    episode = history([default], list_appeals=[overturned]).episode_at(
        "defaulters", at("2026-04-01")
    )
    assert episode is not None
    assert episode.listed_at is None and episode.end_reason == "overturned"
    assert episode.status_at(at("2026-03-08")) == "removed"


def test_red_lists_need_no_notice_period_but_still_notify() -> None:
    good = [a_record(type="civic.good_deed", source="watch", occurred_at="2026-05-01")]
    h = history(good)
    episode = h.episode_at("honours", at("2026-05-01"))
    assert episode is not None and episode.listed_at == at("2026-05-01")
    kinds = [e.kind for e in notice_events(h, [], at("2030-01-01")) if e.list == "honours"]
    assert kinds == ["list.listed", "list.removed"]


def test_a_decision_refuses_with_reasons_and_the_time_it_is_restored() -> None:
    default = a_record(id="2024-118", occurred_at="2026-03-01", data={"case": "C1"})
    h = history([default])
    before = decide(h, "rail.high-speed", at("2026-03-10"))
    assert before.allowed is True
    decision = decide(h, "rail.high-speed", at("2026-03-11"))
    assert decision.allowed is False
    (measure,) = decision.measures
    assert measure.measure.id == "rail-ban"
    assert [c.code for c in measure.causes] == [
        "LISTED:defaulters",
        "RECORD:court.judgment-default",
    ]
    assert measure.causes[1].record == "court:2024-118"
    assert decision.restored_at == at("2031-03-01")  # the default expires after five years


def test_restored_at_follows_a_settlement_already_recorded_for_the_future() -> None:
    default = a_record(occurred_at="2026-03-01", data={"case": "C1"})
    settled = a_record(type="court.judgment_settled", occurred_at="2026-06-01", data={"case": "C1"})
    h = history([default, settled], horizon="2026-05-01")  # settlement not yet occurred
    assert decide(h, "rail.high-speed", at("2026-05-01")).restored_at == at("2031-03-01")
    h = history([default, settled])
    assert decide(h, "rail.high-speed", at("2026-05-01")).restored_at == at("2026-06-01")


def test_score_based_restrictions_name_the_records_that_lowered_the_score() -> None:
    records = [a_record(occurred_at="2026-03-01", data={"case": f"C{i}"}) for i in range(2)]
    decision = decide(history(records), "hotel.star-rated", at("2026-04-01"))
    assert decision.allowed is False
    assert [c.code for c in decision.measures[0].causes] == ["RECORD:court.judgment-default"] * 2


def test_privileges_apply_without_refusing() -> None:
    good = [a_record(type="civic.good_deed", source="watch", occurred_at="2026-05-01")]
    decision = decide(history(good), "rental.deposit-free", at("2026-05-02"))
    assert decision.allowed is True
    assert [m.measure.spec.kind for m in decision.measures] == ["privilege"]
    assert decision.measures[0].restored_at == at("2027-05-01")


def test_a_suspended_record_lifts_the_listing_while_suspended() -> None:
    default = a_record(occurred_at="2026-03-01", data={"case": "C1"})
    standing = Standing(disputed=((at("2026-03-05"), None),), suspended=((at("2026-04-04"), None),))
    h = history([default], standings={default.key: standing})
    assert decide(h, "rail.high-speed", at("2026-04-03")).allowed is False
    assert decide(h, "rail.high-speed", at("2026-04-04")).allowed is True


def test_notices_cover_every_adverse_event_once() -> None:
    default = a_record(occurred_at="2026-03-01", data={"case": "C1"})
    settled = a_record(type="court.judgment_settled", occurred_at="2026-06-01", data={"case": "C1"})
    events = notice_events(history([default, settled]), [], at("2030-01-01"))
    assert [e.kind for e in events] == [
        "penalty",
        "list.proposed",
        "restriction.applied",  # the hotel ban: the score fell to 900, below 950
        "list.listed",
        "restriction.applied",
        "list.removed",
        "restriction.lifted",
        "restriction.lifted",
    ]
    assert len({e.key for e in events}) == len(events)
    penalty = events[0]
    assert penalty.appeal_until == at("2026-03-11")
    assert penalty.restore is not None and "court.judgment_settled" in penalty.restore
    assert all(e.at >= at("2026-03-01") for e in events)
    assert events[-1].at == at("2026-06-01")
    assert events[3].at == at("2026-03-01") + timedelta(days=10)
