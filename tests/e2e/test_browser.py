"""The pages in a real browser: sign in, find a subject, read a refusal, appeal, overturn."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from credence.domain.times import parse_instant
from credence.service.clock import Clock
from credence.service.context import Credence, open_credence
from credence.service.ingest import submit_records
from credence.service.keys import create_key
from credence.service.rulebooks import load_rulebooks
from credence.service.settings import Settings
from credence.service.subjects import register_subjects
from credence.web.site import create_site
from tests.integration.conftest import EXAMPLES, RULEBOOKS

pytestmark = pytest.mark.e2e
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
LAUNCH = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEFAULT = {
    "source": "court",
    "id": "D-1",
    "subject": "P-0008",
    "type": "court.judgment_default",
    "occurred_at": "2026-10-09T08:00:00",
    "data": {"case": "C-77", "amount": 8000},
    "evidence": "judgment (2026) 77",
}

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing under CI=true", pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)


class Site:
    def __init__(self, url: str, app: Credence, tokens: dict[str, str]) -> None:
        self.url, self.app, self.tokens = url, app, tokens

    def at(self, instant: str) -> None:
        self.app.clock = Clock(parse_instant(instant))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("site")
    settings = Settings(
        db=f"sqlite:///{folder / 'site.sqlite'}",
        now=parse_instant("2026-10-09T12:00:00"),
        webhook_interval=0,
    )
    seed = open_credence(settings, migrate=True)
    load_rulebooks(seed, RULEBOOKS)
    register_subjects(seed, EXAMPLES / "subjects.csv")
    submit_records(seed, [DEFAULT])
    tokens = {
        role: create_key(seed, role=role, name=name, **bound)[0]
        for role, name, bound in (
            ("admin", "ops", {}),
            ("reviewer", "clerk-li", {}),
            ("subject", "huang", {"subject": "P-0008"}),
            ("provider", "railway", {"services": ["rail.high-speed"]}),
        )
    }
    seed.close()
    app = create_site(settings)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:  # readiness, not a timed wait
        time.sleep(0.02)
    yield Site(f"http://127.0.0.1:{port}", app.state.credence, tokens)
    server.should_exit = True
    thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH
        )
        yield launched
        launched.close()


def click(page: object, selector: str) -> None:
    """Click something that navigates, and wait for the page it leads to."""
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click(selector)  # type: ignore[attr-defined]


def open_page(browser: object, site: Site, role: str | None) -> object:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.goto(site.url + "/")
    if role is not None:
        page.fill("#token", site.tokens[role])
        click(page, "button:has-text('Sign in')")
    return page


def check_page(page: object, name: str) -> None:
    """Every page has a title, labelled fields and no console errors; keep a screenshot."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
    assert page.title()  # type: ignore[attr-defined]
    unlabelled = page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]), select, textarea')].filter(
        f => !(f.id && document.querySelector(`label[for="${f.id}"]`))).map(f => f.name)""")  # type: ignore[attr-defined]
    assert unlabelled == []
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_refusal_is_explained_and_an_overturned_appeal_undoes_it(
    site: Site, browser: object
) -> None:
    site.at("2026-10-15")
    subject = open_page(browser, site, "subject")
    assert "/subjects/P-0008" in subject.url  # type: ignore[attr-defined]
    assert subject.inner_text("#score") == "950"  # type: ignore[attr-defined]
    assert "pending" in subject.inner_text("#lists")  # type: ignore[attr-defined]
    check_page(subject, "subject-before")
    subject.fill("#contributions input[name=reason]", "I paid in full in 2025")  # type: ignore[attr-defined]
    click(subject, "#contributions button")
    assert "Appeal 1 filed" in subject.inner_text("main")  # type: ignore[attr-defined]

    site.at("2026-10-20")
    reviewer = open_page(browser, site, "reviewer")
    check_page(reviewer, "overview")
    reviewer.fill("#q", "Huang")  # type: ignore[attr-defined]
    click(reviewer, "button:has-text('Search')")
    check_page(reviewer, "search")
    click(reviewer, "#results a:has-text('P-0008')")
    decisions = reviewer.inner_text("#decisions")  # type: ignore[attr-defined]
    assert "rail.high-speed\trefused" in decisions
    assert "Listed on judgment-defaulters" in decisions
    check_page(reviewer, "subject-refused")
    reviewer.goto(site.url + "/reviews")  # type: ignore[attr-defined]
    check_page(reviewer, "reviews")
    reviewer.fill("#decision-reason-1", "payment receipt verified")  # type: ignore[attr-defined]
    click(reviewer, "button:has-text('Overturn')")
    assert "Appeal 1 overturned" in reviewer.inner_text("main")  # type: ignore[attr-defined]

    subject.goto(site.url + "/subjects/P-0008")  # type: ignore[attr-defined]
    assert subject.inner_text("#score") == "1000"  # type: ignore[attr-defined]
    assert "Not on any list" in subject.inner_text("#lists")  # type: ignore[attr-defined]
    assert "refused" not in subject.inner_text("#decisions")  # type: ignore[attr-defined]
    assert "overturned" in subject.inner_text("#appeals")  # type: ignore[attr-defined]
    check_page(subject, "subject-after")


def test_each_role_sees_only_what_its_key_allows(site: Site, browser: object) -> None:
    provider = open_page(browser, site, "provider")
    provider.goto(site.url + "/subjects/P-0008")  # type: ignore[attr-defined]
    assert "403" in provider.title()  # type: ignore[attr-defined]
    subject = open_page(browser, site, "subject")
    subject.goto(site.url + "/subjects/P-0001")  # type: ignore[attr-defined]
    assert "403" in subject.title()  # type: ignore[attr-defined]
    subject.goto(site.url + "/reviews")  # type: ignore[attr-defined]
    assert "403" in subject.title()  # type: ignore[attr-defined]
    stranger = open_page(browser, site, None)
    check_page(stranger, "sign-in")
    stranger.fill("#token", "wrong")  # type: ignore[attr-defined]
    click(stranger, "button:has-text('Sign in')")
    assert "unknown or revoked" in stranger.inner_text("main")  # type: ignore[attr-defined]


def test_public_pages_need_no_key(site: Site, browser: object) -> None:
    stranger = open_page(browser, site, None)
    stranger.goto(site.url + "/register")  # type: ignore[attr-defined]
    check_page(stranger, "register")
    stranger.goto(site.url + "/rulebooks")  # type: ignore[attr-defined]
    assert "national@2026.1" in stranger.inner_text("main")  # type: ignore[attr-defined]
    stranger.select_option("#a", "rongcheng@2026.1")  # type: ignore[attr-defined]
    stranger.select_option("#b", "rongcheng@2026.2")  # type: ignore[attr-defined]
    click(stranger, "text=Show the difference")
    assert "+++ rongcheng@2026.2" in stranger.inner_text("#diff")  # type: ignore[attr-defined]
    check_page(stranger, "rulebooks")
