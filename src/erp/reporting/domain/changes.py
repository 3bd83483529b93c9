"""What an inventory or finance event adds to the additive read models, as plain data.

The event path writes these with upserts; the bulk loader (bench) folds millions of them in
memory and copies the result. Both go through these functions, so both build the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from erp.contracts.finance import JournalPosted
from erp.contracts.inventory import StockMoved
from erp.reporting.domain.periods import buckets

ZERO = Decimal(0)
YEAR_END = "year-end"  # the source of finance's closing entries
Key = tuple[object, ...]


@dataclass(frozen=True)
class LinkHalf:
    """One side of a stock movement's link with its ledger posting."""

    movement_id: int
    side: str  # "stock" | "ledger"
    day: dt.date
    value: Decimal
    warehouse: str | None = None


@dataclass
class Changes:
    # table name -> key -> summed values (same order as SUM_COLUMNS[table])
    sums: dict[str, dict[Key, list[Decimal]]] = field(default_factory=lambda: defaultdict(dict))
    accounts: dict[str, str] = field(default_factory=dict)
    links: list[LinkHalf] = field(default_factory=list)
    # report family -> earliest date whose figures changed
    families: dict[str, dt.date] = field(default_factory=dict)

    def add(self, table: str, key: Key, values: tuple[Decimal, ...]) -> None:
        current = self.sums[table].get(key)
        if current is None:
            self.sums[table][key] = list(values)
        else:
            for i, v in enumerate(values):
                current[i] += v

    def touch(self, family: str, day: dt.date) -> None:
        known = self.families.get(family)
        self.families[family] = day if known is None else min(known, day)

    def merge(self, other: Changes) -> None:
        for table, rows in other.sums.items():
            for key, values in rows.items():
                self.add(table, key, tuple(values))
        self.accounts.update(other.accounts)
        self.links.extend(other.links)
        for family, day in other.families.items():
            self.touch(family, day)


KEY_COLUMNS = {
    "ledger_balances": ("grain", "period", "account"),
    "closing_lines": ("day", "account"),
    "stock_balances": ("grain", "period", "sku", "warehouse"),
    "stock_flows": ("day", "sku", "warehouse", "type"),
    "sales_cogs": ("invoice_id", "sku"),
}
SUM_COLUMNS = {
    "ledger_balances": ("debit", "credit"),
    "closing_lines": ("debit", "credit"),
    "stock_balances": ("quantity", "value"),
    "stock_flows": ("quantity_in", "quantity_out", "value_in", "value_out", "lines"),
    "sales_cogs": ("cogs",),
}


def journal_changes(entry: JournalPosted) -> Changes:
    """A stock posting's asset lines are its inventory side (the counter side is a liability
    or an expense), which is what the reconciliation links to the movement. A year-end
    closing entry's lines are also kept apart: the profit and loss leaves them out."""
    changes = Changes()
    inventory_value = ZERO
    for line in entry.lines:
        changes.accounts[line.account] = line.account_type
        for grain, period in buckets(entry.date):
            changes.add("ledger_balances", (grain, period, line.account), (line.debit, line.credit))
        if entry.source == YEAR_END:
            changes.add("closing_lines", (entry.date, line.account), (line.debit, line.credit))
        if line.account_type == "asset":
            inventory_value += line.debit - line.credit
    changes.touch("ledger", entry.date)
    if entry.movement_id is not None and inventory_value != 0:
        changes.links.append(LinkHalf(entry.movement_id, "ledger", entry.date, inventory_value))
    return changes


def stock_changes(moved: StockMoved) -> Changes:
    changes = Changes()
    day = moved.posted_on
    net = ZERO
    for line in moved.lines:
        net += line.value
        for grain, period in buckets(day):
            changes.add(
                "stock_balances",
                (grain, period, line.sku, line.warehouse),
                (line.quantity, line.value),
            )
        inbound = line.quantity > 0 or (line.quantity == 0 and line.value > 0)
        changes.add(
            "stock_flows",
            (day, line.sku, line.warehouse, moved.type),
            (
                line.quantity if inbound else ZERO,
                ZERO if inbound else -line.quantity,
                line.value if inbound else ZERO,
                ZERO if inbound else -line.value,
                Decimal(1),
            ),
        )
        if moved.invoice_id is not None:
            changes.add("sales_cogs", (moved.invoice_id, line.sku), (-line.value,))
    changes.touch("stock", day)
    if net != 0:
        changes.links.append(LinkHalf(moved.movement_id, "stock", day, net, moved.warehouse))
    return changes
