"""The clock, injectable: CREDENCE_NOW fixes "now" for every command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from credence.domain.times import parse_instant


@dataclass(frozen=True, slots=True)
class Clock:
    """Tells the time: the fixed instant when one is given, the system's UTC time otherwise."""

    fixed: datetime | None = None

    def now(self) -> datetime:
        if self.fixed is not None:
            return parse_instant(self.fixed)
        return datetime.now(UTC)
