"""closing lines: finance's year-end closing entries kept apart

Revision ID: 20261207_0005
Revises: 20261207_0004
Create Date: 2026-12-07 15:00:00.000000

A new read model, `closing_lines` (from finance.journal-posted entries of source `year-end`),
which the profit and loss leaves out. It starts empty; `erp reporting rebuild` fills it from
the events already kept.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import erp.platform.db.types

revision: str = "20261207_0005"
down_revision: str | None = "20261207_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Expand: a new table; nothing the previous code reads or writes moves.
serves_code_from: str | None = "20261207_0004"


def upgrade() -> None:
    op.create_table(
        "closing_lines",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("account", sa.String(length=16), nullable=False),
        sa.Column(
            "debit", erp.platform.db.types.ScaledDecimal(precision=24, scale=4), nullable=False
        ),
        sa.Column(
            "credit", erp.platform.db.types.ScaledDecimal(precision=24, scale=4), nullable=False
        ),
        sa.PrimaryKeyConstraint("day", "account"),
    )


def downgrade() -> None:
    op.drop_table("closing_lines")
