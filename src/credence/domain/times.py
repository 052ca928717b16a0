"""Instants and ISO 8601 durations with calendar arithmetic.

Every instant inside credence is an aware UTC datetime. A bare date means its first
instant; a date-time without a zone is UTC. Durations add calendar units, so
2024-02-29 + P1Y is 2025-02-28.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from credence.domain.errors import InvalidInputError

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


@dataclass(frozen=True, slots=True)
class Duration:
    """A calendar duration: years and months move the calendar, the rest is exact time."""

    years: int = 0
    months: int = 0
    days: int = 0
    seconds: int = 0

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse an ISO 8601 duration such as `P5Y`, `P10D` or `P1Y6M`."""
        match = _DURATION.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise InvalidInputError(f"not an ISO 8601 duration: {text!r}", value=text)
        part = {k: int(v) if v else 0 for k, v in match.groupdict().items()}
        return cls(
            years=part["years"],
            months=part["months"],
            days=part["weeks"] * 7 + part["days"],
            seconds=part["hours"] * 3600 + part["minutes"] * 60 + part["seconds"],
        )

    def after(self, instant: datetime) -> datetime:
        """Return `instant` moved forward by this duration, clamping the day of month."""
        total_months = instant.month - 1 + self.months + 12 * self.years
        year, month = instant.year + total_months // 12, total_months % 12 + 1
        day = min(instant.day, calendar.monthrange(year, month)[1])
        moved = instant.replace(year=year, month=month, day=day)
        return moved + timedelta(days=self.days, seconds=self.seconds)

    def __str__(self) -> str:
        text = "P"
        for amount, unit in ((self.years, "Y"), (self.months, "M"), (self.days, "D")):
            if amount:
                text += f"{amount}{unit}"
        if self.seconds:
            text += f"T{self.seconds}S"
        return text if text != "P" else "P0D"


def parse_instant(value: object) -> datetime:
    """Turn a date, a date-time or their ISO 8601 text into an aware UTC datetime."""
    if isinstance(value, datetime):
        instant = value
    elif isinstance(value, date):
        instant = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            instant = datetime.fromisoformat(
                text.replace("Z", "+00:00") if text.endswith("Z") else text
            )
        except ValueError:
            raise InvalidInputError(
                f"not an ISO 8601 date or date-time: {value!r}", value=value
            ) from None
    else:
        raise InvalidInputError(f"not an ISO 8601 date or date-time: {value!r}", value=value)
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    if instant.tzinfo is UTC:
        return instant
    return instant.astimezone(UTC)


def iso(instant: datetime | None) -> str | None:
    """Format an instant as ISO 8601 UTC with a `Z`, or None."""
    if instant is None:
        return None
    if instant.tzinfo is not UTC:
        instant = instant.astimezone(UTC)
    return instant.isoformat().replace("+00:00", "Z")
