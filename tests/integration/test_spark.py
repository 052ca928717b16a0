"""The same compiled queries on Spark (local mode) give the same answers as the fold."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credence.domain.records import Record
from tests.factories import a_book, an_index
from tests.integration.conftest import EXAMPLES, Cli
from tests.integration.test_batch import (
    START,
    SUBJECTS,
    assert_equals_fold,
    ledger_of,
    records,
    rules,
)
from tests.unit.test_lists_and_decisions import DEFAULTERS, HONOURS, LOW_SCORE_BAN, RAIL_BAN

if os.environ.get("CI") != "true":  # CI installs the extra and has Java; elsewhere, say why
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java 17 or newer", allow_module_level=True)

from credence.batch.scorer import SetScorer
from credence.batch.spark import SparkEngine


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkEngine]:
    engine = SparkEngine("local[1]", tmp_path_factory.mktemp("spark"))
    yield engine
    engine.close()


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(rules, records, st.lists(st.integers(0, 800), min_size=1, max_size=2))
def test_spark_scores_equal_the_fold_for_every_subject(
    spark: SparkEngine, rule_list: list[dict[str, Any]], recs: list[Record], days: list[int]
) -> None:
    index = an_index(
        a_book(rules=rule_list, lists=[DEFAULTERS, HONOURS], measures=[RAIL_BAN, LOW_SCORE_BAN])
    )
    for day in days:
        t = START + timedelta(days=day, hours=7)
        result = SetScorer(index, spark).score(ledger_of(recs, SUBJECTS), t)
        assert_equals_fold(result, index, recs, t)


def test_recompute_on_spark_equals_recompute_on_duckdb(examples: Cli, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    tables = {}
    for engine in ("duckdb", "spark"):
        report = examples(
            "recompute",
            "--engine",
            engine,
            "--spark-master",
            "local[1]",
            "--out",
            str(tmp_path / engine),
            "--json",
            now="2026-11-20",
        ).json()
        assert report["subjects"] == 13
        tables[engine] = pq.read_table(tmp_path / engine / "scores.parquet").to_pylist()
    assert tables["spark"] == tables["duckdb"]
    assert any(row["lists"] for row in tables["spark"])  # the folded subjects are there too
    assert examples("check-cache", "--json", now="2026-11-20").json()["differences"] == []


def test_impact_runs_on_spark(examples: Cli, tmp_path: Path) -> None:
    draft = tmp_path / "draft"
    draft.mkdir()
    national = (EXAMPLES.parent / "rulebooks" / "national.yaml").read_text()
    (draft / "national.yaml").write_text(national.replace("points: -50", "points: -500", 1))
    result = examples(
        "impact",
        str(draft),
        "--engine",
        "spark",
        "--spark-master",
        "local[1]",
        "--json",
        now="2026-11-20",
    ).json()
    assert result["changed_score"] >= 1
    assert "court.judgment_default.small" in {r for s in result["sample"] for r in s["rules"]}
