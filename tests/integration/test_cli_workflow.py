"""The due-process workflow from the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.conftest import EXAMPLES, Cli, write

DEFAULT = """
source,id,subject,type,occurred_at,case,amount
court,D-1,P-0008,court.judgment_default,2026-10-09T08:00:00,C-77,8000
"""
SETTLED = """
source,id,subject,type,occurred_at,case,amount
court,S-1,P-0008,court.judgment_settled,2026-11-20T08:00:00,C-77,8000
"""
VOLUNTEER = """
source,id,subject,type,occurred_at,hours,activity
community-committee,V-1,P-0007,civic.volunteer_service,2026-10-01,6,river clean-up
"""


@pytest.fixture
def defaulted(loaded: Cli, tmp_path: Path) -> Cli:
    """P-0008's unpaid judgment, recorded the day it occurred."""
    loaded("register", str(EXAMPLES / "subjects.csv"))
    loaded("ingest", str(write(tmp_path / "default.csv", DEFAULT)), now="2026-10-09T12:00:00")
    return loaded


def kinds(cli: Cli, subject: str, now: str) -> list[str]:
    return [n["kind"] for n in cli("notices", subject, "--json", now=now).json()["notices"]]


def test_a_listing_waits_for_its_notice_period(defaulted: Cli) -> None:
    assert kinds(defaulted, "P-0008", "2026-10-09T12:00:00") == ["penalty", "list.proposed"]
    pending = defaulted("lists", "judgment-defaulters", "--at", "2026-10-19T11:59:59", "--json")
    assert [(m["subject"], m["status"]) for m in pending.json()["members"]] == [
        ("P-0008", "pending")
    ]
    listed = defaulted("lists", "judgment-defaulters", "--at", "2026-10-19T12:00:00", "--json")
    (member,) = listed.json()["members"]
    assert (member["status"], member["since"]) == ("listed", "2026-10-19T12:00:00Z")
    assert member["causes"] == ["court:D-1"]


def test_a_refusal_names_its_reasons_and_its_end(defaulted: Cli) -> None:
    before = defaulted("decide", "P-0008", "rail.high-speed", "--at", "2026-10-19", "--json")
    assert before.json()["allowed"] is True
    decision = defaulted(
        "decide", "P-0008", "rail.high-speed", "--at", "2026-10-20", "--json"
    ).json()
    assert {"subject", "service", "as_of", "allowed", "measures", "restored_at"} <= set(decision)
    assert decision["allowed"] is False
    (measure,) = decision["measures"]
    assert measure["measure"] == "rail.high-speed-ban" and measure["basis"]
    assert [c["code"] for c in measure["causes"]][:2] == [
        "LISTED:judgment-defaulters",
        "RECORD:court.judgment_default.small",
    ]
    assert decision["restored_at"] == "2028-10-09T08:00:00Z"  # the small default lasts two years


def test_every_service_is_decided_at_once(defaulted: Cli) -> None:
    result = defaulted("decide", "P-0008", "--at", "2026-10-20", "--json").json()
    refused = {d["service"] for d in result["decisions"] if not d["allowed"]}
    assert refused == {"rail.high-speed", "air.domestic-flights", "hotel.star-rated"}
    text = defaulted("decide", "P-0008", "--at", "2026-10-20").stdout
    assert "rail.high-speed: refused until 2028-10-09" in text


def test_an_unknown_service_is_named_with_the_known_ones(defaulted: Cli) -> None:
    error = defaulted("decide", "P-0008", "teleport", code=1).stderr
    assert "'teleport'" in error and "rail.high-speed" in error


def test_tick_sends_time_driven_notices_once(defaulted: Cli) -> None:
    first = defaulted("tick", "--json", now="2026-10-25").json()
    assert first["added"] >= 2
    assert defaulted("tick", "--json", now="2026-10-25").json()["added"] == 0
    assert defaulted("tick", "--json", now="2026-10-26").json()["added"] == 0
    notices = kinds(defaulted, "P-0008", "2026-10-26")
    assert notices == [
        "penalty",
        "list.proposed",
        "list.listed",
        "restriction.applied",
        "restriction.applied",
        "restriction.applied",
    ]


def test_settlement_restores_and_notifies(defaulted: Cli, tmp_path: Path) -> None:
    defaulted("ingest", str(write(tmp_path / "s.csv", SETTLED)), now="2026-11-20T09:00:00")
    decision = defaulted("decide", "P-0008", "rail.high-speed", "--json", now="2026-11-21").json()
    assert decision["allowed"] is True
    notices = kinds(defaulted, "P-0008", "2026-11-21")
    assert notices[-4:] == [
        "list.removed",
        "restriction.lifted",
        "restriction.lifted",
        "restriction.lifted",
    ]


def test_an_overturned_appeal_leaves_no_trace(defaulted: Cli) -> None:
    appeal = defaulted(
        "appeal",
        "file",
        "P-0008",
        "--record",
        "court:D-1",
        "--reason",
        "I paid in 2025",
        "--json",
        now="2026-10-15",
    ).json()
    assert appeal["status"] == "pending"
    card = defaulted("score", "P-0008", "--json", now="2026-10-16").json()
    assert card["contributions"][0]["status"] == "disputed"
    assert card["score"] == 950  # a disputed record still counts
    defaulted(
        "appeal",
        "decide",
        appeal["id"],
        "--overturn",
        "--reviewer",
        "judge-wu",
        "--reason",
        "payment receipt verified",
        now="2026-10-20",
    )
    for at in ("2026-10-10", "2026-10-25", "2027-06-01"):
        card = defaulted("score", "P-0008", "--at", at, "--json", now="2026-10-20").json()
        assert card["score"] == 1000 and card["lists"] == []
        decision = defaulted(
            "decide", "P-0008", "rail.high-speed", "--at", at, "--json", now="2026-10-20"
        ).json()
        assert decision["allowed"] is True and decision["measures"] == []
    assert "appeal.decided" in kinds(defaulted, "P-0008", "2026-10-20")
    members = defaulted("lists", "--at", "2026-10-25", "--json", now="2026-10-20").json()
    assert all(m["subject"] != "P-0008" for m in members["members"])


def test_appeals_close_with_the_window(defaulted: Cli) -> None:
    last_instant = "2026-10-19T12:00:00"
    defaulted(
        "appeal",
        "file",
        "P-0008",
        "--record",
        "court:D-1",
        "--reason",
        "wrong case",
        now=last_instant,
    )
    error = defaulted(
        "appeal",
        "file",
        "P-0008",
        "--list",
        "judgment-defaulters",
        "--reason",
        "late",
        now="2026-10-19T12:00:01",
        code=1,
    ).stderr
    assert "appeal window closed at 2026-10-19T12:00:00Z" in error


def test_a_listing_appeal_holds_the_listing_until_decided(defaulted: Cli) -> None:
    appeal = defaulted(
        "appeal",
        "file",
        "P-0008",
        "--list",
        "judgment-defaulters",
        "--reason",
        "settlement agreed",
        "--json",
        now="2026-10-12",
    ).json()
    members = defaulted("lists", "--json", now="2026-10-25").json()["members"]
    assert [m["status"] for m in members if m["subject"] == "P-0008"] == ["pending"]
    defaulted(
        "appeal",
        "decide",
        appeal["id"],
        "--uphold",
        "--reviewer",
        "judge-wu",
        "--reason",
        "no settlement on file",
        now="2026-10-26",
    )
    members = defaulted("lists", "--json", now="2026-10-27").json()["members"]
    listed = [m for m in members if m["subject"] == "P-0008"]
    assert listed[0]["status"] == "listed" and listed[0]["since"] == "2026-10-26T00:00:00Z"


def test_an_undecided_appeal_suspends_the_record_after_the_review_deadline(defaulted: Cli) -> None:
    defaulted(
        "appeal", "file", "P-0008", "--record", "court:D-1", "--reason", "not me", now="2026-10-10"
    )
    assert defaulted("score", "P-0008", "--json", now="2026-11-08T23:59:59").json()["score"] == 950
    card = defaulted("score", "P-0008", "--json", now="2026-11-09").json()  # filed + P30D
    assert card["score"] == 1000
    assert card["contributions"][0]["status"] == "suspended"


def test_decided_appeals_cannot_be_decided_again(defaulted: Cli) -> None:
    appeal = defaulted(
        "appeal",
        "file",
        "P-0008",
        "--record",
        "court:D-1",
        "--reason",
        "x",
        "--json",
        now="2026-10-10",
    ).json()
    args = ("appeal", "decide", appeal["id"], "--uphold", "--reviewer", "r1", "--reason", "ok")
    defaulted(*args, now="2026-10-11")
    assert "already decided" in defaulted(*args, now="2026-10-12", code=1).stderr
    listed = defaulted("appeal", "list", "--json").json()["appeals"]
    assert [a["status"] for a in listed] == ["upheld"]


def test_observer_records_count_only_after_review_by_someone_else(
    loaded: Cli, tmp_path: Path
) -> None:
    loaded("register", str(EXAMPLES / "subjects.csv"))
    loaded("ingest", str(write(tmp_path / "v.csv", VOLUNTEER)), now="2026-10-02")
    assert loaded("score", "P-0007", "--json", now="2026-10-03").json()["score"] == 1000
    pending = loaded("review", "list", "--json").json()["pending"]
    assert [p["record"] for p in pending] == ["community-committee:V-1"]
    error = loaded(
        "review", "accept", "community-committee:V-1", "--reviewer", "community-committee", code=1
    ).stderr
    assert "two-person rule" in error
    loaded(
        "review", "accept", "community-committee:V-1", "--reviewer", "clerk-li", now="2026-10-05"
    )
    card = loaded("score", "P-0007", "--at", "2026-10-02", "--json", now="2026-10-06").json()
    assert card["score"] == 1005  # counts from when it occurred, once accepted
    assert loaded("review", "list", "--json").json()["pending"] == []
    again = loaded(
        "review",
        "reject",
        "community-committee:V-1",
        "--reviewer",
        "clerk-ma",
        "--reason",
        "dup",
        code=1,
    )
    assert "already reviewed" in again.stderr


def test_a_rejected_observer_record_stays_in_the_ledger_and_never_counts(
    loaded: Cli, tmp_path: Path
) -> None:
    loaded("register", str(EXAMPLES / "subjects.csv"))
    loaded("ingest", str(write(tmp_path / "v.csv", VOLUNTEER)), now="2026-10-02")
    loaded(
        "review",
        "reject",
        "community-committee:V-1",
        "--reviewer",
        "clerk-li",
        "--reason",
        "no such event",
    )
    report = loaded("report", "P-0007", "--json", now="2026-10-06").json()
    statuses = {r["record"]: r["status"] for r in report["records"]}
    assert statuses["community-committee:V-1"] == "rejected"
    assert report["score"] == 1000


def test_the_public_register_masks_people_and_names_organisations(
    loaded: Cli, tmp_path: Path
) -> None:
    loaded("register", str(EXAMPLES / "subjects.csv"))
    loaded("ingest", str(write(tmp_path / "d.csv", DEFAULT)), now="2026-10-09T12:00:00")
    org = write(
        tmp_path / "org.csv",
        """
source,id,subject,type,occurred_at,case,amount,violation
tax-bureau,T-1,91370100MA3D7KL5PE,tax.serious_violation,2026-10-01,X-1,900000,evasion
""",
    )
    loaded("ingest", str(org), now="2026-10-01T10:00:00")
    entries = loaded("public-register", "--json", now="2026-11-01").json()["entries"]
    people = [e for e in entries if e["kind"] == "person" and e["list"] == "judgment-defaulters"]
    assert people[0]["name"] == "H**** Q****" and people[0]["code"] is None
    firms = [e for e in entries if e["kind"] == "organisation"]
    assert firms[0]["code"] == "91370100MA3D7KL5PE" and "Jinan" in firms[0]["name"]
    assert all(e["basis"] for e in entries)
    before = loaded("public-register", "--json", now="2026-10-10").json()["entries"]
    assert all(e["list"] != "judgment-defaulters" for e in before)  # pending is never public


def test_a_report_holds_everything_about_a_subject(defaulted: Cli) -> None:
    defaulted(
        "appeal", "file", "P-0008", "--record", "court:D-1", "--reason", "x", now="2026-10-10"
    )
    report = defaulted("report", "P-0008", "--json", now="2026-10-25").json()
    assert report["subject"]["id"] == "P-0008"
    assert [r["record"] for r in report["records"]] == ["court:D-1"]
    assert report["records"][0]["status"] == "disputed"
    assert report["lists"][0]["list"] == "judgment-defaulters"
    assert {n["kind"] for n in report["notices"]} >= {"penalty", "list.proposed"}
    assert report["appeals"][0]["status"] == "pending"
    assert {d["service"] for d in report["decisions"]} >= {"rail.high-speed"}


def test_verify_names_a_rewritten_appeal_decision(defaulted: Cli, database_url: str) -> None:
    import sqlalchemy as sa

    appeal = defaulted(
        "appeal",
        "file",
        "P-0008",
        "--record",
        "court:D-1",
        "--reason",
        "x",
        "--json",
        now="2026-10-10",
    ).json()
    defaulted(
        "appeal",
        "decide",
        appeal["id"],
        "--uphold",
        "--reviewer",
        "r1",
        "--reason",
        "ok",
        now="2026-10-11",
    )
    assert defaulted("verify", "--json").json()["ok"] is True
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE appeal_decisions SET outcome = 'overturned'"))
    engine.dispose()
    result = defaulted("verify", "--json", code=1).json()
    assert result["first_bad"] == "appeal_decisions entry 1"
