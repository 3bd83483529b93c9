"""items, payment reversals, invoice status order

Revision ID: 20261207_0004
Revises: 20261125_0003
Create Date: 2026-12-07 10:00:00.000000

Two new read models: `items` (from inventory.item-changed: name, unit, reorder point) and
`ar_reversals` (from finance.payment-reversed). Both start empty and fill from the events that
arrive from now on; `erp reporting rebuild` fills them from the events already kept. Invoices
gain `status_sequence` (nullable): the event sequence that orders their status changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import erp.platform.db.types

revision: str = "20261207_0004"
down_revision: str | None = "20261125_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Expand: new tables and a nullable column; nothing the previous code reads or writes moves.
serves_code_from: str | None = "20261125_0003"


def upgrade() -> None:
    with op.batch_alter_table("sales_invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_sequence", sa.BigInteger(), nullable=True))
    op.create_table(
        "ar_reversals",
        sa.Column("payment_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "amount", erp.platform.db.types.ScaledDecimal(precision=24, scale=4), nullable=False
        ),
        sa.PrimaryKeyConstraint("payment_id"),
    )
    with op.batch_alter_table("ar_reversals", schema=None) as batch_op:
        batch_op.create_index("ix_ar_reversals_invoice", ["invoice_id", "day"], unique=False)

    op.create_table(
        "items",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("uom", sa.String(length=16), nullable=True),
        sa.Column(
            "reorder_point",
            erp.platform.db.types.ScaledDecimal(precision=18, scale=4),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("changed_at", erp.platform.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("sku"),
    )


def downgrade() -> None:
    op.drop_table("items")
    with op.batch_alter_table("ar_reversals", schema=None) as batch_op:
        batch_op.drop_index("ix_ar_reversals_invoice")
    op.drop_table("ar_reversals")
    with op.batch_alter_table("sales_invoices", schema=None) as batch_op:
        batch_op.drop_column("status_sequence")
