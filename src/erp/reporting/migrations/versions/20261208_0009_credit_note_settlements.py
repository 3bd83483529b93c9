"""credit notes settled by refund or allocation, and credited lines in the sales figures

Revision ID: 20261208_0009
Revises: 20261207_0008
Create Date: 2026-12-08 00:00:00.000000

`ar_settlements`, one row per refund or allocation of a customer credit (from
finance.credit-note-settled): the credit note's invoice is open again by it from its date, an
allocation's target invoice paid by it. `sales_credit_lines` and `sales_credit_cogs`: credited
lines (finance.credit-note-issued) and the cost of the goods that came back for them
(inventory.stock-moved with reference `credit-note:<id>`), which the sales report takes off on
the credit note's date. They start empty; `erp reporting rebuild` fills them from the events
already kept.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import erp.platform.db.types

revision: str = "20261208_0009"
down_revision: str | None = "20261207_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Expand: new tables the previous code never names.
# The previous release's head: every step since it is expand-only, so a rollback to that
# release's code serves this schema.
serves_code_from: str | None = "20261207_0005"


def upgrade() -> None:
    op.create_table(
        "ar_settlements",
        sa.Column("settlement_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("target_invoice_id", sa.BigInteger(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "amount", erp.platform.db.types.ScaledDecimal(precision=24, scale=4), nullable=False
        ),
        sa.PrimaryKeyConstraint("settlement_id"),
    )
    with op.batch_alter_table("ar_settlements", schema=None) as batch_op:
        batch_op.create_index("ix_ar_settlements_invoice", ["invoice_id", "day"], unique=False)
        batch_op.create_index(
            "ix_ar_settlements_target", ["target_invoice_id", "day"], unique=False
        )
    op.create_table(
        "sales_credit_lines",
        sa.Column("credit_note_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("line_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("customer", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column(
            "quantity", erp.platform.db.types.ScaledDecimal(precision=18, scale=4), nullable=False
        ),
        sa.Column(
            "net", erp.platform.db.types.ScaledDecimal(precision=24, scale=4), nullable=False
        ),
        sa.Column(
            "revenue", erp.platform.db.types.ScaledDecimal(precision=24, scale=4), nullable=False
        ),
        sa.PrimaryKeyConstraint("credit_note_id", "line_no"),
    )
    with op.batch_alter_table("sales_credit_lines", schema=None) as batch_op:
        batch_op.create_index("ix_sales_credit_lines_day", ["day"], unique=False)
    op.create_table(
        "sales_credit_cogs",
        sa.Column("credit_note_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column(
            "cogs", erp.platform.db.types.ScaledDecimal(precision=24, scale=4), nullable=False
        ),
        sa.PrimaryKeyConstraint("credit_note_id", "sku"),
    )


def downgrade() -> None:
    op.drop_table("sales_credit_cogs")
    with op.batch_alter_table("sales_credit_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_credit_lines_day")
    op.drop_table("sales_credit_lines")
    with op.batch_alter_table("ar_settlements", schema=None) as batch_op:
        batch_op.drop_index("ix_ar_settlements_target")
        batch_op.drop_index("ix_ar_settlements_invoice")
    op.drop_table("ar_settlements")
