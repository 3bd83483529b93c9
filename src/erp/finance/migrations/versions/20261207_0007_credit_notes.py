"""customer credit notes, their lines and settlements

Revision ID: 20261207_0007
Revises: 20261207_0006
Create Date: 2026-12-07 18:30:00.000000

Expand only: `credit_notes` and `credit_note_lines` (the invoice lines and quantities credited,
with the net, tax and base amounts posted) and `credit_note_settlements` (refunds and
allocations of a customer credit); entries may come from a `credit-note`. The previous code
never reads the new tables nor writes the new source, so it serves on this schema.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import erp.platform.db.types

revision: str = "20261207_0007"
down_revision: str | None = "20261207_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
serves_code_from: str | None = "20261207_0006"  # new tables, a wider check

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MONEY = erp.platform.db.types.ScaledDecimal(precision=24, scale=4)
QUANTITY = erp.platform.db.types.ScaledDecimal(precision=18, scale=4)
RATE = erp.platform.db.types.ScaledDecimal(precision=24, scale=8)
STAMP = erp.platform.db.types.UTCDateTime(timezone=True)

WITH_BILLS = "'manual','invoice','payment','stock','year-end','bill','bill-payment'"
WITH_CREDIT_NOTES = WITH_BILLS + ",'credit-note'"


def _source_check(sources: str) -> None:
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.drop_constraint("ck_journal_entries_source", type_="check")
        batch_op.create_check_constraint(
            "ck_journal_entries_source", sa.text(f"source IN ({sources})")
        )


def upgrade() -> None:
    _source_check(WITH_CREDIT_NOTES)
    op.create_table(
        "credit_notes",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("invoice_id", BIG_ID, nullable=False),
        sa.Column("customer", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", RATE, nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("subtotal", MONEY, nullable=False),
        sa.Column("tax_total", MONEY, nullable=False),
        sa.Column("total", MONEY, nullable=False),
        sa.Column("applied", MONEY, nullable=False),
        sa.Column("unapplied", MONEY, nullable=False),
        sa.Column("entry_id", BIG_ID, nullable=True),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["journal_entries.id"]),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_credit_notes_invoice", "credit_notes", ["invoice_id", "id"])
    op.create_index("ix_credit_notes_customer", "credit_notes", ["customer", "id"])
    op.create_table(
        "credit_note_lines",
        sa.Column("credit_note_id", BIG_ID, nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("invoice_id", BIG_ID, nullable=False),
        sa.Column("invoice_line", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("net", MONEY, nullable=False),
        sa.Column("tax", MONEY, nullable=False),
        sa.Column("net_base", MONEY, nullable=False),
        sa.Column("tax_base", MONEY, nullable=False),
        sa.Column("return_goods", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["credit_note_id"], ["credit_notes.id"]),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"]),
        sa.PrimaryKeyConstraint("credit_note_id", "line_no"),
    )
    op.create_index(
        "ix_credit_note_lines_invoice_line", "credit_note_lines", ["invoice_id", "invoice_line"]
    )
    op.create_table(
        "credit_note_settlements",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("credit_note_id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("invoice_id", BIG_ID, nullable=True),
        sa.Column("account", sa.String(length=16), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("base_amount", MONEY, nullable=False),
        sa.Column("entry_id", BIG_ID, nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint(
            "kind IN ('refund','allocation')", name="ck_credit_note_settlements_kind"
        ),
        sa.ForeignKeyConstraint(["account"], ["accounts.code"]),
        sa.ForeignKeyConstraint(["credit_note_id"], ["credit_notes.id"]),
        sa.ForeignKeyConstraint(["entry_id"], ["journal_entries.id"]),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_credit_note_settlements_note", "credit_note_settlements", ["credit_note_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_credit_note_settlements_note", table_name="credit_note_settlements")
    op.drop_table("credit_note_settlements")
    op.drop_index("ix_credit_note_lines_invoice_line", table_name="credit_note_lines")
    op.drop_table("credit_note_lines")
    op.drop_index("ix_credit_notes_customer", table_name="credit_notes")
    op.drop_index("ix_credit_notes_invoice", table_name="credit_notes")
    op.drop_table("credit_notes")
    _source_check(WITH_BILLS)
