"""supplier bills, goods receipts kept for matching, supplier payments

Revision ID: 20261207_0006
Revises: 20261207_0005
Create Date: 2026-12-07 18:00:00.000000

Expand only: `goods_receipts` keeps each receipt line finance posts to goods received not
invoiced (2150), so a supplier's bill can be matched to it; `bills` and `bill_lines` are the
suppliers' invoices, `supplier_payments` what was paid on them; a journal line may name its
bill (`bill_id`); entries may come from a `bill` or a `bill-payment`. Two system accounts join
the chart: 1400 input tax recoverable and 5200 purchase price variance (left as they are when
the chart already holds those codes), and accounts payable (2100) becomes a system account. Receipts posted before this revision are not in
`goods_receipts`: their GRNI is cleared by a manual entry, as before. The previous code never
writes the new tables, sources or column, so it serves on this schema.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import erp.platform.db.types

revision: str = "20261207_0006"
down_revision: str | None = "20261207_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
serves_code_from: str | None = "20261207_0005"  # new tables, a nullable column, a wider check

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MONEY = erp.platform.db.types.ScaledDecimal(precision=24, scale=4)
QUANTITY = erp.platform.db.types.ScaledDecimal(precision=18, scale=4)
UNIT_PRICE = erp.platform.db.types.ScaledDecimal(precision=18, scale=4)
RATE = erp.platform.db.types.ScaledDecimal(precision=24, scale=8)
PERCENT = erp.platform.db.types.ScaledDecimal(precision=10, scale=4)
STAMP = erp.platform.db.types.UTCDateTime(timezone=True)

SOURCES = "'manual','invoice','payment','stock','year-end'"
WITH_BILLS = "'manual','invoice','payment','stock','year-end','bill','bill-payment'"
PAYABLE = "2100"
NEW_ACCOUNTS = (
    ("1400", "Input tax recoverable", "asset", "1000"),
    ("5200", "Purchase price variance", "expense", "5000"),
)

accounts = sa.table(
    "accounts",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("type", sa.String),
    sa.column("parent", sa.String),
    sa.column("active", sa.Boolean),
    sa.column("system", sa.Boolean),
    sa.column("cash_or_bank", sa.Boolean),
    sa.column("debit_total", MONEY),
    sa.column("credit_total", MONEY),
    sa.column("created_at", erp.platform.db.types.UTCDateTime()),
)


def _source_check(sources: str) -> None:
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.drop_constraint("ck_journal_entries_source", type_="check")
        batch_op.create_check_constraint(
            "ck_journal_entries_source", sa.text(f"source IN ({sources})")
        )


def upgrade() -> None:
    _source_check(WITH_BILLS)
    with op.batch_alter_table("journal_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bill_id", BIG_ID, nullable=True))
        batch_op.create_index("ix_journal_lines_bill", ["bill_id"], unique=False)
    op.create_table(
        "goods_receipts",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("movement_id", BIG_ID, nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("reverses", BIG_ID, nullable=True),
        sa.Column("entry_id", BIG_ID, nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("value", MONEY, nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=True),
        sa.Column("purchase_order_id", BIG_ID, nullable=True),
        sa.Column("purchase_order_line", sa.Integer(), nullable=True),
        sa.Column("billed_quantity", QUANTITY, nullable=False),
        sa.Column("billed_value", MONEY, nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["journal_entries.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("movement_id", "line_no", name="uq_goods_receipts_line"),
    )
    op.create_index("ix_goods_receipts_reverses", "goods_receipts", ["reverses", "line_no"])
    op.create_index("ix_goods_receipts_supplier", "goods_receipts", ["supplier", "date"])
    op.create_table(
        "bills",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("number_key", sa.String(length=64), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", RATE, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("subtotal", MONEY, nullable=False),
        sa.Column("tax_total", MONEY, nullable=False),
        sa.Column("total", MONEY, nullable=False),
        sa.Column("paid_amount", MONEY, nullable=False),
        sa.Column("open_amount", MONEY, nullable=False),
        sa.Column("open_base", MONEY, nullable=False),
        sa.Column("entry_id", BIG_ID, nullable=True),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        sa.CheckConstraint("status IN ('open','partially_paid','paid')", name="ck_bills_status"),
        sa.ForeignKeyConstraint(["entry_id"], ["journal_entries.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("supplier", "number_key", name="uq_bills_supplier_number"),
    )
    op.create_index("ix_bills_supplier", "bills", ["supplier", "id"])
    op.create_table(
        "bill_lines",
        sa.Column("bill_id", BIG_ID, nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("receipt_id", BIG_ID, nullable=True),
        sa.Column("account", sa.String(length=16), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("unit_price", UNIT_PRICE, nullable=False),
        sa.Column("tax_rate", PERCENT, nullable=False),
        sa.Column("net", MONEY, nullable=False),
        sa.Column("tax", MONEY, nullable=False),
        sa.Column("cleared", MONEY, nullable=False),
        sa.ForeignKeyConstraint(["bill_id"], ["bills.id"]),
        sa.ForeignKeyConstraint(["receipt_id"], ["goods_receipts.id"]),
        sa.ForeignKeyConstraint(["account"], ["accounts.code"]),
        sa.PrimaryKeyConstraint("bill_id", "line_no"),
    )
    op.create_table(
        "supplier_payments",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("bill_id", BIG_ID, nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", RATE, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("base_amount", MONEY, nullable=False),
        sa.Column("account", sa.String(length=16), nullable=False),
        sa.Column("entry_id", BIG_ID, nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["bill_id"], ["bills.id"]),
        sa.ForeignKeyConstraint(["account"], ["accounts.code"]),
        sa.ForeignKeyConstraint(["entry_id"], ["journal_entries.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_supplier_payments_bill", "supplier_payments", ["bill_id", "id"])
    _add_accounts()
    # Bills and supplier payments post to accounts payable: it becomes a system account.
    op.execute(accounts.update().where(accounts.c.code == PAYABLE).values(system=True))


def _add_accounts() -> None:
    bind = op.get_bind()
    have = set(bind.execute(sa.select(accounts.c.code)).scalars())
    now = datetime.now(UTC)
    rows = [
        {"code": code, "name": name, "type": type_, "parent": parent, "active": True,
         "system": True, "cash_or_bank": False, "debit_total": 0, "credit_total": 0,
         "created_at": now}
        for code, name, type_, parent in NEW_ACCOUNTS
        if code not in have and parent in have
    ]  # fmt: skip
    if rows:
        op.bulk_insert(accounts, rows)


def downgrade() -> None:
    op.execute(accounts.update().where(accounts.c.code == PAYABLE).values(system=False))
    op.drop_index("ix_supplier_payments_bill", table_name="supplier_payments")
    op.drop_table("supplier_payments")
    op.drop_table("bill_lines")
    op.drop_index("ix_bills_supplier", table_name="bills")
    op.drop_table("bills")
    op.drop_index("ix_goods_receipts_supplier", table_name="goods_receipts")
    op.drop_index("ix_goods_receipts_reverses", table_name="goods_receipts")
    op.drop_table("goods_receipts")
    with op.batch_alter_table("journal_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_journal_lines_bill")
        batch_op.drop_column("bill_id")
    _source_check(SOURCES)
    # The two accounts stay when anything was posted to them; otherwise they go.
    op.execute(
        accounts.delete().where(
            accounts.c.code.in_([a[0] for a in NEW_ACCOUNTS]),
            accounts.c.debit_total == 0,
            accounts.c.credit_total == 0,
        )
    )
