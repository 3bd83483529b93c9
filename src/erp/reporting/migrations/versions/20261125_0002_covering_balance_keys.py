"""covering balance keys

Revision ID: 20261125_0002
Revises: 20261125_0001
Create Date: 2026-11-25 14:00:00.000000

On PostgreSQL the primary keys of `ledger_balances` and `stock_balances` also carry the summed
columns (INCLUDE), so a report "as of" a date reads the buckets with an index-only scan. SQLite
has no INCLUDE and keeps its keys as they are.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261125_0002"
down_revision: str | None = "20261125_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
serves_code_from: str | None = "20261125_0001"  # the same key columns, only the index carries more

KEYS = {
    "ledger_balances": (("grain", "period", "account"), ("debit", "credit")),
    "stock_balances": (("grain", "period", "sku", "warehouse"), ("quantity", "value")),
}


def _rekey(include: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, (keys, sums) in KEYS.items():
        covering = f" INCLUDE ({', '.join(sums)})" if include else ""
        op.execute(
            f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey, "
            f"ADD CONSTRAINT {table}_pkey PRIMARY KEY ({', '.join(keys)}){covering}"
        )


def upgrade() -> None:
    _rekey(include=True)


def downgrade() -> None:
    _rekey(include=False)
