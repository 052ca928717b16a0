"""Subjects, rulebook versions and the hash-chained ledger.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subjects",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("region", sa.String, nullable=False),
        sa.Column("name", sa.String, nullable=False),
        sa.CheckConstraint("kind IN ('person', 'organisation')", name="ck_subjects_kind"),
    )
    op.create_table(
        "rulebook_versions",
        sa.Column("jurisdiction", sa.String, primary_key=True),
        sa.Column("version", sa.String, primary_key=True),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("origin", sa.String, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("loaded_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "records",
        sa.Column(
            "entry",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
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
        sa.UniqueConstraint("source", "chain_seq", name="uq_records_source_chain_seq"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_records_subject_occurred_at", "records", ["subject", "occurred_at"])
    op.create_table(
        "chain_heads",
        sa.Column("partition", sa.String, primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("chain_heads")
    op.drop_index("ix_records_subject_occurred_at", table_name="records")
    op.drop_table("records")
    op.drop_table("rulebook_versions")
    op.drop_table("subjects")
