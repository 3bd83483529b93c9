"""payables: suppliers' bills and the payments on them

Revision ID: 20261207_0007
Revises: 20261207_0006
Create Date: 2026-12-07 19:00:00.000000

Two new read models: `purchase_bills` (from finance.bill-posted: supplier, number, day, due
day, currency, rate, total) and `bill_payments` (from finance.supplier-paid: the amount in the
bill's currency on the payment's day), for the AP aging and the due list. Both start empty and
fill from the events arriving from now on; `erp reporting rebuild` fills them from the events
already kept.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import erp.platform.db.types

revision: str = "20261207_0007"
down_revision: str | None = "20261207_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Expand: new tables the previous code never names.
serves_code_from: str | None = "20261207_0006"


def upgrade() -> None:
    op.create_table(
        "purchase_bills",
        sa.Column("bill_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("due_day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "rate", erp.platform.db.types.ScaledDecimal(precision=24, scale=8), nullable=False
        ),
        sa.Column(
            "total", erp.platform.db.types.ScaledDecimal(precision=24, scale=4), nullable=False
        ),
        sa.PrimaryKeyConstraint("bill_id"),
    )
    with op.batch_alter_table("purchase_bills", schema=None) as batch_op:
        batch_op.create_index("ix_purchase_bills_day", ["day"], unique=False)

    op.create_table(
        "bill_payments",
        sa.Column("payment_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("bill_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "amount", erp.platform.db.types.ScaledDecimal(precision=24, scale=4), nullable=False
        ),
        sa.PrimaryKeyConstraint("payment_id"),
    )
    with op.batch_alter_table("bill_payments", schema=None) as batch_op:
        batch_op.create_index("ix_bill_payments_bill", ["bill_id", "day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bill_payments", schema=None) as batch_op:
        batch_op.drop_index("ix_bill_payments_bill")
    op.drop_table("bill_payments")
    with op.batch_alter_table("purchase_bills", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_bills_day")
    op.drop_table("purchase_bills")
