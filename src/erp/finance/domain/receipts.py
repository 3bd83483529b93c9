"""Goods received not invoiced, line by line: each receipt line finance posts to 2150 is kept
(a reversal's lines as negative rows naming the receipt), so a supplier's bill can be matched
to what came in and the unbilled receipts listed as of any date. Their total equals 2150."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.inventory import StockMoved
from erp.finance.domain.money import ZERO
from erp.finance.models import bill_lines, bills, debit_note_lines, debit_notes, goods_receipts
from erp.platform.errors import InvalidInput


async def record(conn: AsyncConnection, *, moved: StockMoved, entry_id: int, date: dt.date) -> None:
    """Keep the receipt lines of a posted movement, dated as its entry."""
    rows = [
        {
            "movement_id": moved.movement_id,
            "line_no": ln.line_no,
            "reverses": moved.reverses,
            "entry_id": entry_id,
            "date": date,
            "sku": ln.sku,
            "warehouse": ln.warehouse,
            "quantity": ln.quantity,
            "value": ln.value,
            "supplier": ln.supplier,
            "purchase_order_id": ln.purchase_order_id,
            "purchase_order_line": ln.purchase_order_line,
            "billed_quantity": ZERO,
            "billed_value": ZERO,
        }
        for ln in moved.lines
        if ln.value or ln.quantity
    ]
    if rows:
        await conn.execute(goods_receipts.insert(), rows)


def _reversed() -> Any:
    """Per receipt line, what its reversals took back (negative quantity and value)."""
    g = goods_receipts.alias("reversal")
    return (
        select(
            g.c.reverses.label("movement_id"),
            g.c.line_no,
            func.sum(g.c.quantity).label("quantity"),
            func.sum(g.c.value).label("value"),
        )
        .where(g.c.reverses.is_not(None))
        .group_by(g.c.reverses, g.c.line_no)
        .subquery()
    )


async def lock_for_billing(
    conn: AsyncConnection, wanted: list[tuple[int, str]]
) -> dict[int, dict[str, Any]]:
    """The receipt lines a bill names, by id (locked, in id order), each with what is left to
    bill: `open_quantity` and `open_value` (received, less reversals, less billed). A line
    that names no receipt line, or names a reversal, is a 422 on its field."""
    ids = sorted({receipt_id for receipt_id, _ in wanted})
    g = goods_receipts.c
    locked = await conn.execute(
        select(goods_receipts).where(g.id.in_(ids)).order_by(g.id).with_for_update()
    )
    rows = {r.id: r for r in locked}
    back = _reversed()
    taken: dict[tuple[int, int], tuple[Decimal, Decimal]] = {}
    if rows:
        movements = {r.movement_id for r in rows.values()}
        found = await conn.execute(select(back).where(back.c.movement_id.in_(movements)))
        taken = {(r.movement_id, r.line_no): (r.quantity, r.value) for r in found}
    result: dict[int, dict[str, Any]] = {}
    for receipt_id, field in wanted:
        row = rows.get(receipt_id)
        if row is None or row.reverses is not None:
            raise InvalidInput(field, f"no goods receipt line {receipt_id} to match")
        quantity, value = taken.get((row.movement_id, row.line_no), (ZERO, ZERO))
        result[receipt_id] = {
            **row._mapping,
            "open_quantity": row.quantity + quantity - row.billed_quantity,
            "open_value": row.value + value - row.billed_value,
        }
    return result


async def add_billed(
    conn: AsyncConnection, receipt_id: int, *, quantity: Decimal, value: Decimal
) -> None:
    g = goods_receipts.c
    await conn.execute(
        goods_receipts.update()
        .where(g.id == receipt_id)
        .values(billed_quantity=g.billed_quantity + quantity, billed_value=g.billed_value + value)
    )


async def unbilled(
    conn: AsyncConnection, *, as_of: dt.date, supplier: str | None
) -> list[dict[str, Any]]:
    """Receipt lines dated up to `as_of` with what was not billed by then (bills dated up to
    it less their debit notes dated up to it; reversals and supplier returns dated up to it
    taken off), in date order; fully billed ones left out."""
    g = goods_receipts.alias("receipt")
    rev = goods_receipts.alias("reversal")
    back = (
        select(
            rev.c.reverses.label("movement_id"),
            rev.c.line_no,
            func.sum(rev.c.quantity).label("quantity"),
            func.sum(rev.c.value).label("value"),
        )
        .where(rev.c.reverses.is_not(None), rev.c.date <= as_of)
        .group_by(rev.c.reverses, rev.c.line_no)
        .subquery()
    )
    billed = (
        select(
            bill_lines.c.receipt_id,
            func.sum(bill_lines.c.quantity).label("quantity"),
            func.sum(bill_lines.c.cleared).label("value"),
        )
        .join(bills, bills.c.id == bill_lines.c.bill_id)
        .where(bill_lines.c.receipt_id.is_not(None), bills.c.date <= as_of)
        .group_by(bill_lines.c.receipt_id)
        .subquery()
    )
    # Debit notes dated up to `as_of` give back what their bills had billed.
    d = debit_note_lines.c
    credited = (
        select(
            d.receipt_id,
            func.sum(d.quantity).label("quantity"),
            func.sum(d.cleared).label("value"),
        )
        .join(debit_notes, debit_notes.c.id == d.debit_note_id)
        .where(d.receipt_id.is_not(None), debit_notes.c.date <= as_of)
        .group_by(d.receipt_id)
        .subquery()
    )
    statement = (
        select(
            g,
            func.coalesce(back.c.quantity, 0).label("reversed_quantity"),
            func.coalesce(back.c.value, 0).label("reversed_value"),
            func.coalesce(billed.c.quantity, 0).label("billed_q"),
            func.coalesce(billed.c.value, 0).label("billed_v"),
            func.coalesce(credited.c.quantity, 0).label("credited_q"),
            func.coalesce(credited.c.value, 0).label("credited_v"),
        )
        .outerjoin(back, and_(back.c.movement_id == g.c.movement_id, back.c.line_no == g.c.line_no))
        .outerjoin(billed, billed.c.receipt_id == g.c.id)
        .outerjoin(credited, credited.c.receipt_id == g.c.id)
        .where(g.c.reverses.is_(None), g.c.date <= as_of)
        .order_by(g.c.date, g.c.id)
    )
    if supplier is not None:
        statement = statement.where(g.c.supplier == supplier)
    result = []
    for r in await conn.execute(statement):
        received_q = r.quantity + Decimal(r.reversed_quantity)
        received_v = r.value + Decimal(r.reversed_value)
        billed_q = Decimal(r.billed_q) - Decimal(r.credited_q)
        billed_v = Decimal(r.billed_v) - Decimal(r.credited_v)
        open_q, open_v = received_q - billed_q, received_v - billed_v
        if open_q == 0 and open_v == 0:
            continue
        result.append(
            {
                "id": r.id,
                "movement_id": r.movement_id,
                "line_no": r.line_no,
                "date": r.date,
                "sku": r.sku,
                "warehouse": r.warehouse,
                "supplier": r.supplier,
                "purchase_order_id": r.purchase_order_id,
                "purchase_order_line": r.purchase_order_line,
                "received_quantity": received_q,
                "received_value": received_v,
                "unbilled_quantity": open_q,
                "unbilled_value": open_v,
            }
        )
    return result
