"""The score cache.

Revision ID: 0003b
Revises: 0002
Create Date: 2026-01-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003b"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "score_cache",
        sa.Column("subject", sa.String, primary_key=True),
        sa.Column("as_of", sa.DateTime, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("grade", sa.String, nullable=False),
        sa.Column("lists", sa.Text, nullable=False),
        sa.Column("refused", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("score_cache")
