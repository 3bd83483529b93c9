"""ten-day buckets

Revision ID: 20261125_0003
Revises: 20261125_0002
Create Date: 2026-11-25 14:10:00.000000

Balances gain a grain between month and day: `t`, the parts of a month starting on the 1st,
the 11th and the 21st. The new rows are the sums of the day rows already there, exactly what
the events behind them would have added.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261125_0003"
down_revision: str | None = "20261125_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = {
    "ledger_balances": (("account",), ("debit", "credit")),
    "stock_balances": (("sku", "warehouse"), ("quantity", "value")),
}


def _tenday_start(dialect: str) -> str:
    """SQL for the first day of the ten-day part holding `period`."""
    if dialect == "postgresql":
        return (
            "(date_trunc('month', period)::date + CASE WHEN extract(day FROM period) >= 21 "
            "THEN 20 WHEN extract(day FROM period) >= 11 THEN 10 ELSE 0 END)"
        )
    # SQLite keeps dates as YYYY-MM-DD text.
    return (
        "(substr(period, 1, 8) || CASE WHEN substr(period, 9, 2) >= '21' THEN '21' "
        "WHEN substr(period, 9, 2) >= '11' THEN '11' ELSE '01' END)"
    )


def upgrade() -> None:
    start = _tenday_start(op.get_bind().dialect.name)
    for table, (keys, sums) in TABLES.items():
        key_list = ", ".join(keys)
        sum_list = ", ".join(f"SUM({c})" for c in sums)
        op.execute(
            f"INSERT INTO {table} (grain, period, {key_list}, {', '.join(sums)}) "
            f"SELECT 't', {start}, {key_list}, {sum_list} FROM {table} WHERE grain = 'd' "
            f"GROUP BY {start}, {key_list}"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DELETE FROM {table} WHERE grain = 't'")
