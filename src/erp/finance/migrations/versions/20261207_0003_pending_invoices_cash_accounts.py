"""pending invoices, cash and bank accounts, payment reversals

Revision ID: 20261207_0003
Revises: 20261125_0002
Create Date: 2026-12-07 09:00:00.000000

Expand only: an invoice may be `pending` (its goods asked for, nothing posted yet) and records
who issued it; accounts say whether payments may be received on them (the standard chart's
1100 may); a payment records the entry that reversed it. The previous code never writes the
new status and leaves the new columns to their defaults, so it serves on this schema.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_0003"
down_revision: str | None = "20261125_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
serves_code_from: str | None = "20261125_0002"  # added columns and a wider check only

STATUSES = "'draft','issued','on_hold','partially_paid','paid','void'"
WITH_PENDING = "'draft','pending','issued','on_hold','partially_paid','paid','void'"
CASH_AND_BANK = ("1100",)  # the standard chart's "Cash and bank"

accounts = sa.table("accounts", sa.column("code", sa.String), sa.column("cash_or_bank", sa.Boolean))


def _status_check(batch_op: object, statuses: str) -> None:
    batch_op.drop_constraint("ck_invoices_status", type_="check")  # type: ignore[attr-defined]
    batch_op.create_check_constraint(  # type: ignore[attr-defined]
        "ck_invoices_status", sa.text(f"status IN ({statuses})")
    )


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cash_or_bank", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute(
        accounts.update().where(accounts.c.code.in_(CASH_AND_BANK)).values(cash_or_bank=True)
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issued_by", sa.String(length=100), nullable=True))
        _status_check(batch_op, WITH_PENDING)
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reversed_by",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.create_foreign_key(
            "fk_payments_reversed_by", "journal_entries", ["reversed_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint("fk_payments_reversed_by", type_="foreignkey")
        batch_op.drop_column("reversed_by")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        _status_check(batch_op, STATUSES)
        batch_op.drop_column("issued_by")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("cash_or_bank")
