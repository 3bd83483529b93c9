"""customers and suppliers, due dates, credit limit overrides

Revision ID: 20261207_0005
Revises: 20261207_0004
Create Date: 2026-12-07 17:30:00.000000

Expand only: a `parties` table (customers and suppliers with their terms and credit limits),
an invoice's `due_date` (nullable: the previous code leaves it out, and such an invoice is due
on its date) and the audit trail of issues allowed over a credit limit. Every name an existing
invoice or payment holds becomes a customer with that name as its code, due on receipt (net 0
days: what the aging counted from before), so history keeps its party and its age. The previous
code never reads the new tables and leaves the new column null, so it serves on this schema.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import erp.platform.db.types

revision: str = "20261207_0005"
down_revision: str | None = "20261207_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
serves_code_from: str | None = "20261207_0004"  # new tables and a nullable column

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MONEY = erp.platform.db.types.ScaledDecimal(precision=24, scale=4)
MIGRATED_BY = "migration"

invoices = sa.table(
    "invoices",
    sa.column("customer", sa.String),
    sa.column("date", sa.Date),
    sa.column("due_date", sa.Date),
)
payments = sa.table("payments", sa.column("customer", sa.String))


def upgrade() -> None:
    parties = op.create_table(
        "parties",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=200), nullable=False),
        sa.Column("code_key", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tax_id", sa.String(length=64), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("terms_days", sa.Integer(), nullable=False),
        sa.Column("terms_basis", sa.String(length=8), nullable=False),
        sa.Column("credit_limit", MONEY, nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", erp.platform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", erp.platform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('customer','supplier')", name="ck_parties_kind"),
        sa.CheckConstraint("terms_basis IN ('net','eom')", name="ck_parties_terms_basis"),
        sa.CheckConstraint("terms_days >= 0", name="ck_parties_terms_days"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "code_key", name="uq_parties_kind_code_key"),
    )
    op.create_table(
        "credit_overrides",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("invoice_id", BIG_ID, nullable=False),
        sa.Column("issue_no", sa.Integer(), nullable=False),
        sa.Column("credit_limit", MONEY, nullable=False),
        sa.Column("exposure", MONEY, nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column(
            "overridden_at", erp.platform.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("overridden_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invoice_id", "issue_no", name="uq_credit_overrides_issue"),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_date", sa.Date(), nullable=True))
    op.execute(invoices.update().values(due_date=invoices.c.date))
    _customers_from_history(parties)


def _customers_from_history(parties: sa.Table) -> None:
    """One customer per name in use. Names equal but for case were two customers before; they
    stay two, the later one's key marked so that codes stay unique without regard to case."""
    bind = op.get_bind()
    names = sa.union(sa.select(invoices.c.customer), sa.select(payments.c.customer))
    now, keys, rows = datetime.now(UTC), set(), []
    for name in sorted(bind.execute(sa.select(names.subquery().c[0])).scalars()):
        key = name.lower()
        while key in keys:
            key += "~"
        keys.add(key)
        rows.append(
            {"kind": "customer", "code": name, "code_key": key, "name": name, "tax_id": None,
             "currency": None, "terms_days": 0, "terms_basis": "net", "credit_limit": None,
             "active": True, "created_at": now, "created_by": MIGRATED_BY, "updated_at": now}
        )  # fmt: skip
    if rows:
        op.bulk_insert(parties, rows)


def downgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_column("due_date")
    op.drop_table("credit_overrides")
    op.drop_table("parties")
