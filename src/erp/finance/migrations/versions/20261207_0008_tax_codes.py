"""tax codes on invoice and bill lines and on the journal lines they post

Revision ID: 20261207_0008
Revises: 20261207_0007
Create Date: 2026-12-07 18:30:00.000000

Expand only: `tax_codes` (output or input VAT at a rate, zero-rated, exempt); the lines of
invoices and bills may name one, and the journal lines they post carry it, so the tax report
sums tax and taxable amounts per code and period from the journal. The previous code leaves
the new columns null, so it serves on this schema.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import erp.platform.db.types

revision: str = "20261207_0008"
down_revision: str | None = "20261207_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
serves_code_from: str | None = "20261207_0007"  # a new table and nullable columns

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PERCENT = erp.platform.db.types.ScaledDecimal(precision=10, scale=4)
TAGGED = ("invoice_lines", "bill_lines", "journal_lines")


def upgrade() -> None:
    op.create_table(
        "tax_codes",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("treatment", sa.String(length=8), nullable=False),
        sa.Column("rate", PERCENT, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", erp.platform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('output','input')", name="ck_tax_codes_kind"),
        sa.CheckConstraint(
            "treatment IN ('standard','zero','exempt')", name="ck_tax_codes_treatment"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    for table in TAGGED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("tax_code", sa.String(length=16), nullable=True))
    op.create_index("ix_journal_lines_tax_code", "journal_lines", ["tax_code", "date"])


def downgrade() -> None:
    op.drop_index("ix_journal_lines_tax_code", table_name="journal_lines")
    for table in reversed(TAGGED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("tax_code")
    op.drop_table("tax_codes")
