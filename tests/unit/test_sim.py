"""The simulator: deterministic, valid against the rulebooks, and shaped like real registers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from credence.domain.rulebook import RulebookIndex, parse_book
from credence.sim.population import CODE_CHARS, check_character, simulate
from credence.sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"people": 2000, "organisations": 80, "days": 365, "seed": 11}


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    simulate(load_scenario(**SMALL), out)
    return out


def test_the_same_seed_writes_the_same_bytes(simulated: Path, tmp_path: Path) -> None:
    simulate(load_scenario(**SMALL), tmp_path)
    files = sorted(p.name for p in simulated.iterdir())
    assert files == sorted(p.name for p in tmp_path.iterdir())
    for name in files:
        assert (simulated / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_another_seed_writes_another_population(simulated: Path, tmp_path: Path) -> None:
    simulate(load_scenario(**{**SMALL, "seed": 12}), tmp_path)
    assert (simulated / "records-00000.parquet").read_bytes() != (
        tmp_path / "records-00000.parquet"
    ).read_bytes()


def test_every_record_is_one_its_source_may_send(simulated: Path) -> None:
    books = [
        parse_book(yaml.safe_load(p.read_text()), p.name)
        for p in (ROOT / "rulebooks").glob("*.yaml")
    ]
    index = RulebookIndex(books)
    subjects = {s["id"]: s for s in pq.read_table(simulated / "subjects.parquet").to_pylist()}
    checked = 0
    for chunk in sorted(simulated.glob("records-*.parquet")):
        for row in pq.read_table(chunk).to_pylist():
            subject = subjects[row["subject"]]
            book = index.resolve(subject["region"], row["occurred_at"])
            assert book is not None
            source = book.sources[row["source"]]
            assert row["type"] in source.may_submit, row
            declared = set(source.fields.get(row["type"], []))
            assert set(json.loads(row["data"])) <= declared, row
            checked += 1
    assert checked > 1000


def test_chunks_are_day_ordered_and_record_ids_unique(simulated: Path) -> None:
    previous = datetime(1970, 1, 1, tzinfo=UTC)
    keys = set()
    for chunk in sorted(simulated.glob("records-*.parquet")):
        rows = pq.read_table(chunk).to_pylist()
        times = [r["occurred_at"] for r in rows]
        assert times == sorted(times) and times[0] >= previous
        previous = times[-1]
        keys.update((r["source"], r["id"]) for r in rows)
        truth = pq.read_table(chunk.with_name(chunk.name.replace("records", "truth")))
        assert truth.column("id").to_pylist() == [r["id"] for r in rows]
    assert len(keys) == sum(
        pq.read_metadata(c).num_rows for c in simulated.glob("records-*.parquet")
    )


def test_settlements_follow_their_defaults_for_the_same_case(simulated: Path) -> None:
    rows = [
        r for c in sorted(simulated.glob("records-*.parquet")) for r in pq.read_table(c).to_pylist()
    ]
    defaults = {
        (r["subject"], json.loads(r["data"])["case"]): r["occurred_at"]
        for r in rows
        if r["type"] == "court.judgment_default"
    }
    settled = [r for r in rows if r["type"] == "court.judgment_settled"]
    assert settled
    for r in settled:
        key = (r["subject"], json.loads(r["data"])["case"])
        assert key in defaults and r["occurred_at"] > defaults[key]


def test_most_people_have_no_adverse_record(simulated: Path) -> None:
    adverse = {
        "traffic.violation",
        "court.judgment_default",
        "tax.arrears",
        "transport.fare_evasion",
        "utilities.late_payment",
    }
    people = {
        r["subject"]
        for c in simulated.glob("records-*.parquet")
        for r in pq.read_table(c, columns=["subject", "type"]).to_pylist()
        if r["type"] in adverse and r["subject"].startswith("P-")
    }
    assert len(people) < 0.3 * SMALL["people"]


def test_organisation_codes_carry_a_valid_check_character(simulated: Path) -> None:
    codes = [
        s["id"]
        for s in pq.read_table(simulated / "subjects.parquet").to_pylist()
        if s["kind"] == "organisation"
    ]
    assert len(codes) == SMALL["organisations"]
    for code in codes:
        assert len(code) == 18 and set(code) <= set(CODE_CHARS)
        assert code[-1] == check_character(code[:17])
    assert check_character("91350100M000100Y4") == "3"  # a published example code
