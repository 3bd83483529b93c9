"""Who may read what: the report routes' roles and the dashboard's panels.

Finance readers see money (ledger, sales, receivables, payables); stock readers see stock. An
accountant reads every report, but the dashboard shows them only the stock *value* next to the
finance panels; the stock-keeping panels (low stock, movements) are for warehouse staff.
"""

from __future__ import annotations

from collections.abc import Iterable

FINANCE_READERS = ("admin", "accountant", "viewer")
STOCK_READERS = ("admin", "accountant", "warehouse", "viewer")
STOCK_KEEPERS = ("admin", "warehouse", "viewer")

# Panel → the roles that see it.
PANELS: dict[str, tuple[str, ...]] = {
    "stock-value": STOCK_READERS,
    "stock-by-warehouse": STOCK_READERS,
    "low-stock": STOCK_KEEPERS,
    "stock-movements": STOCK_KEEPERS,
    "finance-kpis": FINANCE_READERS,
    "sales": FINANCE_READERS,
    "profit-and-loss": FINANCE_READERS,
    "ar-aging": FINANCE_READERS,
    "due-this-week": FINANCE_READERS,
    "unbilled-receipts": FINANCE_READERS,
    "reconciliation": FINANCE_READERS,
}


def panels_for(roles: Iterable[str]) -> frozenset[str]:
    held = set(roles)
    return frozenset(panel for panel, allowed in PANELS.items() if held & set(allowed))
