"""Notices pushed to webhooks: signed, retried with backoff, delivered at least once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from credence.domain.times import parse_instant
from credence.service.clock import Clock
from credence.service.context import Credence, open_credence
from credence.service.ingest import submit_records
from credence.service.notices import tick
from credence.service.rulebooks import load_rulebooks
from credence.service.settings import Settings
from credence.service.subjects import register_subjects
from credence.service.webhooks import SIGNATURE, add_webhook, deliver, sign, webhooks
from tests.integration.conftest import EXAMPLES, RULEBOOKS

DEFAULT = {
    "source": "court",
    "id": "D-1",
    "subject": "P-0008",
    "type": "court.judgment_default",
    "occurred_at": "2026-10-09T08:00:00",
    "data": {"case": "C-77", "amount": 8000},
}


@pytest.fixture
def app(database_url: str) -> Iterator[Credence]:
    instance = open_credence(
        Settings(db=database_url, now=parse_instant("2026-10-09T12:00")), migrate=True
    )
    load_rulebooks(instance, RULEBOOKS)
    register_subjects(instance, EXAMPLES / "subjects.csv")
    yield instance
    instance.close()


class Receiver:
    """A subscriber's endpoint: answers with the statuses it is given, keeps what it got."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.received: list[tuple[bytes, dict[str, str]]] = []

    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        self.received.append((body, headers))
        return self.statuses.pop(0) if self.statuses else 200


def test_notices_reach_a_subjects_webhook_signed(app: Credence) -> None:
    hook = add_webhook(app, "https://example.test/hook", subject="P-0008")
    submit_records(app, [DEFAULT])
    receiver = Receiver()
    report = deliver(app, receiver)
    assert (report.queued, report.delivered) == (2, 2)
    kinds = [json.loads(body)["kind"] for body, _ in receiver.received]
    assert kinds == ["penalty", "list.proposed"]
    for body, headers in receiver.received:
        assert headers[SIGNATURE] == sign(hook["secret"], body)
    assert deliver(app, receiver).delivered == 0  # nothing twice
    assert webhooks(app)[0]["deliveries"] == {"delivered": 2}


def test_a_failed_delivery_is_retried_after_a_backoff(app: Credence) -> None:
    add_webhook(app, "https://example.test/hook", subject="P-0008")
    submit_records(app, [DEFAULT])
    failing = Receiver(500, 500)
    assert deliver(app, failing).retrying == 2
    assert deliver(app, failing).delivered == 0  # not due yet: the backoff holds
    app.clock = Clock(app.clock.now() + timedelta(minutes=3))
    working = Receiver()
    assert deliver(app, working).delivered == 2
    assert webhooks(app)[0]["deliveries"] == {"delivered": 2}


def test_unreachable_endpoints_are_retried_and_finally_marked_failed(app: Credence) -> None:
    add_webhook(app, "https://example.test/hook", subject="P-0008")
    submit_records(app, [DEFAULT])

    def down(url: str, body: bytes, headers: dict[str, str]) -> int:
        raise ConnectionError("connection refused")

    for attempt in range(8):
        deliver(app, down)
        app.clock = Clock(app.clock.now() + timedelta(minutes=2 ** (attempt + 1) + 1))
    assert webhooks(app)[0]["deliveries"] == {"failed": 2}


def test_a_providers_webhook_follows_decision_changes_of_its_service(app: Credence) -> None:
    add_webhook(app, "https://rail.test/changes", service="rail.high-speed")
    submit_records(app, [DEFAULT])
    tick(app, parse_instant("2026-10-25"))
    receiver = Receiver()
    deliver(app, receiver)
    ((body, _),) = receiver.received
    change = json.loads(body)
    assert (change["kind"], change["service"], change["subject"]) == (
        "restriction.applied",
        "rail.high-speed",
        "P-0008",
    )
