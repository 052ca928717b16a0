"""Reviews, appeals, appeal decisions (each hash-chained) and the notice outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _chain() -> list[sa.Column[object]]:
    return [
        sa.Column("chain_seq", sa.BigInteger, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("source", sa.String, primary_key=True),
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("accepted", sa.Boolean, nullable=False),
        sa.Column("reviewer", sa.String, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("decided_at", sa.DateTime, nullable=False),
        *_chain(),
    )
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String, nullable=False),
        sa.Column("record", sa.String, nullable=True),
        sa.Column("list", sa.String, nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("filed_at", sa.DateTime, nullable=False),
        sa.Column("deadline", sa.DateTime, nullable=False),
        *_chain(),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_appeals_subject", "appeals", ["subject"])
    op.create_table(
        "appeal_decisions",
        sa.Column("appeal", sa.Integer, primary_key=True),
        sa.Column("outcome", sa.String, nullable=False),
        sa.Column("reviewer", sa.String, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=False),
        *_chain(),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String, nullable=False),
        sa.Column("key", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("subject", "key", name="uq_notices_subject_key"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("notices")
    op.drop_table("appeal_decisions")
    op.drop_index("ix_appeals_subject", table_name="appeals")
    op.drop_table("appeals")
    op.drop_table("reviews")
