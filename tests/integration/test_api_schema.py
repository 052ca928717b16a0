"""Schemathesis over the OpenAPI document: no 5xx, and every response matches its schema."""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from credence.api.app import create_app
from credence.domain.times import parse_instant
from credence.service.context import open_credence
from credence.service.keys import create_key
from credence.service.rulebooks import load_rulebooks
from credence.service.settings import Settings
from credence.service.subjects import register_subjects
from tests.integration.conftest import EXAMPLES, RULEBOOKS


def _app_and_token(folder: Path) -> tuple[object, str]:
    config = Settings(
        db=f"sqlite:///{folder / 'schema.sqlite'}",
        now=parse_instant("2026-10-09T12:00:00"),
        rate_limit=100_000,
        webhook_interval=0,
    )
    seed = open_credence(config, migrate=True)
    load_rulebooks(seed, RULEBOOKS)
    register_subjects(seed, EXAMPLES / "subjects.csv")
    token = create_key(seed, role="admin", name="schemathesis")[0]
    seed.close()
    return create_app(config), token


_folder = Path(__import__("tempfile").mkdtemp())
APP, TOKEN = _app_and_token(_folder)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)  # type: ignore[arg-type]


# Streams never end on their own, and deliveries would reach out to generated addresses.
@schema.exclude(path="/v1/changes").exclude(path="/v1/webhooks/deliver").parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_never_fails_and_keeps_its_schema(case: schemathesis.Case) -> None:
    # Well-typed input may still be refused for what it means (a rulebook that fails the
    # checker, an appeal out of time): that 4xx is the API working, so only 5xx and
    # responses outside their schema fail here.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKEN}"}, excluded_checks=[positive_data_acceptance]
    )
