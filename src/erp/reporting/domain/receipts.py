"""Goods received not invoiced, line by line: every receipt (less its reversals and supplier
returns) and what the suppliers' bills matched to it had not billed by a date. The total is
the balance of goods received not invoiced (2150) in the ledger, as finance's /goods-receipts
lists it. A supplier's debit note on a receipt line gives back, from its date, the quantity
and GRNI it credits: the line is unbilled again (goods returned after billing leave it
negative until then)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.finance import BillPosted, DebitNotePosted
from erp.contracts.inventory import StockMoved
from erp.contracts.references import credit_note_of
from erp.platform.db.upsert import upsert
from erp.reporting.domain.report import Report
from erp.reporting.models import receipt_billings, receipt_lines

ZERO = Decimal(0)
COLUMNS = (
    "day",
    "supplier",
    "purchase_order_id",
    "purchase_order_line",
    "movement_id",
    "line_no",
    "sku",
    "warehouse",
    "received_quantity",
    "received_value",
    "unbilled_quantity",
    "unbilled_value",
)


async def record_receipt(conn: AsyncConnection, moved: StockMoved) -> None:
    """Keep the lines finance posts to goods received not invoiced: every receipt (those
    against a purchase order name the order and the supplier) and their reversals and returns
    (negated lines under the receipt's line numbers), but not goods a customer sent back."""
    if moved.type != "receipt" or credit_note_of(moved.reference) is not None:
        return
    rows = [
        {
            "movement_id": moved.movement_id,
            "line_no": ln.line_no,
            "reverses": moved.reverses,
            "day": moved.posted_on,
            "supplier": ln.supplier,
            "purchase_order_id": ln.purchase_order_id,
            "purchase_order_line": ln.purchase_order_line,
            "sku": ln.sku,
            "warehouse": ln.warehouse,
            "quantity": ln.quantity,
            "value": ln.value,
        }
        for ln in moved.lines
        if ln.value or ln.quantity
    ]
    if rows:
        await conn.execute(upsert(conn.dialect, receipt_lines), rows)


async def record_billing(conn: AsyncConnection, bill: BillPosted | DebitNotePosted) -> None:
    """The bill's lines matched to receipt lines, billed from the bill's date; a debit note's
    lines on receipts give back, from its date, what they credit."""
    credit = isinstance(bill, DebitNotePosted)
    sign = -1 if credit else 1
    rows = [
        {
            "bill_id": bill.bill_id,
            "debit_note_id": bill.debit_note_id if isinstance(bill, DebitNotePosted) else 0,
            "line_no": ln.line_no,
            "movement_id": ln.receipt_movement_id,
            "receipt_line_no": ln.receipt_line_no,
            "day": bill.date,
            "quantity": sign * (ln.quantity or ZERO),
            "value": sign * (ln.cleared or ZERO),
        }
        for ln in bill.lines or ()
        if ln.receipt_movement_id is not None and ln.receipt_line_no is not None
    ]
    if rows:
        await conn.execute(upsert(conn.dialect, receipt_billings), rows)


async def unbilled_receipts(
    conn: AsyncConnection, *, as_of: dt.date, supplier: str | None = None
) -> Report:
    """Receipt lines dated up to `as_of` with what was not billed by then, in date order;
    fully billed ones left out. The total is the GRNI balance."""
    g, rev, rb = receipt_lines, receipt_lines.alias("reversal"), receipt_billings
    back = (
        select(
            rev.c.reverses.label("movement_id"),
            rev.c.line_no,
            func.sum(rev.c.quantity).label("quantity"),
            func.sum(rev.c.value).label("value"),
        )
        .where(rev.c.reverses.is_not(None), rev.c.day <= as_of)
        .group_by(rev.c.reverses, rev.c.line_no)
        .subquery()
    )
    billed = (
        select(
            rb.c.movement_id,
            rb.c.receipt_line_no.label("line_no"),
            func.sum(rb.c.quantity).label("quantity"),
            func.sum(rb.c.value).label("value"),
        )
        .where(rb.c.day <= as_of)
        .group_by(rb.c.movement_id, rb.c.receipt_line_no)
        .subquery()
    )
    statement = (
        select(
            g,
            back.c.quantity.label("back_q"),
            back.c.value.label("back_v"),
            billed.c.quantity.label("billed_q"),
            billed.c.value.label("billed_v"),
        )
        .outerjoin(back, and_(back.c.movement_id == g.c.movement_id, back.c.line_no == g.c.line_no))
        .outerjoin(
            billed, and_(billed.c.movement_id == g.c.movement_id, billed.c.line_no == g.c.line_no)
        )
        .where(g.c.reverses.is_(None), g.c.day <= as_of)
        .order_by(g.c.day, g.c.movement_id, g.c.line_no)
    )
    if supplier is not None:
        statement = statement.where(g.c.supplier == supplier)
    rows = []
    for r in await conn.execute(statement):
        received_q = Decimal(r.quantity) + _or_zero(r.back_q)
        received_v = Decimal(r.value) + _or_zero(r.back_v)
        open_q, open_v = received_q - _or_zero(r.billed_q), received_v - _or_zero(r.billed_v)
        if open_q == 0 and open_v == 0:
            continue
        row: dict[str, Any] = {
            "day": r.day.isoformat(),
            "supplier": r.supplier,
            "purchase_order_id": r.purchase_order_id,
            "purchase_order_line": r.purchase_order_line,
            "movement_id": r.movement_id,
            "line_no": r.line_no,
            "sku": r.sku,
            "warehouse": r.warehouse,
            "received_quantity": received_q,
            "received_value": received_v,
            "unbilled_quantity": open_q,
            "unbilled_value": open_v,
        }
        rows.append(row)
    balance = sum((r["unbilled_value"] for r in rows), ZERO)
    return Report(
        name="unbilled-receipts",
        params={"as_of": as_of.isoformat(), "supplier": supplier},
        columns=COLUMNS,
        rows=rows,
        totals={"unbilled_value": balance},
        # Quantities of different items are not added: the total row has the value only.
        total_rows=[{"day": "Total", "unbilled_value": balance}],
    )


def _or_zero(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(value)
