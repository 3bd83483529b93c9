"""standard chart of accounts

Revision ID: 20261125_0002
Revises: 20261125_0001
Create Date: 2026-11-25 12:50:00.000000

A frozen copy of erp.finance.domain.chart.STANDARD_CHART (tests keep them equal).
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import erp.platform.db.types

revision: str = "20261125_0002"
down_revision: str | None = "20261125_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
serves_code_from: str | None = "20261125_0001"  # rows only: the previous code reads the same tables

CHART = (
    ("1000", "Assets", "asset", None),
    ("1100", "Cash and bank", "asset", "1000"),
    ("1200", "Accounts receivable", "asset", "1000"),
    ("1300", "Inventory", "asset", "1000"),
    ("1500", "Fixed assets", "asset", "1000"),
    ("2000", "Liabilities", "liability", None),
    ("2100", "Accounts payable", "liability", "2000"),
    ("2150", "Goods received not invoiced", "liability", "2000"),
    ("2200", "Sales tax payable", "liability", "2000"),
    ("3000", "Equity", "equity", None),
    ("3100", "Owner's capital", "equity", "3000"),
    ("3200", "Retained earnings", "equity", "3000"),
    ("4000", "Sales", "income", None),
    ("4100", "Other income", "income", None),
    ("5000", "Cost of goods sold", "expense", None),
    ("5100", "Stock adjustments", "expense", "5000"),
    ("6000", "Operating expenses", "expense", None),
    ("6100", "Rent", "expense", "6000"),
    ("6200", "Salaries", "expense", "6000"),
    ("7000", "Financial items", "expense", None),
    ("7100", "Exchange gains and losses", "expense", "7000"),
    ("7200", "Currency rounding differences", "expense", "7000"),
)
SYSTEM = {"1100", "1200", "1300", "2150", "2200", "4000", "5000", "5100", "7100", "7200"}

accounts = sa.table(
    "accounts",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("type", sa.String),
    sa.column("parent", sa.String),
    sa.column("active", sa.Boolean),
    sa.column("system", sa.Boolean),
    sa.column("debit_total", erp.platform.db.types.ScaledDecimal(4, 24)),
    sa.column("credit_total", erp.platform.db.types.ScaledDecimal(4, 24)),
    sa.column("created_at", erp.platform.db.types.UTCDateTime()),
)


def upgrade() -> None:
    now = datetime.now(UTC)
    op.bulk_insert(
        accounts,
        [
            {
                "code": code,
                "name": name,
                "type": type_,
                "parent": parent,
                "active": True,
                "system": code in SYSTEM,
                "debit_total": 0,
                "credit_total": 0,
                "created_at": now,
            }
            for code, name, type_, parent in CHART
        ],
    )


def downgrade() -> None:
    op.execute(accounts.delete().where(accounts.c.code.in_([c[0] for c in CHART])))
