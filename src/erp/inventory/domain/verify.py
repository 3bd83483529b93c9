"""Recompute every bin from the ledger and report where the kept balances differ."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.inventory.domain.valuation import ZERO
from erp.inventory.models import bins, stock_ledger


@dataclass(frozen=True)
class Mismatch:
    sku: str
    warehouse: str
    field: str
    kept: Decimal
    recomputed: Decimal


async def verify_balances(conn: AsyncConnection) -> tuple[int, list[Mismatch]]:
    """(bins checked, mismatches). Checks sums and each bin's last running balance."""
    sums = {
        (r.sku, r.warehouse): (r.qty, r.value, r.last_id)
        for r in await conn.execute(
            select(
                stock_ledger.c.sku,
                stock_ledger.c.warehouse,
                func.sum(stock_ledger.c.quantity).label("qty"),
                func.sum(stock_ledger.c.value).label("value"),
                func.max(stock_ledger.c.id).label("last_id"),
            ).group_by(stock_ledger.c.sku, stock_ledger.c.warehouse)
        )
    }
    last = (
        {
            r.id: r
            for r in await conn.execute(
                select(
                    stock_ledger.c.id, stock_ledger.c.on_hand_after, stock_ledger.c.value_after
                ).where(stock_ledger.c.id.in_([v[2] for v in sums.values()]))
            )
        }
        if sums
        else {}
    )
    mismatches: list[Mismatch] = []
    kept = {(r.sku, r.warehouse): r for r in await conn.execute(select(bins))}
    for key in sorted(set(kept) | set(sums)):
        qty, value, last_id = sums.get(key, (ZERO, ZERO, None))
        row = kept.get(key)
        on_hand, kept_value = (row.on_hand, row.value) if row else (ZERO, ZERO)
        checks = [("on_hand", on_hand, qty), ("value", kept_value, value)]
        if last_id is not None:
            checks += [
                ("on_hand_after", on_hand, last[last_id].on_hand_after),
                ("value_after", kept_value, last[last_id].value_after),
            ]
        mismatches += [Mismatch(key[0], key[1], f, k, r) for f, k, r in checks if k != r]
    return len(kept), mismatches
