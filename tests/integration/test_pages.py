"""The web pages on SQLite and PostgreSQL: each role reaches what its key allows, no more."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from credence.domain.times import parse_instant
from credence.service.context import open_credence
from credence.service.ingest import submit_records
from credence.service.keys import create_key
from credence.service.rulebooks import load_rulebooks
from credence.service.settings import Settings
from credence.service.subjects import register_subjects
from credence.web.pages import COOKIE
from credence.web.site import create_site
from tests.integration.conftest import EXAMPLES, RULEBOOKS
from tests.integration.test_api import DEFAULT

PAGES = {
    "/": {"admin": 200, "reviewer": 200, "provider": 200, "subject": 200, None: 200},
    "/subjects/P-0008": {"admin": 200, "reviewer": 200, "provider": 403, "subject": 200, None: 303},
    "/subjects/P-0001": {"admin": 200, "reviewer": 200, "provider": 403, "subject": 403, None: 303},
    "/reviews": {"admin": 200, "reviewer": 200, "provider": 403, "subject": 403, None: 303},
    "/search?q=Huang": {"admin": 200, "reviewer": 200, "provider": 403, "subject": 403, None: 303},
    "/rulebooks": {"admin": 200, "reviewer": 200, "provider": 200, "subject": 200, None: 200},
    "/register": {"admin": 200, "reviewer": 200, "provider": 200, "subject": 200, None: 200},
}


@pytest.fixture
def site(database_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = Settings(db=database_url, now=parse_instant("2026-11-01"), webhook_interval=0)
    at_default = settings.model_copy(update={"now": parse_instant("2026-10-09T12:00:00")})
    seed = open_credence(at_default, migrate=True)
    load_rulebooks(seed, RULEBOOKS)
    register_subjects(seed, EXAMPLES / "subjects.csv")
    submit_records(seed, [DEFAULT])
    tokens = {
        "admin": create_key(seed, role="admin", name="ops")[0],
        "reviewer": create_key(seed, role="reviewer", name="clerk")[0],
        "provider": create_key(seed, role="provider", name="rail")[0],
        "subject": create_key(seed, role="subject", name="huang", subject="P-0008")[0],
    }
    seed.close()
    with TestClient(create_site(settings), follow_redirects=False) as client:
        yield client, tokens


@pytest.mark.parametrize("path", list(PAGES))
def test_each_page_answers_each_role_as_its_rights_say(
    site: tuple[TestClient, dict[str, str]], path: str
) -> None:
    client, tokens = site
    for role, expected in PAGES[path].items():
        cookies = {COOKIE: tokens[role]} if role else {}
        client.cookies.clear()
        response = client.get(path, cookies=cookies)
        if path == "/" and role == "subject":
            expected = 303  # straight to the subject's own page
        assert response.status_code == expected, (path, role)
        if expected == 200:
            assert "<title>" in response.text


def test_the_subject_page_explains_a_refusal(site: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = site
    page = client.get("/subjects/P-0008", cookies={COOKIE: tokens["reviewer"]}).text
    assert "refused" in page and "Listed on judgment-defaulters" in page
    assert "SPC Several Provisions" in page  # the basis is shown


def test_an_admin_measures_a_drafts_impact_on_the_rulebooks_page(
    site: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = site
    draft = (RULEBOOKS / "national.yaml").read_text().replace("points: -50", "points: -500", 1)
    response = client.post(
        "/rulebooks/impact", data={"draft": draft}, cookies={COOKIE: tokens["admin"]}
    )
    assert response.status_code == 200
    assert 'id="impact"' in response.text and "P-0008 950→500" in response.text
    refused = client.post(
        "/rulebooks/impact", data={"draft": draft}, cookies={COOKIE: tokens["reviewer"]}
    )
    assert refused.status_code == 403
