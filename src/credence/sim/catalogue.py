"""The record types the simulator produces: who submits them, about whom, with what fields.

Each entry mirrors what the shipped rulebooks declare (sources, `may_submit`, `fields`), so
every simulated record is one a real source could have sent. Field generators are
vectorised: they take a generator and a count and return one array per field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Fields = Callable[[np.random.Generator, int], dict[str, np.ndarray]]
PERSON, ORGANISATION = "person", "organisation"


def _ints(rng: np.random.Generator, low: int, high: int, n: int) -> np.ndarray:
    return rng.integers(low, high + 1, n)


def _amounts(rng: np.random.Generator, median: float, n: int) -> np.ndarray:
    return np.round(rng.lognormal(np.log(median), 1.0, n)).astype(np.int64) + 1


def _choice(rng: np.random.Generator, options: list[str], n: int) -> np.ndarray:
    return np.asarray(options)[rng.integers(0, len(options), n)]


def _codes(prefix: str, rng: np.random.Generator, n: int) -> np.ndarray:
    return np.char.add(prefix, rng.integers(10_000_000, 99_999_999, n).astype(str))


@dataclass(frozen=True, slots=True)
class RecordKind:
    """One record type as the simulator makes it."""

    type: str
    source: str
    kinds: tuple[str, ...]
    fields: Fields
    regions: tuple[str, ...] | None = None  # None: every region
    observer: bool = False
    prefix: str = "R"


CATALOGUE: tuple[RecordKind, ...] = (
    RecordKind(
        "traffic.violation",
        "transport-police",
        (PERSON,),
        lambda r, n: {
            "offence_code": _choice(r, ["1039", "1101", "1208", "1352", "1625"], n),
            "demerit_points": _choice(r, ["1", "2", "3", "3", "6", "9"], n).astype(np.int64),
            "fine": _choice(r, ["50", "100", "200", "200"], n).astype(np.int64),
        },
        prefix="TP",
    ),
    RecordKind(
        "transport.fare_evasion",
        "rail-operator",
        (PERSON,),
        lambda r, n: {
            "train": np.char.add("G", _ints(r, 1, 999, n).astype(str)),
            "fare_due": _amounts(r, 120, n),
        },
        prefix="FE",
    ),
    RecordKind(
        "transport.smoking_on_train",
        "transport-police",
        (PERSON,),
        lambda r, n: {
            "train": np.char.add("D", _ints(r, 1, 999, n).astype(str)),
            "fine": _choice(r, ["500", "1000", "2000"], n).astype(np.int64),
        },
        prefix="SM",
    ),
    RecordKind(
        "court.judgment_default",
        "court",
        (PERSON, ORGANISATION),
        lambda r, n: {
            "case": _codes("C", r, n),
            "amount": _amounts(r, 15_000, n),
            "ground": _choice(r, ["able-to-pay", "asset-evasion", "false-report"], n),
        },
        prefix="JD",
    ),
    RecordKind(
        "tax.arrears",
        "tax-bureau",
        (PERSON, ORGANISATION),
        lambda r, n: {
            "assessment": _codes("A", r, n),
            "amount": _amounts(r, 8_000, n),
            "months_overdue": _ints(r, 1, 10, n),
        },
        prefix="TA",
    ),
    RecordKind(
        "tax.serious_violation",
        "tax-bureau",
        (ORGANISATION,),
        lambda r, n: {
            "case": _codes("T", r, n),
            "amount": _amounts(r, 600_000, n),
            "violation": _choice(r, ["evasion", "false-invoicing", "refusal-to-pay"], n),
        },
        prefix="TV",
    ),
    RecordKind(
        "health.blood_donation",
        "health-commission",
        (PERSON,),
        lambda r, n: {"volume_ml": _choice(r, ["200", "300", "400"], n).astype(np.int64)},
        prefix="BD",
    ),
    RecordKind(
        "civic.volunteer_service",
        "community-committee",
        (PERSON,),
        lambda r, n: {
            "hours": _ints(r, 2, 8, n),
            "activity": _choice(r, ["elder care", "river clean-up", "tutoring", "traffic aid"], n),
        },
        observer=True,
        prefix="VS",
    ),
    RecordKind(
        "civic.lost_property_returned",
        "community-committee",
        (PERSON,),
        lambda r, n: {
            "item": _choice(r, ["wallet", "phone", "bag"], n),
            "item_value": _amounts(r, 800, n),
        },
        observer=True,
        prefix="LP",
    ),
    RecordKind(
        "civic.heroic_act",
        "civil-affairs",
        (PERSON,),
        lambda r, n: {
            "confirmation": _codes("H", r, n),
            "act": _choice(r, ["rescue from water", "fire rescue", "stopped a robbery"], n),
        },
        prefix="HA",
    ),
    RecordKind(
        "honours.national_award",
        "civil-affairs",
        (PERSON,),
        lambda r, n: {
            "award": _choice(r, ["model worker", "moral model"], n),
            "conferred_by": _choice(r, ["State Council", "Provincial Government"], n),
        },
        prefix="NA",
    ),
    RecordKind(
        "civic.clean_yard",
        "village-committee",
        (PERSON,),
        lambda r, n: {"inspection": _codes("Y", r, n)},
        regions=("rongcheng",),
        observer=True,
        prefix="CY",
    ),
    RecordKind(
        "utilities.late_payment",
        "utilities",
        (PERSON, ORGANISATION),
        lambda r, n: {
            "account": _codes("U", r, n),
            "amount": _amounts(r, 300, n),
            "months_late": _ints(r, 1, 6, n),
        },
        regions=("rongcheng",),
        prefix="UL",
    ),
    RecordKind(
        "utilities.theft",
        "utilities",
        (PERSON, ORGANISATION),
        lambda r, n: {"account": _codes("U", r, n), "amount": _amounts(r, 2_000, n)},
        regions=("rongcheng",),
        prefix="UT",
    ),
    RecordKind(
        "finance.bank_arrears",
        "credit-reference",
        (PERSON, ORGANISATION),
        lambda r, n: {
            "loan": _codes("L", r, n),
            "amount": _amounts(r, 20_000, n),
            "months_overdue": _ints(r, 1, 12, n),
        },
        regions=("rongcheng",),
        prefix="BA",
    ),
    RecordKind(
        "market.product_safety_violation",
        "market-regulator",
        (ORGANISATION,),
        lambda r, n: {
            "case": _codes("M", r, n),
            "product": _choice(r, ["toys", "helmets", "heaters"], n),
            "fine": _amounts(r, 50_000, n),
        },
        prefix="PS",
    ),
    RecordKind(
        "market.food_safety_violation",
        "market-regulator",
        (ORGANISATION,),
        lambda r, n: {"case": _codes("F", r, n), "fine": _amounts(r, 30_000, n)},
        prefix="FS",
    ),
    RecordKind(
        "environment.violation",
        "environment-bureau",
        (ORGANISATION,),
        lambda r, n: {
            "case": _codes("E", r, n),
            "severity": _choice(r, ["minor", "minor", "moderate", "serious"], n),
            "fine": _amounts(r, 100_000, n),
        },
        prefix="EV",
    ),
    RecordKind(
        "labour.wage_arrears",
        "labour-inspectorate",
        (ORGANISATION,),
        lambda r, n: {
            "case": _codes("W", r, n),
            "amount": _amounts(r, 120_000, n),
            "workers_affected": _ints(r, 2, 80, n),
        },
        prefix="WA",
    ),
)

# Follow-ups that end a penalty early: (type ended, type of the follow-up, field matched).
FOLLOW_UPS = {
    "court.judgment_default": ("court.judgment_settled", "case", "settle_share"),
    "tax.arrears": ("tax.arrears_paid", "assessment", "pay_share"),
}
