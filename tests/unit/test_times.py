from datetime import UTC, datetime

import pytest

from credence.domain.errors import InvalidInputError
from credence.domain.times import Duration, iso, parse_instant


def test_a_date_means_its_first_instant_in_utc() -> None:
    assert parse_instant("2026-03-01") == datetime(2026, 3, 1, tzinfo=UTC)


def test_a_date_time_without_zone_is_utc_and_with_zone_is_converted() -> None:
    assert parse_instant("2026-03-01T08:00:00") == datetime(2026, 3, 1, 8, tzinfo=UTC)
    assert parse_instant("2026-03-01T08:00:00+08:00") == datetime(2026, 3, 1, 0, tzinfo=UTC)
    assert parse_instant("2026-03-01T08:00:00Z") == datetime(2026, 3, 1, 8, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["2026-13-01", "yesterday", "", "01/03/2026", None, 5])
def test_malformed_dates_are_refused_naming_the_value(bad: object) -> None:
    with pytest.raises(InvalidInputError) as error:
        parse_instant(bad)
    assert repr(bad) in str(error.value)


def test_durations_add_calendar_units_clamping_the_day() -> None:
    leap_day = parse_instant("2024-02-29")
    assert Duration.parse("P1Y").after(leap_day) == parse_instant("2025-02-28")
    assert Duration.parse("P1M").after(parse_instant("2026-01-31")) == parse_instant("2026-02-28")
    assert Duration.parse("P10D").after(parse_instant("2026-02-25")) == parse_instant("2026-03-07")
    assert Duration.parse("P1Y6M").after(parse_instant("2026-08-31")) == parse_instant("2028-02-29")
    assert Duration.parse("PT36H").after(parse_instant("2026-01-01")) == parse_instant(
        "2026-01-02T12:00:00"
    )
    assert Duration.parse("P2W").days == 14


@pytest.mark.parametrize("bad", ["5Y", "P", "PT", "P1.5Y", "P-1D", "forever"])
def test_malformed_durations_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInputError):
        Duration.parse(bad)


def test_iso_prints_utc_with_z() -> None:
    assert iso(parse_instant("2026-03-01")) == "2026-03-01T00:00:00Z"
    assert iso(None) is None
