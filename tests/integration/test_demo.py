"""The main job end to end on a small town: its summary agrees with `lists` and `decide`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credence.cli import app

PLOTS = ("scores", "grades", "lists", "restrictions", "appeals")


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    folder = tmp_path_factory.mktemp("demo") / "town"
    result = CliRunner().invoke(
        app,
        [
            "demo",
            "--folder",
            str(folder),
            "--people",
            "600",
            "--organisations",
            "40",
            "--days",
            "200",
            "--seed",
            "5",
            "--no-serve",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    return folder, json.loads(result.stdout)


def run(folder: Path, summary: dict[str, object], *args: str) -> dict[str, object]:
    env = {
        "CREDENCE_DB": f"sqlite:///{folder / 'credence.sqlite'}",
        "CREDENCE_NOW": str(summary["as_of"]),
    }
    result = CliRunner().invoke(app, [*args, "--json"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_the_demo_summarises_the_town(town: tuple[Path, dict[str, object]]) -> None:
    _, summary = town
    assert summary["subjects"] == 640
    assert summary["records"] > 0
    regions = summary["regions"]
    assert isinstance(regions, dict) and set(regions) == {"rongcheng", "jinan", "shandong"}


def test_appeal_outcomes_equal_what_appeal_list_says(
    town: tuple[Path, dict[str, object]],
) -> None:
    folder, summary = town
    appeals = run(folder, summary, "appeal", "list")["appeals"]
    counted: dict[str, int] = {}
    for a in appeals:  # type: ignore[union-attr]
        counted[a["status"]] = counted.get(a["status"], 0) + 1
    assert counted == summary["appeals"]


def test_the_ledger_it_leaves_verifies_and_ingested_without_rejection(
    town: tuple[Path, dict[str, object]],
) -> None:
    folder, summary = town
    assert run(folder, summary, "verify")["ok"] is True
    assert run(folder, summary, "review", "list")["pending"] == []


def test_list_sizes_equal_what_lists_says(town: tuple[Path, dict[str, object]]) -> None:
    folder, summary = town
    members = run(folder, summary, "lists")["members"]
    assert isinstance(members, list)
    listed: dict[str, int] = {}
    for m in members:
        if m["status"] == "listed":
            listed[m["list"]] = listed.get(m["list"], 0) + 1
    assert listed == summary["lists"]["listed"]  # type: ignore[index]
    assert listed, "the town should have someone listed"


def test_restrictions_equal_what_decide_says(town: tuple[Path, dict[str, object]]) -> None:
    folder, summary = town
    restricted = summary["restrictions"]
    assert isinstance(restricted, dict) and restricted
    members = run(folder, summary, "lists")["members"]
    candidates = {m["subject"] for m in members}  # type: ignore[union-attr]
    refused: dict[str, int] = {}
    for subject in sorted(candidates):
        for d in run(folder, summary, "decide", subject)["decisions"]:  # type: ignore[union-attr]
            if not d["allowed"]:
                refused[d["service"]] = refused.get(d["service"], 0) + 1
    assert refused == restricted


def test_the_report_has_every_plot_with_its_table(town: tuple[Path, dict[str, object]]) -> None:
    folder, _ = town
    page = (folder / "report.html").read_text()
    for section in PLOTS:
        part = page.split(f'id="{section}"', 1)[1].split("<h2", 1)[0]
        assert "<svg" in part and "<table" in part, section
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")


def test_a_scenario_runs_its_population_under_its_own_rulebooks(tmp_path: Path) -> None:
    import shutil

    from tests.integration.conftest import RULEBOOKS

    books = tmp_path / "strict"
    shutil.copytree(RULEBOOKS, books)
    for name in ("national.yaml", "shandong.yaml"):  # the province overrides the ticket rule
        book = books / name
        book.write_text(book.read_text().replace("points: -5\n", "points: -50\n", 1))
    scenario = tmp_path / "strict.yaml"
    scenario.write_text(
        "people: 300\norganisations: 10\ndays: 120\nseed: 3\n"
        "rates: {traffic.violation: 1.0}\nrulebooks: strict\n"
    )
    folder = tmp_path / "town"
    result = CliRunner().invoke(
        app, ["demo", "--folder", str(folder), "--scenario", str(scenario), "--no-serve", "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["subjects"] == 310
    import pyarrow.parquet as pq

    ticketed = next(
        r["subject"]
        for r in pq.read_table(folder / "simulation" / "records-00000.parquet").to_pylist()
        if r["type"] == "traffic.violation"
    )
    card = run(folder, summary, "report", ticketed)
    tickets = [c for c in card["contributions"] if c["type"] == "traffic.violation"]  # type: ignore[union-attr]
    assert tickets and all(c["points"] == -50 for c in tickets)
