"""The store's contract: every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from credence.domain.errors import ConflictError, InvalidInputError, NotFoundError
from credence.domain.records import Record, Subject, chain_hash, content_hash
from credence.store import AppendOutcome, SqlStore, StoredBook
from credence.store.schema import metadata

GENESIS = "0" * 64
T0 = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
RECORDED = datetime(2025, 1, 15, 12, 0, 0, 123456, tzinfo=UTC)


def a_subject(**overrides: Any) -> Subject:
    fields: dict[str, Any] = {"id": "p-1", "kind": "person", "region": "rongcheng", "name": "Li"}
    return Subject(**(fields | overrides))


def a_record(**overrides: Any) -> Record:
    fields: dict[str, Any] = {
        "source": "court",
        "id": "2024-118",
        "subject": "p-1",
        "type": "court.judgment_default",
        "occurred_at": T0,
        "recorded_at": RECORDED,
        "data": {"amount": 12000, "case": "K-118"},
        "evidence": "court://cases/K-118",
    }
    return Record(**(fields | overrides))


def some_records(count: int, source: str = "court", start: int = 0) -> list[Record]:
    return [
        a_record(
            source=source,
            id=f"{source}-{n}",
            subject=f"p-{n % 7}",
            occurred_at=T0 + timedelta(hours=n),
            data={"amount": n, "case": f"K-{n}"},
        )
        for n in range(start, start + count)
    ]


def a_book(**overrides: Any) -> StoredBook:
    fields: dict[str, Any] = {
        "jurisdiction": "national",
        "version": "2026.1",
        "effective_from": date(2026, 1, 1),
        "origin": "rulebooks/national.yaml",
        "text": "jurisdiction: national\nversion: '2026.1'\n",
        "hash": "a" * 64,
        "loaded_at": RECORDED,
    }
    return StoredBook(**(fields | overrides))


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    opened = SqlStore(database_url)
    opened.migrate()
    yield opened
    opened.close()


@pytest.fixture
def raw(database_url: str) -> Iterator[sa.Engine]:
    """A plain engine for looking behind the store's back, or tampering with it."""
    engine = sa.create_engine(database_url)
    yield engine
    engine.dispose()


def chain_of(raw: sa.Engine, source: str) -> list[tuple[int, str, str, str]]:
    query = sa.text(
        "SELECT chain_seq, prev_hash, hash, content_hash FROM records"
        " WHERE source = :source ORDER BY chain_seq"
    )
    with raw.connect() as connection:
        return [tuple(row) for row in connection.execute(query, {"source": source})]


def tamper(raw: sa.Engine, statement: str, **params: Any) -> None:
    with raw.begin() as connection:
        connection.execute(sa.text(statement), params)


# Migrations


def test_migrate_is_idempotent_and_leaves_the_schema_current(database_url: str) -> None:
    store = SqlStore(database_url)
    assert not store.is_current()
    store.migrate()
    store.migrate()
    assert store.is_current()
    store.close()


def test_migrations_build_exactly_the_tables_the_code_declares(
    store: SqlStore, raw: sa.Engine
) -> None:
    with raw.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


# Subjects


def test_new_subjects_are_accepted_and_read_back(store: SqlStore) -> None:
    added = store.add_subjects([a_subject(), a_subject(id="o-1", kind="organisation")])
    assert (added.accepted, added.duplicates, added.conflicts) == (2, 0, [])
    assert store.subject("o-1") == a_subject(id="o-1", kind="organisation")
    assert store.count_subjects() == 2


def test_registering_the_same_subject_again_counts_a_duplicate(store: SqlStore) -> None:
    store.add_subjects([a_subject()])
    added = store.add_subjects([a_subject(), a_subject()])
    assert (added.accepted, added.duplicates, added.conflicts) == (0, 2, [])
    assert store.count_subjects() == 1


def test_a_known_id_with_other_content_is_a_conflict_naming_what_differs(
    store: SqlStore,
) -> None:
    store.add_subjects([a_subject()])
    added = store.add_subjects([a_subject(name="Wang", region="shandong"), a_subject(id="p-2")])
    assert (added.accepted, added.duplicates) == (1, 0)
    [(subject_id, reason)] = added.conflicts
    assert subject_id == "p-1"
    assert "region" in reason and "name" in reason
    assert store.subject("p-1") == a_subject()


def test_subjects_by_id_finds_the_known_ones_among_thousands(store: SqlStore) -> None:
    store.add_subjects([a_subject(id=f"p-{n}") for n in range(2500)])
    wanted = [f"p-{n}" for n in range(0, 5000, 2)]
    found = store.subjects_by_id(wanted)
    assert set(found) == {f"p-{n}" for n in range(0, 2500, 2)}
    assert found["p-42"] == a_subject(id="p-42")


def test_an_unregistered_subject_is_not_found(store: SqlStore) -> None:
    with pytest.raises(NotFoundError, match="nobody"):
        store.subject("nobody")


# Rulebook versions


def test_rulebook_versions_are_stored_and_read_back_with_aware_times(store: SqlStore) -> None:
    city = a_book(jurisdiction="rongcheng", version="2026.2", effective_from=date(2026, 3, 1))
    added = store.add_rulebook_versions([a_book(), city])
    assert added == ["national@2026.1", "rongcheng@2026.2"]
    assert store.rulebook_versions() == [a_book(), city]
    assert store.rulebook_versions()[0].loaded_at.tzinfo is not None


def test_an_identical_rulebook_version_is_skipped(store: SqlStore) -> None:
    store.add_rulebook_versions([a_book()])
    later = a_book(version="2026.2", effective_from=date(2026, 7, 1))
    assert store.add_rulebook_versions([a_book(), later, later]) == ["national@2026.2"]
    assert len(store.rulebook_versions()) == 2


def test_a_changed_published_version_is_refused_and_nothing_of_the_call_is_stored(
    store: SqlStore,
) -> None:
    store.add_rulebook_versions([a_book()])
    new = a_book(version="2026.2")
    changed = a_book(text="jurisdiction: national\n# edited\n", hash="b" * 64)
    with pytest.raises(ConflictError, match=re.escape("national@2026.1")):
        store.add_rulebook_versions([new, changed])
    assert store.rulebook_versions() == [a_book()]


def test_a_version_given_twice_with_different_content_in_one_call_is_refused(
    store: SqlStore,
) -> None:
    with pytest.raises(ConflictError, match=re.escape("national@2026.1")):
        store.add_rulebook_versions([a_book(), a_book(hash="b" * 64)])
    assert store.rulebook_versions() == []


# Records


def test_appended_records_read_back_equal_with_aware_utc_times(store: SqlStore) -> None:
    awkward = a_record(
        id="2024-119",
        occurred_at=datetime(2024, 3, 1, 17, 30, 0, 5, tzinfo=timezone(timedelta(hours=8))),
        data={
            "amount": 12345678901234,
            "ratio": 0.1 + 0.2,
            "note": "拒不履行 — ünïcödé ✓",
            "nested": {"list": [1, 2.5, None, True, {"deep": "x"}], "empty": {}},
        },
        evidence=None,
    )
    outcome = store.append_records([a_record(), awkward])
    assert outcome == AppendOutcome(accepted=[a_record(), awkward], duplicates=[], conflicts=[])
    stored = store.record("court", "2024-119")
    assert stored == awkward
    assert stored.occurred_at.tzinfo == UTC
    assert stored.occurred_at == datetime(2024, 3, 1, 9, 30, 0, 5, tzinfo=UTC)
    assert store.record("court", "2024-118") == a_record()
    assert store.count_records() == 2


def test_a_subjects_records_come_in_occurred_at_then_id_then_source_order(
    store: SqlStore,
) -> None:
    late = a_record(id="a", occurred_at=T0 + timedelta(days=1))
    tie_b = a_record(id="b")
    tie_a_tax = a_record(source="tax", id="a")
    tie_a_court = a_record(id="a2", occurred_at=T0 - timedelta(days=1))
    someone_else = a_record(id="c", subject="p-2")
    store.append_records([late, tie_b, tie_a_tax, tie_a_court, someone_else])
    assert store.records_of("p-1") == [tie_a_court, tie_a_tax, tie_b, late]
    assert store.records_of("p-404") == []


def test_ids_at_the_same_instant_are_ordered_by_code_point_on_every_backend(
    store: SqlStore,
) -> None:
    ids = ["a", "B", "a-2", "a1", "Ä"]
    store.append_records([a_record(id=record_id) for record_id in ids])
    assert [record.id for record in store.records_of("p-1")] == sorted(ids)


def test_a_resubmitted_record_is_counted_as_a_duplicate_and_not_stored(store: SqlStore) -> None:
    store.append_records([a_record()])
    again = replace(a_record(), recorded_at=RECORDED + timedelta(days=3))
    outcome = store.append_records([again, a_record(id="2024-120")])
    assert outcome.duplicates == [again]
    assert outcome.accepted == [a_record(id="2024-120")]
    assert store.count_records() == 2
    assert store.record("court", "2024-118").recorded_at == RECORDED


def test_other_content_under_a_held_key_is_refused_naming_the_key(store: SqlStore) -> None:
    store.append_records([a_record()])
    changed = a_record(data={"amount": 99, "case": "K-118"})
    outcome = store.append_records([changed])
    assert outcome.accepted == [] and outcome.duplicates == []
    [(refused, reason)] = outcome.conflicts
    assert refused == changed
    assert "court:2024-118" in reason and "already holds other content" in reason
    assert store.record("court", "2024-118") == a_record()


def test_a_key_repeated_in_one_batch_is_judged_against_its_first_occurrence(
    store: SqlStore,
) -> None:
    first = a_record()
    changed = a_record(subject="p-2")
    outcome = store.append_records([first, first, changed])
    assert outcome.accepted == [first]
    assert outcome.duplicates == [first]
    [(refused, reason)] = outcome.conflicts
    assert refused == changed and "court:2024-118" in reason
    assert store.count_records() == 1


def test_the_same_id_from_two_sources_is_two_records(store: SqlStore) -> None:
    outcome = store.append_records([a_record(), a_record(source="tax")])
    assert len(outcome.accepted) == 2


def test_an_empty_batch_changes_nothing(store: SqlStore) -> None:
    assert store.append_records([]) == AppendOutcome(accepted=[], duplicates=[], conflicts=[])
    assert store.count_records() == 0


def test_a_record_without_a_time_zone_is_refused(store: SqlStore) -> None:
    with pytest.raises(InvalidInputError, match="court:2024-118"):
        store.append_records([a_record(occurred_at=datetime(2024, 3, 1))])
    assert store.count_records() == 0


def test_an_unknown_record_is_not_found(store: SqlStore) -> None:
    with pytest.raises(NotFoundError, match="court:nothing"):
        store.record("court", "nothing")


# The hash chain


def test_each_source_has_its_own_chain_starting_from_genesis(
    store: SqlStore, raw: sa.Engine
) -> None:
    court, tax = some_records(3, "court"), some_records(2, "tax")
    store.append_records([court[0], tax[0], court[1], tax[1], court[2]])
    for source, appended in (("court", court), ("tax", tax)):
        chain = chain_of(raw, source)
        assert [seq for seq, *_ in chain] == list(range(1, len(appended) + 1))
        previous = GENESIS
        for (seq, prev_hash, entry_hash, digest), record in zip(chain, appended, strict=True):
            assert prev_hash == previous
            assert digest == content_hash(record)
            assert entry_hash == chain_hash(previous, digest, record.recorded_at, seq)
            previous = entry_hash


def test_appending_in_several_batches_continues_the_chain(store: SqlStore, raw: sa.Engine) -> None:
    for start in (0, 4, 8):
        store.append_records(some_records(4, "court", start))
    chain = chain_of(raw, "court")
    assert [seq for seq, *_ in chain] == list(range(1, 13))
    assert all(chain[n][1] == chain[n - 1][2] for n in range(1, len(chain)))
    assert store.verify().ok


def test_verify_is_ok_on_a_clean_ledger_and_reports_progress(store: SqlStore) -> None:
    store.append_records(some_records(30, "court") + some_records(20, "tax"))
    seen: list[int] = []
    result = store.verify(progress=seen.append)
    assert (result.ok, result.checked, result.first_bad, result.reason) == (True, 50, None, None)
    assert seen[-1] == 50


def test_verify_is_ok_on_an_empty_ledger(store: SqlStore) -> None:
    result = store.verify()
    assert result.ok and result.checked == 0


def test_verify_names_the_record_whose_data_was_edited(store: SqlStore, raw: sa.Engine) -> None:
    store.append_records(some_records(5, "court") + some_records(5, "tax"))
    tamper(raw, "UPDATE records SET data = :data WHERE id = 'tax-3'", data='{"amount":0}')
    result = store.verify()
    assert not result.ok
    assert result.first_bad is not None and result.first_bad.startswith("tax:tax-3 (entry ")
    assert result.reason is not None and "content" in result.reason
    assert result.checked == 10


def test_verify_names_the_record_whose_subject_was_changed(store: SqlStore, raw: sa.Engine) -> None:
    store.append_records(some_records(5, "court"))
    tamper(raw, "UPDATE records SET subject = 'p-innocent' WHERE id = 'court-2'")
    result = store.verify()
    assert not result.ok
    assert result.first_bad is not None and result.first_bad.startswith("court:court-2 ")


def test_verify_reports_the_earliest_entry_when_two_chains_are_tampered(
    store: SqlStore, raw: sa.Engine
) -> None:
    store.append_records(some_records(3, "tax") + some_records(3, "court"))
    tamper(raw, "UPDATE records SET type = 'x' WHERE id IN ('tax-2', 'court-0')")
    result = store.verify()
    assert result.first_bad is not None and result.first_bad.startswith("tax:tax-2 ")


def test_verify_names_the_entry_after_a_removed_middle_row(store: SqlStore, raw: sa.Engine) -> None:
    store.append_records(some_records(5, "court"))
    tamper(raw, "DELETE FROM records WHERE id = 'court-2'")
    result = store.verify()
    assert not result.ok
    assert result.first_bad is not None and result.first_bad.startswith("court:court-3 ")
    assert result.reason is not None and "removed" in result.reason


def test_verify_notices_a_removed_last_entry_through_the_chain_head(
    store: SqlStore, raw: sa.Engine
) -> None:
    store.append_records(some_records(5, "court"))
    tamper(raw, "DELETE FROM records WHERE id = 'court-4'")
    result = store.verify()
    assert not result.ok
    assert result.first_bad == "chain head of court"
    assert result.reason is not None and "removed" in result.reason


def test_verify_notices_a_changed_recorded_at(store: SqlStore, raw: sa.Engine) -> None:
    store.append_records(some_records(3, "court"))
    earlier = datetime(2024, 1, 1, 0, 0)
    tamper(raw, "UPDATE records SET recorded_at = :at WHERE id = 'court-1'", at=earlier)
    result = store.verify()
    assert result.first_bad is not None and result.first_bad.startswith("court:court-1 ")


# Concurrent writers


def test_two_writers_appending_the_same_keys_at_once_store_each_key_once(
    database_url: str, store: SqlStore
) -> None:
    batch = some_records(1500, "court") + some_records(1500, "tax")
    start = threading.Barrier(2)
    outcomes: list[AppendOutcome] = []
    retried: list[ConflictError] = []

    def write() -> None:
        writer = SqlStore(database_url)
        try:
            start.wait()
            for _attempt in range(3):
                try:
                    outcomes.append(writer.append_records(batch))
                    return
                except ConflictError as exc:
                    retried.append(exc)
        finally:
            writer.close()

    threads = [threading.Thread(target=write) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2
    assert sorted(len(outcome.accepted) for outcome in outcomes) == [0, len(batch)]
    assert sorted(len(outcome.duplicates) for outcome in outcomes) == [0, len(batch)]
    assert store.count_records() == len(batch)
    assert store.verify().ok


def test_a_key_stored_by_another_writer_mid_append_is_a_conflict_and_a_retry_a_duplicate(
    store: SqlStore, raw: sa.Engine
) -> None:
    record = a_record()
    results: list[AppendOutcome | ConflictError] = []

    def append() -> None:
        try:
            results.append(store.append_records([record]))
        except ConflictError as exc:
            results.append(exc)

    with raw.connect() as other:
        insert_behind_the_chain(other, record)
        writer = threading.Thread(target=append)
        writer.start()
        wait_until_blocked_by(other, raw)
        other.commit()
        writer.join()
    [result] = results
    if raw.dialect.name == "postgresql":
        # The writer passed its lookup before the other row was committed; the unique key
        # catches it, and the caller is told to retry.
        assert isinstance(result, ConflictError) and "retry" in str(result)
    else:
        # SQLite writers take the write lock before their lookup, so this one waited.
        assert isinstance(result, AppendOutcome) and result.duplicates == [record]
    assert store.append_records([record]).duplicates == [record]
    assert store.count_records() == 1


def insert_behind_the_chain(connection: sa.Connection, record: Record) -> None:
    """Store `record` uncommitted, as a writer that ignored the chain head would."""
    columns = (
        "source, id, subject, type, occurred_at, recorded_at, data, evidence,"
        " content_hash, chain_seq, prev_hash, hash"
    )
    values = ", ".join(f":{name.strip()}" for name in columns.split(","))
    connection.execute(
        sa.text(f"INSERT INTO records ({columns}) VALUES ({values})"),
        {
            "source": record.source,
            "id": record.id,
            "subject": record.subject,
            "type": record.type,
            "occurred_at": record.occurred_at.replace(tzinfo=None),
            "recorded_at": record.recorded_at.replace(tzinfo=None),
            "data": '{"amount":12000,"case":"K-118"}',
            "evidence": record.evidence,
            "content_hash": content_hash(record),
            "chain_seq": 1000,
            "prev_hash": GENESIS,
            "hash": GENESIS,
        },
    )


def wait_until_blocked_by(holder: sa.Connection, raw: sa.Engine) -> None:
    """Return once another connection waits on a lock `holder` holds (PostgreSQL)."""
    if raw.dialect.name != "postgresql":
        time.sleep(0.3)  # the SQLite writer is then waiting on the write lock
        return
    pid = holder.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    waiting = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"
    )
    deadline = time.monotonic() + 10
    with raw.connect() as observer:
        while observer.execute(waiting, {"pid": pid}).scalar_one() == 0:
            assert time.monotonic() < deadline, "the writer never reached the held key"
            observer.rollback()
            time.sleep(0.02)
