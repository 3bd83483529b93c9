"""Recompute every bin from the ledger and report where the kept balances differ.

Positions as of a past point read the running balance on one ledger line, so every line is
checked, not only the last: its `on_hand_after` and `value_after` must be the sums of its bin's
lines up to it, and its posting date may not be before the one of the line before it. Each
purchase order line's `quantity_received` must be the sum of the receipts recorded against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.inventory.domain.valuation import ZERO
from erp.inventory.models import (
    bins,
    purchase_order_lines,
    purchase_order_receipts,
    stock_ledger,
)


@dataclass(frozen=True)
class Mismatch:
    sku: str
    warehouse: str
    field: str
    kept: Decimal | date
    recomputed: Decimal | date


async def verify_balances(conn: AsyncConnection) -> tuple[int, list[Mismatch]]:
    """(bins checked, mismatches): each bin against its ledger lines' sums and last line,
    then each line's running balance and date order."""
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
    found = mismatches + await _line_mismatches(conn) + await _order_mismatches(conn)
    return len(kept), found


async def _order_mismatches(conn: AsyncConnection) -> list[Mismatch]:
    """Purchase order lines whose received quantity is not what their receipts add up to."""
    ln, rc = purchase_order_lines.c, purchase_order_receipts.c
    received = (
        select(rc.order_id, rc.line_no, func.sum(rc.quantity).label("total"))
        .group_by(rc.order_id, rc.line_no)
        .subquery()
    )
    statement = (
        select(
            ln.order_id, ln.line_no, ln.sku, ln.warehouse, ln.quantity_received, received.c.total
        )
        .outerjoin(
            received,
            (received.c.order_id == ln.order_id) & (received.c.line_no == ln.line_no),
        )
        .order_by(ln.order_id, ln.line_no)
    )
    found = []
    for row in await conn.execute(statement):
        total = row.total if row.total is not None else ZERO
        if total != row.quantity_received:
            field = f"quantity_received (purchase order {row.order_id} line {row.line_no})"
            found.append(Mismatch(row.sku, row.warehouse, field, row.quantity_received, total))
    return found


async def _line_mismatches(conn: AsyncConnection) -> list[Mismatch]:
    """Lines whose running balance is not the sum of their bin's lines up to them, or dated
    before the line before them; found by the database, so only they are read."""
    line = stock_ledger.c
    bin_ = (line.sku, line.warehouse)
    running = select(
        line.id,
        line.sku,
        line.warehouse,
        line.on_hand_after,
        line.value_after,
        line.posting_date,
        func.sum(line.quantity).over(partition_by=bin_, order_by=line.id).label("on_hand_sum"),
        func.sum(line.value).over(partition_by=bin_, order_by=line.id).label("value_sum"),
        func.lag(line.posting_date, type_=Date)
        .over(partition_by=bin_, order_by=line.id)
        .label("previous_date"),
    ).subquery()
    r = running.c
    wrong = (
        select(running)
        .where(
            or_(
                r.on_hand_sum != r.on_hand_after,
                r.value_sum != r.value_after,
                r.previous_date > r.posting_date,
            )
        )
        .order_by(r.sku, r.warehouse, r.id)
    )
    found: list[Mismatch] = []
    for row in await conn.execute(wrong):
        at = f" (ledger line {row.id})"
        if row.on_hand_sum != row.on_hand_after:
            found.append(
                Mismatch(
                    row.sku, row.warehouse, "on_hand_after" + at, row.on_hand_after, row.on_hand_sum
                )
            )
        if row.value_sum != row.value_after:
            found.append(
                Mismatch(row.sku, row.warehouse, "value_after" + at, row.value_after, row.value_sum)
            )
        if row.previous_date is not None and row.previous_date > row.posting_date:
            found.append(
                Mismatch(
                    row.sku, row.warehouse, "posting_date" + at, row.posting_date, row.previous_date
                )
            )
    return found
