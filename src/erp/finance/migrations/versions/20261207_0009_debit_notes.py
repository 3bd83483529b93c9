"""debit notes: suppliers' credits against their bills

Revision ID: 20261207_0009
Revises: 20261207_0008
Create Date: 2026-12-07 19:00:00.000000

Expand only: `debit_notes` and `debit_note_lines`, and the journal source 'debit-note' their
entries post under (the source check widened). The previous code never names the new tables
and writes none of the new source, so it serves on this schema.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import erp.platform.db.types

revision: str = "20261207_0009"
down_revision: str | None = "20261207_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# The previous release's head: every step since it is expand-only, so a rollback to that
# release's code serves this schema.
serves_code_from: str | None = "20261207_0004"

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MONEY = erp.platform.db.types.ScaledDecimal(precision=24, scale=4)
QUANTITY = erp.platform.db.types.ScaledDecimal(precision=18, scale=4)
RATE = erp.platform.db.types.ScaledDecimal(precision=24, scale=8)
STAMP = erp.platform.db.types.UTCDateTime(timezone=True)

WITH_CREDIT_NOTES = (
    "'manual','invoice','payment','stock','year-end','bill','bill-payment','credit-note'"
)
WITH_DEBIT_NOTES = WITH_CREDIT_NOTES + ",'debit-note'"


def _source_check(sources: str) -> None:
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.drop_constraint("ck_journal_entries_source", type_="check")
        batch_op.create_check_constraint(
            "ck_journal_entries_source", sa.text(f"source IN ({sources})")
        )


def upgrade() -> None:
    _source_check(WITH_DEBIT_NOTES)
    op.create_table(
        "debit_notes",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("bill_id", BIG_ID, nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("number_key", sa.String(length=64), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", RATE, nullable=False),
        sa.Column("subtotal", MONEY, nullable=False),
        sa.Column("tax_total", MONEY, nullable=False),
        sa.Column("total", MONEY, nullable=False),
        sa.Column("base_total", MONEY, nullable=False),
        sa.Column("entry_id", BIG_ID, nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["bill_id"], ["bills.id"]),
        sa.ForeignKeyConstraint(["entry_id"], ["journal_entries.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("supplier", "number_key", name="uq_debit_notes_supplier_number"),
    )
    op.create_index("ix_debit_notes_bill", "debit_notes", ["bill_id", "id"])
    op.create_table(
        "debit_note_lines",
        sa.Column("debit_note_id", BIG_ID, nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("bill_id", BIG_ID, nullable=False),
        sa.Column("bill_line", sa.Integer(), nullable=False),
        sa.Column("receipt_id", BIG_ID, nullable=True),
        sa.Column("account", sa.String(length=16), nullable=False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("net", MONEY, nullable=False),
        sa.Column("tax", MONEY, nullable=False),
        sa.Column("cleared", MONEY, nullable=False),
        sa.Column("tax_code", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["account"], ["accounts.code"]),
        sa.ForeignKeyConstraint(["bill_id"], ["bills.id"]),
        sa.ForeignKeyConstraint(["debit_note_id"], ["debit_notes.id"]),
        sa.ForeignKeyConstraint(["receipt_id"], ["goods_receipts.id"]),
        sa.PrimaryKeyConstraint("debit_note_id", "line_no"),
    )
    op.create_index("ix_debit_note_lines_bill_line", "debit_note_lines", ["bill_id", "bill_line"])
    op.create_index("ix_debit_note_lines_receipt", "debit_note_lines", ["receipt_id"])


def downgrade() -> None:
    op.drop_index("ix_debit_note_lines_receipt", table_name="debit_note_lines")
    op.drop_index("ix_debit_note_lines_bill_line", table_name="debit_note_lines")
    op.drop_table("debit_note_lines")
    op.drop_index("ix_debit_notes_bill", table_name="debit_notes")
    op.drop_table("debit_notes")
    _source_check(WITH_CREDIT_NOTES)
