"""purchases by supplier, unbilled receipts and the tax report

Revision ID: 20261208_0010
Revises: 20261208_0009
Create Date: 2026-12-08 00:00:00.000000

Four new read models: `purchase_lines` (bill lines and debit notes in the base currency, the
purchases report), `receipt_lines` and `receipt_billings` (goods received against purchase
orders and the bill lines matched to them, the unbilled receipts report) and `tax_lines`
(journal lines with a tax code or on a tax account, the tax report). All start empty and fill
from the events arriving from now on; `erp reporting rebuild` fills them from the events
already kept.
"""

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

import erp.platform.db.types

revision: str = "20261208_0010"
down_revision: str | None = "20261208_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Expand: new tables the previous code never names.
# The previous release's head: every step since it is expand-only, so a rollback to that
# release's code serves this schema.
serves_code_from: str | None = "20261207_0005"


def _money(name: str) -> sa.Column[Decimal]:
    return sa.Column(
        name, erp.platform.db.types.ScaledDecimal(precision=24, scale=4), nullable=False
    )


def _quantity(name: str, *, nullable: bool = False) -> sa.Column[Decimal]:
    return sa.Column(
        name, erp.platform.db.types.ScaledDecimal(precision=18, scale=4), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "purchase_lines",
        sa.Column("document", sa.String(length=16), nullable=False),
        sa.Column("document_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("line_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=True),
        _quantity("quantity", nullable=True),
        _money("amount"),
        sa.PrimaryKeyConstraint("document", "document_id", "line_no"),
    )
    with op.batch_alter_table("purchase_lines", schema=None) as batch_op:
        batch_op.create_index("ix_purchase_lines_day", ["day"], unique=False)

    op.create_table(
        "receipt_lines",
        sa.Column("movement_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("line_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("reverses", sa.BigInteger(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=True),
        sa.Column("purchase_order_id", sa.BigInteger(), nullable=True),
        sa.Column("purchase_order_line", sa.Integer(), nullable=True),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        _quantity("quantity"),
        _money("value"),
        sa.PrimaryKeyConstraint("movement_id", "line_no"),
    )
    with op.batch_alter_table("receipt_lines", schema=None) as batch_op:
        batch_op.create_index("ix_receipt_lines_reverses", ["reverses", "line_no"], unique=False)

    op.create_table(
        "receipt_billings",
        sa.Column("bill_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("debit_note_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("line_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("movement_id", sa.BigInteger(), nullable=False),
        sa.Column("receipt_line_no", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        _quantity("quantity"),
        _money("value"),
        sa.PrimaryKeyConstraint("bill_id", "debit_note_id", "line_no"),
    )
    with op.batch_alter_table("receipt_billings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_receipt_billings_receipt", ["movement_id", "receipt_line_no"], unique=False
        )

    op.create_table(
        "tax_lines",
        sa.Column("entry_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("line_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("tax_code", sa.String(length=16), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("account", sa.String(length=16), nullable=False),
        _money("debit"),
        _money("credit"),
        sa.PrimaryKeyConstraint("entry_id", "line_no"),
    )
    with op.batch_alter_table("tax_lines", schema=None) as batch_op:
        batch_op.create_index("ix_tax_lines_day", ["day"], unique=False)


def downgrade() -> None:
    for table, index in (
        ("tax_lines", "ix_tax_lines_day"),
        ("receipt_billings", "ix_receipt_billings_receipt"),
        ("receipt_lines", "ix_receipt_lines_reverses"),
        ("purchase_lines", "ix_purchase_lines_day"),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(index)
        op.drop_table(table)
