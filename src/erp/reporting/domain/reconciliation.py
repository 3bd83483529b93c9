"""Stock valuation against the inventory account, per warehouse, with what is still in flight.

Per warehouse, `unposted` is the value of its movements whose ledger posting is not there as
of the date (or disagrees), read from the few open links; `ledger_share` is the rest. The
ledger's own inventory balance is compared with the sum: `difference` is valuation minus
ledger, `explained_by_lag` the part the open links account for, `unexplained` what is left
(for example a manual journal entry on the inventory account).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.reporting.domain.ledger import balances_as_of
from erp.reporting.domain.report import Report
from erp.reporting.domain.stock import positions_as_of
from erp.reporting.domain.totals import total_row
from erp.reporting.models import stock_links

ZERO = Decimal(0)
UNASSIGNED = "(unassigned)"


async def reconciliation(
    conn: AsyncConnection, *, as_of: dt.date, inventory_accounts: tuple[str, ...]
) -> Report:
    held = await positions_as_of(conn, as_of)
    stock: dict[str, Decimal] = defaultdict(Decimal)
    for (_, warehouse), (_, value) in held.items():
        stock[warehouse] += value
    balances = await balances_as_of(conn, as_of)
    ledger = sum(
        (balances[a].debit - balances[a].credit for a in inventory_accounts if a in balances),
        ZERO,
    )
    unposted: dict[str, Decimal] = defaultdict(Decimal)
    pending: dict[str, int] = defaultdict(int)
    links = (await conn.execute(select(stock_links).where(stock_links.c.is_open.is_(True)))).all()
    for link in links:
        s = link.stock_value if link.stock_day is not None and link.stock_day <= as_of else ZERO
        g = link.ledger_value if link.ledger_day is not None and link.ledger_day <= as_of else ZERO
        if s == g:
            continue
        where = link.warehouse or UNASSIGNED
        unposted[where] += s - g
        pending[where] += 1
    rows = []
    for warehouse in sorted(set(stock) | set(unposted)):
        value, lag = stock.get(warehouse, ZERO), unposted.get(warehouse, ZERO)
        if value == 0 and lag == 0:
            continue
        rows.append(
            {
                "warehouse": warehouse,
                "stock_value": value,
                "ledger_share": value - lag,
                "difference": lag,
                "pending_movements": pending.get(warehouse, 0),
            }
        )
    stock_total = sum(stock.values(), ZERO)
    lag_total = sum(unposted.values(), ZERO)
    difference = stock_total - ledger
    unexplained = difference - lag_total
    status = "reconciled" if difference == 0 else ("lagging" if unexplained == 0 else "mismatch")
    return Report(
        name="reconciliation",
        params={"as_of": as_of.isoformat(), "inventory_accounts": list(inventory_accounts)},
        columns=("warehouse", "stock_value", "ledger_share", "difference", "pending_movements"),
        rows=rows,
        totals={
            "stock_value": stock_total,
            "ledger_balance": ledger,
            "difference": difference,
            "explained_by_lag": lag_total,
            "unexplained": unexplained,
            "pending_movements": sum(pending.values()),
            "status": status,
        },
        # The columns' sums; `totals.unexplained` is what the ledger holds beyond them.
        total_rows=[
            total_row(
                rows,
                label=("warehouse", "Total"),
                amounts=("stock_value", "ledger_share", "difference", "pending_movements"),
            )
        ],
    )
