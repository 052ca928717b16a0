"""The store's tables: subjects, published rulebook versions and the hash-chained ledger.

Instants are stored as naive UTC `DateTime` columns and made aware again on read.
Every constraint and index is named so the migrations can refer to it.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# SQLite only makes an autoincrementing rowid alias of a column declared INTEGER.
_ENTRY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

subjects = sa.Table(
    "subjects",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("region", sa.String, nullable=False),
    sa.Column("name", sa.String, nullable=False),
    sa.CheckConstraint("kind IN ('person', 'organisation')", name="ck_subjects_kind"),
)

rulebook_versions = sa.Table(
    "rulebook_versions",
    metadata,
    sa.Column("jurisdiction", sa.String, primary_key=True),
    sa.Column("version", sa.String, primary_key=True),
    sa.Column("effective_from", sa.Date, nullable=False),
    sa.Column("origin", sa.String, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("loaded_at", sa.DateTime, nullable=False),
)

records = sa.Table(
    "records",
    metadata,
    sa.Column("entry", _ENTRY, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String, nullable=False),
    sa.Column("id", sa.String, nullable=False),
    sa.Column("subject", sa.String, nullable=False),
    sa.Column("type", sa.String, nullable=False),
    sa.Column("occurred_at", sa.DateTime, nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("evidence", sa.Text, nullable=True),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("chain_seq", sa.BigInteger, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.UniqueConstraint("source", "id", name="uq_records_source_id"),
    # A chain position is held by one entry only, so no interleaving of writers can fork
    # a chain; the index also serves the walk along each chain.
    sa.UniqueConstraint("source", "chain_seq", name="uq_records_source_chain_seq"),
    # Its leading column also serves lookups by subject alone.
    sa.Index("ix_records_subject_occurred_at", "subject", "occurred_at"),
    sqlite_autoincrement=True,
)

chain_heads = sa.Table(
    "chain_heads",
    metadata,
    sa.Column("partition", sa.String, primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)
