"""The vectorised simulator: a population and its records, block by block, no object per person.

Every quantity is a NumPy array over subjects or records. Records are generated one block
of days at a time (Poisson counts per subject and record type, expanded with `np.repeat`)
and written as day-ordered Parquet chunks, so memory stays bounded whatever the population.
What the simulation knows but a source would not say (that a record is erroneous, that it
needs review) goes to a `truth-*.parquet` beside each chunk, never into the records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from credence.sim.catalogue import CATALOGUE, FOLLOW_UPS, ORGANISATION, PERSON, RecordKind
from credence.sim.scenario import Scenario

DAY = 86_400
AREA_CODES = {"rongcheng": "371082", "jinan": "370100", "shandong": "370000"}
CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, Z, S, V
CODE_WEIGHTS = [pow(3, i, 31) for i in range(17)]
SURNAMES = [
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Zhao",
    "Huang",
    "Zhou",
    "Wu",
    "Xu",
    "Sun",
    "Hu",
    "Zhu",
    "Gao",
    "Lin",
    "He",
    "Guo",
    "Ma",
    "Luo",
]
SYLLABLES = [
    "wei",
    "fang",
    "na",
    "min",
    "jing",
    "li",
    "qiang",
    "lei",
    "jun",
    "yang",
    "yong",
    "yan",
    "jie",
    "tao",
    "ming",
    "chao",
    "xia",
    "ping",
    "gang",
    "hui",
    "hong",
    "bo",
]
TRADES = ["Seafood", "Construction", "Chemical", "Textile", "Logistics", "Food", "Machinery"]


@dataclass
class SimSummary:
    """What a simulation wrote."""

    people: int = 0
    organisations: int = 0
    records: int = 0
    files: list[str] = field(default_factory=list)
    per_type: Counter[str] = field(default_factory=Counter)
    per_region: Counter[str] = field(default_factory=Counter)
    start: datetime = datetime(2026, 1, 1, tzinfo=UTC)

    def to_json(self) -> dict[str, object]:
        return {
            "people": self.people,
            "organisations": self.organisations,
            "records": self.records,
            "files": self.files,
            "per_type": dict(sorted(self.per_type.items())),
            "per_region": dict(sorted(self.per_region.items())),
        }


@dataclass
class _Population:
    ids: np.ndarray
    kinds: np.ndarray
    regions: np.ndarray
    propensity: np.ndarray


@dataclass
class _Pending:
    """Follow-ups (settlements, payments) generated early but due in a later block."""

    due: list[np.ndarray] = field(default_factory=list)
    subject: list[np.ndarray] = field(default_factory=list)
    key: list[np.ndarray] = field(default_factory=list)
    amount: list[np.ndarray] = field(default_factory=list)


def simulate(
    scenario: Scenario, out: Path, progress: Callable[[int, int], None] | None = None
) -> SimSummary:
    """Write `subjects.parquet` and day-ordered `records-NNNNN.parquet` chunks into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(scenario.seed)
    population = _population(scenario, rng, out)
    start = datetime.combine(scenario.start, datetime.min.time(), tzinfo=UTC)
    summary = SimSummary(people=scenario.people, organisations=scenario.organisations, start=start)
    pending = {kind: _Pending() for kind in FOLLOW_UPS}
    serial: Counter[str] = Counter()
    blocks = range(0, scenario.days, scenario.block_days)
    for n, first_day in enumerate(blocks):
        days = min(scenario.block_days, scenario.days - first_day)
        window = (first_day * DAY, (first_day + days) * DAY)
        columns = [
            _records(kind, scenario, population, rng, window, serial, pending)
            for kind in CATALOGUE
            if scenario.rates.get(kind.type, 0) > 0
        ]
        columns += [_follow_ups(t, pending[t], population, window, serial) for t in FOLLOW_UPS]
        _write_block(out, n, [c for c in columns if c is not None], start, summary, population)
        if progress is not None:
            progress(n + 1, len(blocks))
    return summary


def _population(scenario: Scenario, rng: np.random.Generator, out: Path) -> _Population:
    people, orgs = scenario.people, scenario.organisations
    names = list(scenario.regions)
    shares = np.asarray([scenario.regions[r] for r in names], dtype=float)
    regions = np.asarray(names)[rng.choice(len(names), people + orgs, p=shares / shares.sum())]
    person_ids = np.char.add("P-", np.char.zfill(np.arange(1, people + 1).astype(str), 7))
    org_ids = (
        np.asarray([_org_code(str(regions[people + i]), i) for i in range(orgs)], dtype=str)
        if orgs
        else np.asarray([], dtype=str)
    )
    ids = np.concatenate([person_ids, org_ids])
    kinds = np.asarray([PERSON] * people + [ORGANISATION] * orgs)
    shape = scenario.heterogeneity
    propensity = rng.gamma(shape, 1.0 / shape, people + orgs)
    person_names = np.char.add(
        np.char.add(np.asarray(SURNAMES)[rng.integers(0, len(SURNAMES), people)], " "),
        np.char.capitalize(
            np.char.add(
                np.asarray(SYLLABLES)[rng.integers(0, len(SYLLABLES), people)],
                np.asarray(SYLLABLES)[rng.integers(0, len(SYLLABLES), people)],
            )
        ),
    )
    org_names = [
        f"{str(regions[people + i]).capitalize()} {TRADES[i % len(TRADES)]} Co. No. {i + 1}"
        for i in range(orgs)
    ]
    table = pa.table(
        {
            "id": ids,
            "kind": kinds,
            "region": regions,
            "name": np.concatenate([person_names, np.asarray(org_names, dtype=str)])
            if orgs
            else person_names,
        }
    )
    pq.write_table(table, out / "subjects.parquet", compression="zstd")
    return _Population(ids, kinds, regions, propensity)


def _org_code(region: str, index: int) -> str:
    """An 18-character unified social credit code with a valid check character."""
    body, n = "", index + 1
    for _ in range(9):
        n, digit = divmod(n, len(CODE_CHARS))
        body = CODE_CHARS[digit] + body
    first17 = "91" + AREA_CODES.get(region, "370000") + body
    return first17 + check_character(first17)


def check_character(first17: str) -> str:
    """GB 32100-2015's check character for the first 17 characters of a code."""
    total = sum(CODE_CHARS.index(c) * w for c, w in zip(first17, CODE_WEIGHTS, strict=True))
    return CODE_CHARS[(31 - total % 31) % 31]


Block = tuple[str, str, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _records(
    kind: RecordKind,
    scenario: Scenario,
    population: _Population,
    rng: np.random.Generator,
    window: tuple[int, int],
    serial: Counter[str],
    pending: dict[str, _Pending],
) -> Block | None:
    eligible = np.isin(population.kinds, kind.kinds)
    if kind.regions is not None:
        eligible &= np.isin(population.regions, kind.regions)
    who = np.flatnonzero(eligible)
    seconds = window[1] - window[0]
    rate = scenario.rates[kind.type] * seconds / (365 * DAY)
    counts = rng.poisson(rate * population.propensity[who])
    subjects = np.repeat(who, counts)
    n = len(subjects)
    if n == 0:
        return None
    at = window[0] + rng.integers(0, seconds, n)
    fields = kind.fields(rng, n)
    if kind.type in FOLLOW_UPS:
        _schedule(kind.type, scenario, rng, pending[kind.type], subjects, at, fields)
    erroneous = rng.random(n) < scenario.erroneous_share
    needs_review = np.full(n, kind.observer)
    return (
        kind.source,
        kind.type,
        _ids(kind.prefix, serial, n),
        subjects,
        at,
        _json(fields),
        erroneous,
        needs_review,
    )


def _schedule(
    record_type: str,
    scenario: Scenario,
    rng: np.random.Generator,
    pending: _Pending,
    subjects: np.ndarray,
    at: np.ndarray,
    fields: dict[str, np.ndarray],
) -> None:
    _, key, share = FOLLOW_UPS[record_type]
    follows = rng.random(len(subjects)) < getattr(scenario, share)
    delay = np.round(rng.lognormal(np.log(60), 0.8, len(subjects)) * DAY).astype(np.int64)
    pending.due.append((at + delay)[follows])
    pending.subject.append(subjects[follows])
    pending.key.append(fields[key][follows])
    pending.amount.append(fields["amount"][follows])


def _follow_ups(
    record_type: str,
    pending: _Pending,
    population: _Population,
    window: tuple[int, int],
    serial: Counter[str],
) -> Block | None:
    if not pending.due:
        return None
    due = np.concatenate(pending.due)
    subject, key = np.concatenate(pending.subject), np.concatenate(pending.key)
    amount = np.concatenate(pending.amount)
    now = (due >= window[0]) & (due < window[1])
    later = due >= window[1]
    pending.due, pending.subject = [due[later]], [subject[later]]
    pending.key, pending.amount = [key[later]], [amount[later]]
    n = int(now.sum())
    if n == 0:
        return None
    follow_type, key_name, _ = FOLLOW_UPS[record_type]
    source = "court" if record_type.startswith("court") else "tax-bureau"
    fields = {key_name: key[now], "amount": amount[now]}
    return (
        source,
        follow_type,
        _ids("S" if source == "court" else "P", serial, n),
        subject[now],
        due[now],
        _json(fields),
        np.zeros(n, bool),
        np.zeros(n, bool),
    )


def _ids(prefix: str, serial: Counter[str], n: int) -> np.ndarray:
    first = serial[prefix]
    serial[prefix] += n
    return np.char.add(
        f"{prefix}-", np.char.zfill(np.arange(first + 1, first + n + 1).astype(str), 8)
    )


def _json(fields: dict[str, np.ndarray]) -> np.ndarray:
    """Each record's fields as a JSON object, built column by column."""
    text = np.full(len(next(iter(fields.values()))), "{", dtype=object)
    for i, (name, values) in enumerate(sorted(fields.items())):
        rendered = values.astype(str)
        if values.dtype.kind in ("U", "S", "O"):
            rendered = np.char.add(np.char.add('"', rendered), '"')
        text = text + (("," if i else "") + f'"{name}":') + rendered.astype(object)
    return (text + "}").astype(str)


def _write_block(
    out: Path,
    n: int,
    blocks: list[Block],
    start: datetime,
    summary: SimSummary,
    population: _Population,
) -> None:
    if blocks:
        parts = [
            np.concatenate([b[i] if i > 1 else np.full(len(b[3]), b[i]) for b in blocks])
            for i in range(8)
        ]
    else:
        parts = [
            np.asarray([], dtype=t) for t in (str, str, str, np.int64, np.int64, str, bool, bool)
        ]
    source, kind, ids, subjects, at, data, erroneous, review = parts
    order = np.lexsort((ids, at))
    micros = (int(start.timestamp()) + at[order]) * 1_000_000
    records = pa.table(
        {
            "source": source[order],
            "id": ids[order],
            "subject": population.ids[subjects[order]],
            "type": kind[order],
            "occurred_at": pa.array(micros, type=pa.timestamp("us", tz="UTC")),
            "data": data[order],
            "evidence": np.char.add(np.char.add(source[order], "/"), ids[order]),
        }
    )
    truth = pa.table(
        {
            "source": source[order],
            "id": ids[order],
            "erroneous": erroneous[order],
            "needs_review": review[order],
        }
    )
    name = f"records-{n:05d}.parquet"
    pq.write_table(records, out / name, compression="zstd")
    pq.write_table(truth, out / f"truth-{n:05d}.parquet", compression="zstd")
    summary.files.append(name)
    summary.records += len(order)
    summary.per_type.update(Counter(kind.tolist()))
    summary.per_region.update(Counter(population.regions[subjects].tolist()))
