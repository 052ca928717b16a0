"""SqlStore: subjects, rulebook versions and the hash-chained ledger on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from credence.domain.appeals import Appeal, Review
from credence.domain.notices import NoticeEvent
from credence.domain.records import Record, Subject
from credence.store import (
    access,
    cache,
    export,
    hooks,
    ledger,
    migrations,
    rulebooks,
    search,
    verification,
    workflow,
)
from credence.store import subjects as registered
from credence.store.access import StoredKey
from credence.store.connection import create_engine, translated_integrity_errors, writing
from credence.store.ledger import AppendOutcome
from credence.store.rulebooks import StoredBook
from credence.store.subjects import SubjectsAdded
from credence.store.verification import VerifyResult

_MIGRATION_LOCK = 0x63726564  # an arbitrary key for PostgreSQL's advisory lock


class SqlStore:
    """The store behind a SQLAlchemy URL (`sqlite:///path` or `postgresql+psycopg://...`).

    Every method runs in a transaction of its own; writes are all-or-nothing.
    """

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url)

    def migrate(self) -> None:
        """Create the tables or bring them to the newest migration."""
        with writing(self._engine) as connection:
            if connection.dialect.name == "postgresql":
                # Two processes starting at once must not both create the tables.
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            migrations.upgrade(connection)

    def is_current(self) -> bool:
        """Whether every migration has been applied."""
        with self._engine.connect() as connection:
            return migrations.at_head(connection)

    def add_rulebook_versions(self, items: list[StoredBook]) -> list[str]:
        """Store new rulebook versions; return the `jurisdiction@version` names added.

        A version already stored with the same hash is skipped. One stored with another
        hash raises ConflictError and nothing of the call is stored.
        """
        conflict = "another writer stored the same rulebook versions at the same time; retry"
        with translated_integrity_errors(conflict), writing(self._engine) as connection:
            return rulebooks.add_rulebook_versions(connection, items)

    def rulebook_versions(self) -> list[StoredBook]:
        """Every stored rulebook version, by jurisdiction and effective date."""
        with self._engine.connect() as connection:
            return rulebooks.stored_rulebook_versions(connection)

    def add_subjects(self, subjects: list[Subject]) -> SubjectsAdded:
        """Register subjects; a known id with the same content is a duplicate, else a conflict."""
        conflict = "another writer registered some of these subjects at the same time; retry"
        with translated_integrity_errors(conflict), writing(self._engine) as connection:
            return registered.add_subjects(connection, subjects)

    def subjects_by_id(self, ids: Collection[str]) -> dict[str, Subject]:
        """The registered subjects among `ids`."""
        with self._engine.connect() as connection:
            return registered.subjects_by_id(connection, ids)

    def subject(self, subject_id: str) -> Subject:
        """The subject registered as `subject_id`; NotFoundError if none is."""
        with self._engine.connect() as connection:
            return registered.subject(connection, subject_id)

    def count_subjects(self) -> int:
        """How many subjects are registered."""
        with self._engine.connect() as connection:
            return registered.count_subjects(connection)

    def subjects_per_region(self) -> dict[str, int]:
        """How many subjects each region has."""
        with self._engine.connect() as connection:
            return registered.subjects_per_region(connection)

    def append_records(self, records: Sequence[Record]) -> AppendOutcome:
        """Append new records to their source's hash chain, in one transaction.

        A key (`SOURCE:ID`) already held with the same content is a duplicate and one held
        with other content a conflict; neither is stored. A key repeated in the batch is
        judged against its first occurrence. If another process stores one of the keys at
        the same moment, ConflictError is raised and nothing is stored: retry the batch.
        """
        if not records:
            return AppendOutcome(accepted=[], duplicates=[], conflicts=[])
        batch = ledger.prepare(records, self._engine.dialect)
        conflict = "another writer appended some of these records at the same time; retry"
        with translated_integrity_errors(conflict), writing(self._engine) as connection:
            return ledger.append(connection, batch)

    def records_of(self, subject: str) -> list[Record]:
        """The subject's records, ordered by (occurred_at, id, source)."""
        with self._engine.connect() as connection:
            return ledger.records_of(connection, subject)

    def record(self, key_source: str, key_id: str) -> Record:
        """The record `SOURCE:ID`; NotFoundError if the ledger holds none."""
        with self._engine.connect() as connection:
            return ledger.record(connection, key_source, key_id)

    def count_records(self) -> int:
        """How many records the ledger holds."""
        with self._engine.connect() as connection:
            return ledger.count_records(connection)

    def records_of_many(self, subjects: Sequence[str]) -> dict[str, list[Record]]:
        """Records of many subjects at once, each ordered by (occurred_at, id, source)."""
        with self._engine.connect() as connection:
            return ledger.records_of_many(connection, subjects)

    def subjects_with_records(self) -> list[str]:
        """Every subject the ledger holds a record about."""
        with self._engine.connect() as connection:
            return ledger.subjects_with_records(connection)

    # -- review, appeals, notices ---------------------------------------------------------

    def add_review(self, review: Review) -> None:
        """Record a reviewer's verdict; a record is reviewed once (ConflictError after)."""
        with writing(self._engine) as connection:
            workflow.add_review(connection, review)

    def reviews_for(self, keys: Collection[str]) -> dict[str, Review]:
        """The reviews of the records named `SOURCE:ID`."""
        with self._engine.connect() as connection:
            return workflow.reviews_for(connection, keys)

    def pending_reviews(self, observers: Collection[str]) -> list[Record]:
        """Records of observer sources that no reviewer has decided, oldest first."""
        with self._engine.connect() as connection:
            return [
                ledger.record_from_row(r) for r in workflow.pending_reviews(connection, observers)
            ]

    def add_appeal(
        self,
        *,
        subject: str,
        record: str | None,
        list_id: str | None,
        reason: str,
        filed_at: datetime,
        deadline: datetime,
    ) -> Appeal:
        """File an appeal; its id is assigned here."""
        with writing(self._engine) as connection:
            return workflow.add_appeal(
                connection,
                subject=subject,
                record=record,
                list_id=list_id,
                reason=reason,
                filed_at=filed_at,
                deadline=deadline,
            )

    def decide_appeal(
        self, appeal_id: str, *, outcome: str, reviewer: str, reason: str, decided_at: datetime
    ) -> Appeal:
        """Record an appeal's decision, once (ConflictError for a second)."""
        conflict = f"appeal {appeal_id} was decided by another reviewer at the same time"
        with translated_integrity_errors(conflict), writing(self._engine) as connection:
            workflow.decide_appeal(
                connection,
                appeal_id,
                outcome=outcome,
                reviewer=reviewer,
                reason=reason,
                decided_at=decided_at,
            )
            return workflow.appeal(connection, appeal_id)

    def appeal(self, appeal_id: str) -> Appeal:
        """One appeal with its decision, if any; NotFoundError if there is none."""
        with self._engine.connect() as connection:
            return workflow.appeal(connection, appeal_id)

    def appeals(self, *, pending_only: bool = False) -> list[Appeal]:
        """Every appeal (or those awaiting a decision), oldest first."""
        with self._engine.connect() as connection:
            return workflow.all_appeals(connection, pending_only=pending_only)

    def appeals_of(self, subject: str) -> list[Appeal]:
        """A subject's appeals, oldest first."""
        return self.appeals_of_many([subject]).get(subject, [])

    def appeals_of_many(self, subjects: Sequence[str]) -> dict[str, list[Appeal]]:
        """Appeals of many subjects at once."""
        with self._engine.connect() as connection:
            return workflow.appeals_of_many(connection, subjects)

    def add_notices(self, events: Iterable[NoticeEvent], created_at: datetime) -> int:
        """Put notices in the outbox; one already held (same subject and key) is skipped."""
        with writing(self._engine) as connection:
            return workflow.add_notices(connection, events, created_at)

    def notices_of(self, subject: str) -> list[dict[str, Any]]:
        """The subject's notices in the order they take effect."""
        with self._engine.connect() as connection:
            return workflow.notices_of(connection, subject)

    def restriction_changes(
        self, service: str, after: int = 0, limit: int = 100
    ) -> list[tuple[int, dict[str, Any]]]:
        """Restrictions on `service` applied or lifted, as (outbox id, notice), after `after`."""
        with self._engine.connect() as connection:
            return workflow.restriction_changes(connection, service, after, limit)

    # -- API keys and the access log --------------------------------------------------------

    def add_key(self, **values: Any) -> StoredKey:
        """Store a new API key (its token's hash only)."""
        with writing(self._engine) as connection:
            return access.add_key(connection, **values)

    def key_by_hash(self, token_hash: str) -> StoredKey | None:
        """The key whose token hashes to `token_hash`, if any."""
        with self._engine.connect() as connection:
            return access.key_by_hash(connection, token_hash)

    def api_keys(self) -> list[StoredKey]:
        """Every API key, revoked ones included."""
        with self._engine.connect() as connection:
            return access.all_keys(connection)

    def revoke_key(self, key_id: int, at: datetime) -> StoredKey:
        """Revoke a key from `at` on."""
        with writing(self._engine) as connection:
            return access.revoke_key(connection, key_id, at)

    def log_access(self, entry: dict[str, Any]) -> None:
        """Append one line to the access log."""
        with writing(self._engine) as connection:
            access.log_access(connection, entry)

    def access_entries(
        self, *, subject: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[dict[str, Any]]:
        """Access log lines, newest first, optionally about one subject."""
        with self._engine.connect() as connection:
            return access.access_entries(connection, subject=subject, limit=limit, offset=offset)

    # -- set-based work ----------------------------------------------------------------------

    def export_ledger(self) -> dict[str, Any]:
        """Subjects, reviews and appeals as Arrow tables, and the records as a batch stream."""
        return {
            "subjects": export.subjects_table(self._engine),
            "records": export.records_reader(self._engine),
            "reviews": export.reviews_table(self._engine),
            "appeals": export.appeals_table(self._engine),
        }

    def replace_score_cache(self, table: Any, as_of: datetime) -> int:
        """Replace the score cache with `table` (subject, score, grade, lists, refused)."""
        with writing(self._engine) as connection:
            return cache.replace_cache(connection, table, as_of)

    def score_cache(self, subjects: list[str] | None = None) -> dict[str, dict[str, Any]]:
        """Cached results, for the named subjects or all of them."""
        with self._engine.connect() as connection:
            wanted = subjects if subjects is not None else cache.cached_subjects(connection)
            return cache.cached(connection, wanted)

    # -- webhooks ----------------------------------------------------------------------------

    def add_webhook(self, values: dict[str, Any]) -> int:
        """Register a webhook; returns its id."""
        with writing(self._engine) as connection:
            return hooks.add_webhook(connection, values)

    def webhooks(self) -> list[dict[str, Any]]:
        """Every webhook with counts of its deliveries by state."""
        with self._engine.connect() as connection:
            return hooks.all_webhooks(connection)

    def enqueue_deliveries(self, now: datetime) -> int:
        """Queue the notices each webhook has not been sent yet."""
        with writing(self._engine) as connection:
            return hooks.enqueue(connection, now)

    def due_deliveries(self, now: datetime, limit: int = 500) -> list[dict[str, Any]]:
        """Pending deliveries whose next attempt is due."""
        with self._engine.connect() as connection:
            return hooks.due(connection, now, limit)

    def record_delivery_attempt(self, webhook: int, notice: int, **outcome: Any) -> None:
        """Record one attempt's outcome and when to try again."""
        with writing(self._engine) as connection:
            hooks.record_attempt(connection, webhook, notice, **outcome)

    # -- the operator's pages -----------------------------------------------------------------

    def search_subjects(self, text: str, limit: int = 50) -> list[Subject]:
        """Subjects whose id or name contains `text`."""
        with self._engine.connect() as connection:
            return search.search_subjects(connection, text, limit)

    def records_per_day(self) -> list[tuple[str, int]]:
        """(day, records that occurred that day), in order."""
        with self._engine.connect() as connection:
            return search.records_per_day(connection)

    def verify(self, progress: Callable[[int], None] | None = None) -> VerifyResult:
        """Check every chain of the ledger; `progress` is told how many entries were checked."""
        with self._engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                # Heads and entries must come from one snapshot while writers go on.
                connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                result = verification.verify(connection, progress)
                if not result.ok:
                    return result
                checked, bad, reason = workflow.verify_workflow(connection)
                return VerifyResult(bad is None, result.checked + checked, bad, reason)

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()
