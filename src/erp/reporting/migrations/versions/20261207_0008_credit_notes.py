"""credit notes: what each takes off its invoice's receivable

Revision ID: 20261207_0008
Revises: 20261207_0007
Create Date: 2026-12-07 18:45:00.000000

`ar_credits`, one row per customer credit note (from finance.credit-note-issued): its total
comes off the invoice's open amount from its date, like a payment. It starts empty;
`erp reporting rebuild` fills it from the events already kept.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import erp.platform.db.types

revision: str = "20261207_0008"
down_revision: str | None = "20261207_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Expand: a new table the previous code never names.
# The previous release's head: every step since it is expand-only, so a rollback to that
# release's code serves this schema.
serves_code_from: str | None = "20261207_0005"


def upgrade() -> None:
    op.create_table(
        "ar_credits",
        sa.Column("payment_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "amount", erp.platform.db.types.ScaledDecimal(precision=24, scale=4), nullable=False
        ),
        sa.PrimaryKeyConstraint("payment_id"),
    )
    with op.batch_alter_table("ar_credits", schema=None) as batch_op:
        batch_op.create_index("ix_ar_credits_invoice", ["invoice_id", "day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ar_credits", schema=None) as batch_op:
        batch_op.drop_index("ix_ar_credits_invoice")
    op.drop_table("ar_credits")
