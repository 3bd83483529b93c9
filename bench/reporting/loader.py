"""A bulk loader that builds the same read models as the event path, fast.

It runs the very functions the handlers run (`journal_changes`, `stock_changes`) over
synthetic facts, folds their changes in memory, and writes the result once: with COPY on
PostgreSQL (asyncpg), with the handlers' upserts elsewhere. A test keeps the two equal.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.finance import JournalLine, JournalPosted
from erp.contracts.inventory import StockLine, StockMoved
from erp.contracts.references import movement_ref
from erp.reporting.domain.apply import FAMILIES
from erp.reporting.domain.changes import (
    KEY_COLUMNS,
    SUM_COLUMNS,
    Changes,
    LinkHalf,
    journal_changes,
    stock_changes,
)
from erp.reporting.domain.project import bump, write_changes

ACCOUNTS: dict[str, str] = {
    **{f"11{i:02d}": "asset" for i in range(10)},
    "1300": "asset",
    **{f"21{i:02d}": "liability" for i in range(8)},
    "2150": "liability",
    **{f"31{i:02d}": "equity" for i in range(3)},
    **{f"40{i:02d}": "income" for i in range(12)},
    **{f"60{i:02d}": "expense" for i in range(25)},
}
CENT = Decimal("0.01")
BY = "bench"


@dataclass(frozen=True)
class Shape:
    journal_lines: int
    movements: int
    skus: int = 200
    warehouses: int = 5
    start: dt.date = dt.date(2023, 1, 1)
    days: int = 3 * 365
    seed: int = 1


def stock_line(sku: str, warehouse: str, quantity: Decimal, value: Decimal) -> StockLine:
    """Only quantity and value feed the read models; the position after is left at zero."""
    cost = abs(value / quantity).quantize(Decimal("0.0001"))
    return StockLine(
        line_no=0,
        sku=sku,
        warehouse=warehouse,
        quantity=quantity,
        unit_cost=cost,
        value=value,
        on_hand_after=Decimal(0),
        value_after=Decimal(0),
        average_cost_after=cost,
    )


def journal_line(line_no: int, account: str, debit: Decimal, credit: Decimal) -> JournalLine:
    return JournalLine(
        line_no=line_no,
        account=account,
        account_type=ACCOUNTS[account],
        debit=debit,
        credit=credit,
        amount=debit - credit,
    )


def entry(
    entry_id: int,
    day: dt.date,
    source: str,
    source_ref: str | None,
    lines: tuple[JournalLine, ...],
) -> JournalPosted:
    return JournalPosted(
        entry_id=entry_id,
        date=day,
        memo=f"entry {entry_id}",
        source=source,
        source_ref=source_ref,
        currency="USD",
        rate=Decimal(1),
        posted_at=dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC),
        posted_by=BY,
        lines=lines,
    )


def facts(shape: Shape) -> Iterator[JournalPosted | StockMoved]:
    """Stock movements (one line each) and journal entries: a quarter of the lines post a
    movement (Dr inventory / Cr goods received), the rest are 4-line manual entries."""
    rng = random.Random(shape.seed)
    codes = [c for c in ACCOUNTS if c not in ("1300", "2150")]
    houses = [f"W{i:02d}" for i in range(shape.warehouses)]
    posted_lines = shape.journal_lines // 4
    entry_id = 0
    for movement_id in range(1, shape.movements + 1):
        day = shape.start + dt.timedelta(days=rng.randrange(shape.days))
        at = dt.datetime(day.year, day.month, day.day, rng.randrange(24), tzinfo=dt.UTC)
        qty = Decimal(rng.randint(1, 40))
        inbound = rng.random() < 0.55
        value = (qty * Decimal(rng.randint(100, 9000)) / 100).quantize(CENT)
        sign = 1 if inbound else -1
        sku, house = f"SKU{rng.randrange(shape.skus):04d}", rng.choice(houses)
        yield StockMoved(
            movement_id=movement_id,
            type="receipt" if inbound else "issue",
            warehouse=house,
            posted_at=at,
            posted_by=BY,
            lines=(stock_line(sku, house, sign * qty, sign * value),),
        )
        if entry_id * 2 < posted_lines:
            entry_id += 1
            amount = sign * value
            lines = (
                (
                    journal_line(1, "1300", amount, Decimal(0)),
                    journal_line(2, "2150", Decimal(0), amount),
                )
                if amount > 0
                else (
                    journal_line(1, "1300", Decimal(0), -amount),
                    journal_line(2, "2150", -amount, Decimal(0)),
                )
            )
            yield entry(entry_id, day, "stock", movement_ref(movement_id), lines)
    remaining = shape.journal_lines - entry_id * 2
    while remaining > 0:
        entry_id += 1
        day = shape.start + dt.timedelta(days=rng.randrange(shape.days))
        a, b2 = (Decimal(rng.randint(100, 500_000)) / 100 for _ in range(2))
        d1, d2, c1, c2 = rng.sample(codes, 4)
        lines = (
            journal_line(1, d1, a, Decimal(0)),
            journal_line(2, d2, b2, Decimal(0)),
            journal_line(3, c1, Decimal(0), a),
            journal_line(4, c2, Decimal(0), b2),
        )
        yield entry(entry_id, day, "manual", None, lines)
        remaining -= 4


def changes_of(fact: JournalPosted | StockMoved) -> Changes:
    return journal_changes(fact) if isinstance(fact, JournalPosted) else stock_changes(fact)


class Folded:
    """Every fact's changes added up, with the links merged as the upserts merge them."""

    def __init__(self) -> None:
        self.changes = Changes()
        self.links: dict[int, dict[str, Any]] = {}

    def add(self, changes: Changes) -> None:
        links, changes.links = changes.links, []
        self.changes.merge(changes)
        for half in links:
            self._link(half)

    def _link(self, half: LinkHalf) -> None:
        mine, other = ("stock", "ledger") if half.side == "stock" else ("ledger", "stock")
        row = self.links.setdefault(
            half.movement_id,
            {
                "movement_id": half.movement_id,
                "warehouse": None,
                "stock_day": None,
                "stock_value": None,
                "ledger_day": None,
                "ledger_value": None,
            },
        )
        row[f"{mine}_day"], row[f"{mine}_value"] = half.day, half.value
        if half.side == "stock":
            row["warehouse"] = half.warehouse
        row["is_open"] = not (
            row[f"{other}_day"] == half.day and row[f"{other}_value"] == half.value
        )

    def tables(self) -> dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]:
        out: dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]] = {}
        for name, rows in self.changes.sums.items():
            columns = (*KEY_COLUMNS[name], *SUM_COLUMNS[name])
            records = []
            for key, values in rows.items():
                if name == "stock_flows":
                    values = [*values[:4], int(values[4])]
                records.append((*key, *values))
            out[name] = (columns, records)
        out["ledger_accounts"] = (("code", "type"), sorted(self.changes.accounts.items()))
        link_columns = (
            "movement_id",
            "warehouse",
            "stock_day",
            "stock_value",
            "ledger_day",
            "ledger_value",
            "is_open",
        )
        out["stock_links"] = (
            link_columns,
            [tuple(r[c] for c in link_columns) for r in self.links.values()],
        )
        return out


def fold(shape: Shape) -> Folded:
    folded = Folded()
    for fact in facts(shape):
        folded.add(changes_of(fact))
    return folded


async def load_with_upserts(conn: AsyncConnection, folded: Folded) -> None:
    """The portable way (SQLite, small samples): the handlers' own writes."""
    changes = folded.changes
    changes.links = []
    await write_changes(conn, changes)
    link_table = folded.tables()["stock_links"]
    from erp.reporting.models import stock_links

    if link_table[1]:
        await conn.execute(
            stock_links.insert(), [dict(zip(link_table[0], r, strict=True)) for r in link_table[1]]
        )
    await bump(conn, dict.fromkeys(FAMILIES, dt.date(1, 1, 1)))


async def load_with_copy(dsn: str, folded: Folded) -> dict[str, int]:
    """COPY every table in one transaction (PostgreSQL)."""
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(dsn)
    counts: dict[str, int] = {}
    try:
        async with conn.transaction():
            for name, (columns, records) in folded.tables().items():
                await conn.copy_records_to_table(name, records=records, columns=list(columns))
                counts[name] = len(records)
        await conn.execute("VACUUM ANALYZE")  # as autovacuum would, before the timings
    finally:
        await conn.close()
    return counts
