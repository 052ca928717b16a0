"""The HTTP API on SQLite and PostgreSQL: every endpoint for every role, and its guarantees."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from credence.api.app import create_app
from credence.domain.times import parse_instant
from credence.service.clock import Clock
from credence.service.context import Credence, open_credence
from credence.service.keys import create_key
from credence.service.notices import tick
from credence.service.rulebooks import load_rulebooks
from credence.service.settings import Settings
from credence.service.subjects import register_subjects
from tests.integration.conftest import EXAMPLES, RULEBOOKS

NOW = "2026-10-09T12:00:00"
DEFAULT = {
    "source": "court",
    "id": "D-1",
    "subject": "P-0008",
    "type": "court.judgment_default",
    "occurred_at": "2026-10-09T08:00:00",
    "data": {"case": "C-77", "amount": 8000},
    "evidence": "judgment (2026) 77",
}
ROLES = ("admin", "source", "reviewer", "provider", "subject", "stranger")


@dataclass
class Api:
    client: TestClient
    app: Credence
    tokens: dict[str, str]

    def as_(self, role: str) -> dict[str, str]:
        token = self.tokens.get(role)
        return {"Authorization": f"Bearer {token}"} if token else {}

    def at(self, instant: str) -> None:
        self.app.clock = Clock(parse_instant(instant))


def _setup(database_url: str, **settings: object) -> Iterator[Api]:
    # No delivery rounds: a test must never reach out to the addresses it registers.
    settings = {"webhook_interval": 0, **settings}
    config = Settings(db=database_url, now=parse_instant(NOW), **settings)  # type: ignore[arg-type]
    seed = open_credence(config, migrate=True)
    load_rulebooks(seed, RULEBOOKS)
    register_subjects(seed, EXAMPLES / "subjects.csv")
    tokens = {
        "admin": create_key(seed, role="admin", name="ops")[0],
        "source": create_key(seed, role="source", name="court-clerk", source="court")[0],
        "reviewer": create_key(seed, role="reviewer", name="clerk-li")[0],
        "provider": create_key(seed, role="provider", name="railway", services=["rail.high-speed"])[
            0
        ],
        "subject": create_key(seed, role="subject", name="huang", subject="P-0008")[0],
    }
    seed.close()
    app = create_app(config)
    with TestClient(app) as client:
        yield Api(client, app.state.credence, tokens)


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    yield from _setup(database_url)


def submit(api: Api, *records: dict[str, object]) -> dict[str, object]:
    response = api.client.post(
        "/v1/records", json={"records": list(records)}, headers=api.as_("source")
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


MATRIX = [
    (
        "POST",
        "/v1/subjects",
        [{"id": "N-1", "kind": "person", "region": "jinan", "name": "N"}],
        {"admin"},
    ),
    ("POST", "/v1/records", {"records": [DEFAULT]}, {"admin", "source"}),
    ("GET", "/v1/subjects/P-0008/score", None, {"admin", "reviewer", "subject"}),
    ("GET", "/v1/subjects/P-0001/score", None, {"admin", "reviewer"}),
    ("GET", "/v1/subjects/P-0008/decisions", None, {"admin", "reviewer", "provider", "subject"}),
    (
        "GET",
        "/v1/subjects/P-0008/decisions/rail.high-speed",
        None,
        {"admin", "reviewer", "provider", "subject"},
    ),
    (
        "GET",
        "/v1/subjects/P-0008/decisions/hotel.star-rated",
        None,
        {"admin", "reviewer", "subject"},
    ),
    ("GET", "/v1/subjects/P-0008/report", None, {"admin", "subject"}),
    ("GET", "/v1/subjects/P-0001/report", None, {"admin"}),
    ("GET", "/v1/subjects/P-0008/notices", None, {"admin", "subject"}),
    ("GET", "/v1/lists/judgment-defaulters", None, {"admin", "reviewer"}),
    ("GET", "/v1/reviews", None, {"admin", "reviewer"}),
    ("POST", "/v1/reviews/community-committee:V-1", {"accept": True}, {"admin", "reviewer"}),
    (
        "POST",
        "/v1/appeals",
        {"subject": "P-0008", "record": "court:D-1", "reason": "x"},
        {"admin", "subject"},
    ),
    (
        "POST",
        "/v1/appeals",
        {"subject": "P-0001", "list": "judgment-defaulters", "reason": "x"},
        {"admin"},
    ),
    ("GET", "/v1/appeals", None, {"admin", "reviewer"}),
    ("POST", "/v1/appeals/1/decision", {"outcome": "upheld", "reason": "x"}, {"admin", "reviewer"}),
    ("POST", "/v1/rulebooks", {"text": "jurisdiction: x"}, {"admin"}),
    ("POST", "/v1/impact", {"text": "jurisdiction: x"}, {"admin"}),
    ("GET", "/v1/keys", None, {"admin"}),
    ("POST", "/v1/keys", {"role": "reviewer", "name": "new"}, {"admin"}),
    ("GET", "/v1/access-log", None, {"admin"}),
    ("POST", "/v1/webhooks", {"url": "https://a.test/h", "subject": "P-0008"}, {"admin"}),
    ("GET", "/v1/webhooks", None, {"admin"}),
    ("POST", "/v1/webhooks/deliver", None, {"admin"}),
    ("GET", "/v1/changes?service=rail.high-speed&follow=false", None, {"admin", "provider"}),
    ("GET", "/v1/public/register", None, set(ROLES)),
    ("GET", "/v1/rulebooks", None, set(ROLES)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "body", "allowed"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX]
)
def test_every_endpoint_answers_each_role_as_its_rights_say(
    api: Api, method: str, path: str, body: object, allowed: set[str], role: str
) -> None:
    response = api.client.request(method, path, json=body, headers=api.as_(role))
    if role in allowed:
        assert response.status_code not in (401, 403), response.text
        return
    expected = 401 if role == "stranger" else 403
    assert response.status_code == expected, response.text
    assert set(response.json()) == {"error"}
    assert set(response.json()["error"]) == {"code", "message", "details"}


def test_a_record_is_reflected_in_the_very_next_request(api: Api) -> None:
    before = api.client.get("/v1/subjects/P-0008/score", headers=api.as_("admin")).json()
    report = submit(api, DEFAULT)
    assert (report["accepted"], report["rejected"]) == (1, [])
    after = api.client.get("/v1/subjects/P-0008/score", headers=api.as_("admin")).json()
    assert after["score"] == before["score"] - 50
    notices = api.client.get("/v1/subjects/P-0008/notices", headers=api.as_("subject")).json()
    assert [n["kind"] for n in notices["notices"]] == ["penalty", "list.proposed"]
    assert submit(api, DEFAULT)["duplicates"] == 1


def test_a_source_key_submits_for_its_source_only(api: Api) -> None:
    other = {**DEFAULT, "source": "tax-bureau", "id": "T-1", "type": "tax.arrears"}
    report = submit(api, other)
    assert report["accepted"] == 0
    assert report["rejected"] == [
        {"line": 1, "id": "T-1", "reason": "this key submits for court only"}
    ]


def test_decisions_name_their_reasons_and_are_logged(api: Api) -> None:
    submit(api, DEFAULT)
    api.at("2026-10-20")
    decision = api.client.get(
        "/v1/subjects/P-0008/decisions/rail.high-speed", headers=api.as_("provider")
    ).json()
    assert set(decision) >= {"subject", "service", "as_of", "allowed", "measures", "restored_at"}
    assert decision["allowed"] is False and decision["restored_at"] == "2028-10-09T08:00:00Z"
    report = api.client.get("/v1/subjects/P-0008/report", headers=api.as_("subject")).json()
    assert any(e["who"] == "railway" and e["answer"] == "refused" for e in report["access_log"])
    log = api.client.get("/v1/access-log?subject=P-0008", headers=api.as_("admin")).json()
    assert log["entries"][0]["who"] == "huang"  # the subject reading its own report


def test_bad_bodies_get_422_naming_the_field(api: Api) -> None:
    headers = api.as_("source")
    unknown = api.client.post(
        "/v1/records", json={"records": [{**DEFAULT, "colour": 1}]}, headers=headers
    )
    assert unknown.status_code == 422 and "records.0.colour" in unknown.json()["error"]["message"]
    wrong = api.client.post(
        "/v1/records", json={"records": [{**DEFAULT, "data": 5}]}, headers=headers
    )
    assert wrong.status_code == 422 and "records.0.data" in wrong.json()["error"]["message"]
    broken = api.client.post(
        "/v1/records", content=b"{not json", headers={**headers, "content-type": "application/json"}
    )
    assert broken.status_code == 422 and set(broken.json()) == {"error"}
    bad_date = submit(api, {**DEFAULT, "occurred_at": "yesterday"})
    assert "'yesterday' is not an ISO 8601" in bad_date["rejected"][0]["reason"]


def test_unknown_keys_and_revoked_keys_get_401(api: Api) -> None:
    response = api.client.get("/v1/reviews", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"
    keys = api.client.get("/v1/keys", headers=api.as_("admin")).json()["keys"]
    reviewer = next(k for k in keys if k["role"] == "reviewer")
    assert all("token" not in k for k in keys)
    api.client.delete(f"/v1/keys/{reviewer['id']}", headers=api.as_("admin"))
    assert api.client.get("/v1/reviews", headers=api.as_("reviewer")).status_code == 401


def test_appeals_through_the_api_overturn_and_restore(api: Api) -> None:
    submit(api, DEFAULT)
    api.at("2026-10-12")
    filed = api.client.post(
        "/v1/appeals",
        headers=api.as_("subject"),
        json={"subject": "P-0008", "record": "court:D-1", "reason": "paid"},
    )
    assert filed.status_code == 201
    api.at("2026-10-14")
    decided = api.client.post(
        f"/v1/appeals/{filed.json()['id']}/decision",
        headers=api.as_("reviewer"),
        json={"outcome": "overturned", "reason": "receipt verified"},
    )
    assert decided.json()["status"] == "overturned" and decided.json()["reviewer"] == "clerk-li"
    score = api.client.get("/v1/subjects/P-0008/score", headers=api.as_("subject")).json()
    assert score["score"] == 1000 and score["lists"] == []


def test_decision_changes_stream_as_events_and_resume(api: Api) -> None:
    submit(api, DEFAULT)
    tick(api.app, datetime.fromisoformat("2026-10-25T00:00:00+00:00"))
    url = "/v1/changes?service=rail.high-speed&follow=false"
    first = api.client.get(url, headers=api.as_("provider"))
    assert first.headers["content-type"].startswith("text/event-stream")
    events = [b for b in first.text.split("\n\n") if b.startswith("id:")]
    assert len(events) == 1 and '"allowed": false' in events[0]
    last = events[0].split("\n")[0].removeprefix("id: ")
    resumed = api.client.get(url, headers={**api.as_("provider"), "Last-Event-ID": last})
    assert [b for b in resumed.text.split("\n\n") if b.startswith("id:")] == []


def test_lists_paginate(api: Api) -> None:
    submit(
        api,
        DEFAULT,
        {**DEFAULT, "id": "D-2", "subject": "P-0002", "data": {"case": "C-78", "amount": 9000}},
    )
    api.at("2026-10-25")
    page = api.client.get(
        "/v1/lists/judgment-defaulters?limit=1&offset=1", headers=api.as_("reviewer")
    ).json()
    assert page["total"] == 2 and len(page["members"]) == 1 and page["offset"] == 1


def test_publishing_a_refused_rulebook_names_the_reasons(api: Api) -> None:
    text = (RULEBOOKS / "jinan.yaml").read_text().replace('version: "2026.1"', 'version: "9"')
    text = text.replace("basis:", "bass:", 1)
    response = api.client.post(
        "/v1/rulebooks", json={"text": text, "name": "jinan-9.yaml"}, headers=api.as_("admin")
    )
    assert response.status_code == 422
    assert "jinan-9.yaml" in response.json()["error"]["message"]
    public = api.client.get("/v1/rulebooks").json()
    assert {b["jurisdiction"] for b in public["rulebooks"]} >= {"national", "jinan"}


def test_health_and_readiness(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"ok": True}
    assert api.client.get("/readyz").json()["migrations_current"] is True


def test_two_writers_of_the_same_record_store_it_once(api: Api) -> None:
    results: list[dict[str, object]] = []

    def write() -> None:
        results.append(submit(api, DEFAULT))

    threads = [threading.Thread(target=write) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted((r["accepted"], r["duplicates"]) for r in results) == [(0, 1), (1, 0)]
    records = api.client.get("/v1/subjects/P-0008/report", headers=api.as_("admin")).json()
    assert [r["record"] for r in records["records"]] == ["court:D-1"]


def test_too_many_requests_get_429(database_url: str) -> None:
    for api in _setup(database_url, rate_limit=3):
        codes = [
            api.client.get("/v1/reviews", headers=api.as_("reviewer")).status_code for _ in range(5)
        ]
        assert codes[:3] == [200, 200, 200] and codes[-1] == 429


def test_bodies_over_the_limit_get_413(database_url: str) -> None:
    for api in _setup(database_url, max_body_bytes=200):
        response = api.client.post(
            "/v1/records", json={"records": [DEFAULT] * 5}, headers=api.as_("source")
        )
        assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"


def test_an_admin_measures_a_drafts_impact_without_changing_anything(api: Api) -> None:
    submit(api, DEFAULT)
    draft = (RULEBOOKS / "national.yaml").read_text().replace("points: -50", "points: -500", 1)
    result = api.client.post("/v1/impact", json={"text": draft}, headers=api.as_("admin"))
    assert result.status_code == 200, result.text
    assert result.json()["changed_score"] == 1
    score = api.client.get("/v1/subjects/P-0008/score", headers=api.as_("admin")).json()
    assert score["score"] == 950
