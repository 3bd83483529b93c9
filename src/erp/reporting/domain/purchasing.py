"""Purchases (suppliers' bills net of tax, in the base currency) by period, supplier and item.

A bill counts on its date, each line's net times the bill's rate rounded half-even to the cent;
a debit note takes its credited lines off on its date. A bill or debit note whose event carries
no lines (from before they travelled) counts its subtotal, under no item.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.finance import BillPosted, DebitNotePosted
from erp.platform.db.upsert import upsert
from erp.platform.errors import InvalidInput
from erp.reporting.domain.periods import month_start, week_start
from erp.reporting.domain.report import Report
from erp.reporting.domain.totals import total_row, unit_totals
from erp.reporting.models import items, purchase_lines

ZERO = Decimal(0)
CENT = Decimal("0.01")
GRAINS = ("day", "week", "month")
DIMENSIONS = ("supplier", "item")


def base(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * rate).quantize(CENT, ROUND_HALF_EVEN)


async def record_purchase(conn: AsyncConnection, document: BillPosted | DebitNotePosted) -> None:
    """A bill's lines, or a debit note's credited lines taken off (negative), each on its
    document's date; an event without lines (from before they travelled) counts its subtotal
    under no item."""
    if isinstance(document, DebitNotePosted):
        kind, document_id, sign = "debit-note", document.debit_note_id, -1
    else:
        kind, document_id, sign = "bill", document.bill_id, 1
    header = {"document": kind, "document_id": document_id, "supplier": document.supplier,
              "day": document.date}  # fmt: skip
    if document.lines is None:
        rows = [{**header, "line_no": 0, "sku": None, "quantity": None,
                 "amount": sign * base(document.subtotal, document.rate)}]  # fmt: skip
    else:
        rows = [
            {
                **header,
                "line_no": ln.line_no,
                "sku": ln.sku,
                "quantity": sign * ln.quantity if ln.sku and ln.quantity is not None else None,
                "amount": sign * base(ln.net, document.rate),
            }
            for ln in document.lines
        ]
    if rows:
        await conn.execute(upsert(conn.dialect, purchase_lines), rows)


def parse_groups(raw: str) -> tuple[str | None, list[str]]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    grains = [p for p in parts if p in GRAINS]
    unknown = [p for p in parts if p not in (*GRAINS, *DIMENSIONS)]
    if unknown or len(grains) > 1 or not parts:
        raise InvalidInput(
            "group_by", "use at most one of day, week, month and any of supplier, item"
        )
    return (grains[0] if grains else None), [d for d in DIMENSIONS if d in parts]


async def purchases(
    conn: AsyncConnection, *, start: dt.date, end: dt.date, group_by: str = "month"
) -> Report:
    grain, dims = parse_groups(group_by)
    by_item = "item" in dims
    pl = purchase_lines.c
    statement = (
        select(pl.day, pl.supplier, pl.sku, pl.quantity, pl.amount, items.c.name, items.c.uom)
        .outerjoin(items, items.c.sku == pl.sku)
        .where(pl.day >= start, pl.day <= end)
    )
    folded: dict[tuple[Any, ...], list[Decimal | None]] = defaultdict(lambda: [None, ZERO])
    names: dict[str | None, str | None] = {}
    for r in (await conn.execute(statement)).all():
        parts: list[Any] = []
        if grain:
            period = {"day": r.day, "week": week_start(r.day), "month": month_start(r.day)}
            parts.append(period[grain].isoformat())
        parts.extend(r.supplier if d == "supplier" else r.sku for d in dims)
        if by_item:  # quantities only add up within one item's unit
            parts.append(r.uom)
            names[r.sku] = r.name
        acc = folded[tuple(parts)]
        if by_item and r.quantity is not None:
            acc[0] = (acc[0] or ZERO) + Decimal(r.quantity)
        acc[1] = (acc[1] or ZERO) + Decimal(r.amount)
    keys = (*(("period",) if grain else ()), *dims, *(("uom",) if by_item else ()))
    rows = []
    for key in sorted(folded, key=lambda k: tuple("" if p is None else p for p in k)):
        quantity, amount = folded[key]
        row: dict[str, Any] = dict(zip(keys, key, strict=True))
        if by_item:
            row.update(name=names.get(row["item"]), quantity=quantity)
        row["amount"] = amount
        rows.append(row)
    amount_total = sum((r["amount"] for r in rows), ZERO)
    if by_item:
        shown: tuple[str, ...] = (*keys[:-1], "name", "uom", "quantity", "amount")
        totals = unit_totals(rows, label=shown[0], quantities=("quantity",), amounts=("amount",))
    else:
        shown = (*keys, "amount")
        totals = [total_row(rows, label=(shown[0], "Total"), amounts=("amount",))]
    return Report(
        name="purchases",
        params={"from": start.isoformat(), "to": end.isoformat(), "group_by": group_by},
        columns=shown,
        rows=rows,
        totals={"amount": amount_total},
        total_rows=totals,
    )
