"""The ledger from the command line, on SQLite and PostgreSQL: the README's walk-through."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import sqlalchemy as sa

from tests.integration.conftest import EXAMPLES, RULEBOOKS, Cli, write


def ingest_examples(cli: Cli, tmp_path: Path) -> dict[str, object]:
    cli("register", str(EXAMPLES / "subjects.csv"))
    records = shutil.copy(EXAMPLES / "records.csv", tmp_path / "records.csv")
    result: dict[str, object] = cli("ingest", str(records), "--json", now="2026-11-01").json()
    return result


def test_the_examples_ingest_with_every_bad_row_named(loaded: Cli, tmp_path: Path) -> None:
    report = ingest_examples(loaded, tmp_path)
    assert report["accepted"] == 30
    assert report["duplicates"] == 0
    assert report["unscored"] == 2  # the settlement and the tax payment earn nothing
    assert report["pending_review"] == 4
    assert report["rejected"] == [
        {"line": 32, "id": "JN-TP-2026-0707", "reason": "unknown subject 'P-0099'"},
        {
            "line": 33,
            "id": "JN-TP-2026-0318",
            "reason": "occurred_at '15.03.2026' is not an ISO 8601 date or date-time",
        },
        {
            "line": 34,
            "id": "JN-CC-2026-0610",
            "reason": "source 'community-committee' may not submit 'court.judgment_default' "
            "under jinan@2026.1",
        },
    ]
    kept = [json.loads(line) for line in (tmp_path / "records.csv.rejected.jsonl").open()]
    assert [k["line"] for k in kept] == [32, 33, 34]
    assert kept[0]["row"]["subject"] == "P-0099"


def test_ingesting_again_counts_duplicates_and_loses_nothing(loaded: Cli, tmp_path: Path) -> None:
    ingest_examples(loaded, tmp_path)
    again = loaded("ingest", str(tmp_path / "records.csv"), "--json", now="2026-11-02").json()
    assert (again["accepted"], again["duplicates"], len(again["rejected"])) == (0, 30, 3)


def test_a_score_explains_every_point(loaded: Cli, tmp_path: Path) -> None:
    ingest_examples(loaded, tmp_path)
    card = loaded("score", "P-0001", "--at", "2026-04-01", "--json").json()
    assert {
        "subject",
        "kind",
        "region",
        "as_of",
        "score",
        "grade",
        "rulebook",
        "contributions",
        "lists",
    } <= card.keys()
    assert (card["score"], card["grade"], card["rulebook"]) == (900, "B", "rongcheng@2026.1")
    (contribution,) = card["contributions"]
    assert contribution["points"] == -100 and contribution["status"] == "counting"
    assert contribution["until"] == "2031-03-11T00:00:00Z"  # the settlement has not happened
    assert "Civil Procedure Law" in contribution["basis"]
    later = loaded("score", "P-0001", "--at", "2026-09-01", "--json").json()
    assert later["score"] == 1000
    assert later["contributions"][0]["status"] == "ended"
    assert later["contributions"][0]["until"] == "2026-08-19T00:00:00Z"  # settled that day


def test_human_output_names_the_score_and_basis(loaded: Cli, tmp_path: Path) -> None:
    ingest_examples(loaded, tmp_path)
    text = loaded("score", "P-0002", "--at", "2026-11-01").stdout
    assert "score 955, grade B under rongcheng@2026.2" in text
    assert "basis:" in text


def test_records_that_claim_to_occur_after_they_are_recorded_are_refused(
    loaded: Cli, tmp_path: Path
) -> None:
    loaded("register", str(EXAMPLES / "subjects.csv"))
    future = write(
        tmp_path / "future.csv",
        """
source,id,subject,type,occurred_at,offence_code,demerit_points,fine
transport-police,t1,P-0002,traffic.violation,2026-06-02,1352,3,200
""",
    )
    report = loaded("ingest", str(future), "--json", now="2026-06-01").json()
    assert report["accepted"] == 0
    assert "later than the time it is recorded" in report["rejected"][0]["reason"]


def test_bad_rows_are_reported_and_good_ones_kept(loaded: Cli, tmp_path: Path) -> None:
    loaded("register", str(EXAMPLES / "subjects.csv"))
    rows = write(
        tmp_path / "mixed.csv",
        """
source,id,subject,type,occurred_at,assessment,amount,months_overdue
tax-bureau,a1,P-0004,tax.arrears,2026-04-30,AS-1,4000,4
tax-bureau,a2,P-0004,tax.arrears,2026-04-30,AS-2,4000,three
tax-bureau,a3,P-0004,tax.arrears,2026-04-30,AS-3,4000,
nobody,a4,P-0004,tax.arrears,2026-04-30,AS-4,4000,2
tax-bureau,a5,P-0004,tax.arrears,not-a-date,AS-5,4000,2
tax-bureau,a1,P-0004,tax.arrears,2026-04-30,AS-1,9999,4
tax-bureau,a1,P-0004,tax.arrears,2026-04-30,AS-1,4000,4
""",
    )
    report = loaded("ingest", str(rows), "--json", now="2026-06-01").json()
    reasons = {r["line"]: r["reason"] for r in report["rejected"]}
    assert report["accepted"] == 1 and report["duplicates"] == 1
    assert "gave no number" in reasons[3]
    assert "lacks field 'months_overdue' needed by rule tax.arrears" in reasons[4]
    assert reasons[5].startswith("unknown source 'nobody'")
    assert "not-a-date" in reasons[6]
    assert "tax-bureau:a1" in reasons[7] and "other content" in reasons[7]


def test_jsonl_and_parquet_ingest_like_csv(loaded: Cli, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    loaded("register", str(EXAMPLES / "subjects.csv"))
    jsonl = shutil.copy(EXAMPLES / "records.jsonl", tmp_path / "records.jsonl")
    report = loaded("ingest", str(jsonl), "--json", now="2026-11-01").json()
    assert report["accepted"] == 6 and report["rejected"] == []
    table = pa.table(
        {
            "source": ["transport-police"],
            "id": ["pq-1"],
            "subject": ["P-0006"],
            "type": ["traffic.violation"],
            "occurred_at": ["2026-10-01"],
            "data": [json.dumps({"offence_code": "1352", "demerit_points": 3, "fine": 200})],
        }
    )
    pq.write_table(table, tmp_path / "records.parquet")
    report = loaded("ingest", str(tmp_path / "records.parquet"), "--json", now="2026-11-01").json()
    assert report["accepted"] == 1
    card = loaded("score", "P-0006", "--at", "2026-11-01", "--json").json()
    assert any(c["record"] == "transport-police:pq-1" for c in card["contributions"])


def test_register_reports_bad_subjects(loaded: Cli, tmp_path: Path) -> None:
    subjects = write(
        tmp_path / "subjects.csv",
        """
id,kind,region,name
S-1,person,rongcheng,Wang Fang
S-2,robot,rongcheng,R2
S-3,person,atlantis,Nemo
S-1,person,jinan,Wang Fang
""",
    )
    report = loaded("register", str(subjects), "--json").json()
    assert report["accepted"] == 1
    reasons = [r["reason"] for r in report["rejected"]]
    assert "kind 'robot' is not one of person, organisation" in reasons[0]
    assert "region 'atlantis' has no rulebook" in reasons[1]
    assert "S-1" in reasons[2]


def test_verify_names_the_tampered_record(loaded: Cli, tmp_path: Path, database_url: str) -> None:
    ingest_examples(loaded, tmp_path)
    assert loaded("verify", "--json").json()["ok"] is True
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE records SET data = :data WHERE source = 'court' AND id = :id"),
            {"data": '{"amount":1}', "id": "2026-LU1082-ZHI-311"},
        )
    engine.dispose()
    result = loaded("verify", "--json", code=1).json()
    assert result["ok"] is False
    assert result["first_bad"].startswith("court:2026-LU1082-ZHI-311")


def test_check_refuses_broken_books_naming_file_and_reason(loaded: Cli, tmp_path: Path) -> None:
    broken = write(tmp_path / "broken.yaml", "jurisdiction: x\n  version: [")
    text = loaded("check", str(broken), code=1).stdout
    assert "broken.yaml" in text and "broken YAML" in text
    national = (RULEBOOKS / "national.yaml").read_text()
    for bad, token in (
        ('when: "amount >= 10000"', "__import__"),
        ('when: "amount >= 10000"', "subquery"),
        ('when: "amount >= 10000"', "upper"),
    ):
        replacement = {
            "__import__": "when: \"__import__('os') IS NULL\"",
            "subquery": 'when: "amount >= (SELECT 1)"',
            "upper": "when: \"upper(case) = 'X'\"",
        }[token]
        book = write(tmp_path / "national.yaml", national.replace(bad, replacement, 1))
        result = loaded("check", str(book), "--json", code=1).json()
        assert result["ok"] is False
        assert any(token in p["reason"] for p in result["problems"]), result


def test_load_is_all_or_nothing(cli: Cli, tmp_path: Path) -> None:
    cli("init")
    books = tmp_path / "books"
    shutil.copytree(RULEBOOKS, books)
    jinan = books / "jinan.yaml"
    jinan.write_text(jinan.read_text().replace("basis:", "bass:", 1))
    assert "nothing was loaded" in cli("load", str(books), code=1).stderr
    assert cli("load", "--json").json()["added"]


def test_commands_before_init_say_what_to_do(cli: Cli) -> None:
    assert "run `credence init`" in cli("score", "P-1", code=1).stderr


def test_an_unknown_subject_is_named(loaded: Cli) -> None:
    assert "P-404" in loaded("score", "P-404", code=1).stderr
