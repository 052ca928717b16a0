"""What must always hold in the due-process workflow, whatever the records and appeals."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from credence.domain.appeals import Appeal, standings
from credence.domain.decisions import decide, restrictions_apply
from credence.domain.history import History
from credence.domain.notices import notice_events
from credence.domain.records import Record
from tests.factories import a_book, a_record, a_rule, a_subject, an_index, at
from tests.unit.test_lists_and_decisions import DEFAULTERS, HONOURS, LOW_SCORE_BAN, RAIL_BAN

PERSON = a_subject()
START = at("2026-01-01")
INDEX = an_index(
    a_book(
        rules=[
            a_rule(lasts="P90D", ended_by={"record": "court.judgment_settled", "match": ["case"]}),
            a_rule(
                id="good",
                record="civic.good_deed",
                points=30,
                lasts="P60D",
                category="civic-contribution",
            ),
        ],
        lists=[DEFAULTERS, HONOURS],
        measures=[RAIL_BAN, LOW_SCORE_BAN],
    )
)

days = st.integers(0, 400)
records = st.lists(
    st.builds(
        lambda i, day, late, type_, case: a_record(
            id=f"x{i}",
            type=type_,
            occurred_at=(START + timedelta(days=day)).isoformat(),
            recorded_at=(START + timedelta(days=day + late)).isoformat(),
            data={"case": f"C{case}"},
        ),
        st.integers(0, 10_000),
        days,
        st.integers(0, 20),
        st.sampled_from(["court.judgment_default", "court.judgment_settled", "civic.good_deed"]),
        st.integers(0, 2),
    ),
    max_size=12,
    unique_by=lambda r: r.id,
)
instants = days.map(lambda d: START + timedelta(days=d, hours=6))


def history_of(
    recs: list[Record], appeals: list[Appeal] = (), horizon: datetime | None = None
) -> History:  # type: ignore[assignment]
    return History(
        INDEX,
        PERSON,
        recs,
        horizon or at("2028-01-01"),
        standings=standings(recs, set(), {}, appeals),
        list_appeals=[a for a in appeals if a.list is not None],
    )


def view(h: History, t: datetime) -> tuple[Any, ...]:
    card = h.card(t)
    lists = tuple((s.list, s.status, s.since) for s in card.lists)
    return card.score, lists, decide(h, "rail.high-speed", t).to_json()


@settings(max_examples=80, deadline=None)
@given(records, st.data(), st.lists(instants, min_size=1, max_size=4))
def test_an_overturned_record_leaves_no_trace_at_any_time(
    recs: list[Record], data: st.DataObject, times: list[datetime]
) -> None:
    if not recs:
        return
    target = data.draw(st.sampled_from(recs))
    filed = target.recorded_at + timedelta(days=1)
    overturned = Appeal(
        "A1",
        PERSON.id,
        target.key,
        None,
        "wrong",
        filed,
        filed + timedelta(days=30),
        "overturned",
        filed + timedelta(days=2),
        "r",
        "wrong",
    )
    with_appeal = history_of(recs, [overturned])
    without = history_of([r for r in recs if r is not target])
    for t in times:
        assert view(with_appeal, t) == view(without, t)


@settings(max_examples=80, deadline=None)
@given(records, st.lists(instants, max_size=5))
def test_tick_at_any_times_gives_the_notices_of_one_tick_at_the_end(
    recs: list[Record], ticks: list[datetime]
) -> None:
    end = at("2027-06-01")
    h = history_of(recs)
    outbox: dict[str, Any] = {}
    for t in [*sorted(ticks), end]:
        for event in notice_events(h, [], t):
            outbox.setdefault(event.key, event)
    once = {e.key: e for e in notice_events(h, [], end)}
    assert outbox == once


@settings(max_examples=80, deadline=None)
@given(records)
def test_nobody_is_listed_without_a_notice_at_least_the_notice_period_earlier(
    recs: list[Record],
) -> None:
    h = history_of(recs)
    events = notice_events(h, [], at("2028-01-01"))
    for list_id, episodes in h.episodes.items():
        for e in episodes:
            if e.listed_at is None or e.list.spec.kind != "black":
                continue
            proposed = [
                n
                for n in events
                if n.list == list_id and n.kind == "list.proposed" and n.at <= e.listed_at
            ]
            assert proposed, "listed without a notice"
            assert e.listed_at >= e.list.notice.after(max(p.at for p in proposed))  # type: ignore[union-attr]
            causes_known = [r.recorded_at for r in recs if r.key in e.causes]
            assert all(e.noticed_at >= known for known in causes_known)


@settings(max_examples=80, deadline=None)
@given(records, instants)
def test_restored_at_is_the_first_instant_the_restriction_stops(
    recs: list[Record], t: datetime
) -> None:
    h = history_of(recs, horizon=t)  # nothing new happens after t
    for service in ("rail.high-speed", "hotel.star-rated"):
        decision = decide(h, service, t)
        if decision.allowed:
            continue
        restored = decision.restored_at
        checkpoints = [p for p in h.after(t) if restored is None or p < restored]
        assert all(restrictions_apply(h, service, p) for p in checkpoints)
        if restored is not None:
            assert not restrictions_apply(h, service, restored)
            assert restrictions_apply(h, service, restored - timedelta(microseconds=1))
