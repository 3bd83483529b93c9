"""Sales by period, customer and item (quantity, revenue, COGS, margin), and AR aging.

Only issued invoices count: one still `draft`, `pending` (its goods not issued yet) or
`on_hold` (they could not be) is in no figure as of any date; a voided one counts until the
day it was voided (AR) and never in sales. A credit note's lines come off sales on its own
date: revenue, quantity when the goods came back, and their cost off COGS.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from erp.platform.errors import InvalidInput
from erp.reporting.domain.aging import OpenDocument, aging_report
from erp.reporting.domain.periods import month_start, week_start
from erp.reporting.domain.report import Report
from erp.reporting.domain.totals import unit_totals
from erp.reporting.models import (
    ar_credits,
    ar_payments,
    ar_reversals,
    ar_settlements,
    items,
    sales_cogs,
    sales_credit_cogs,
    sales_credit_lines,
    sales_invoices,
    sales_lines,
)

ZERO = Decimal(0)
NOT_ISSUED = ("draft", "pending", "on_hold")
SALES_GROUPS = {"day", "week", "month", "customer", "item"}


def parse_groups(raw: str) -> tuple[str | None, list[str]]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    grains = [p for p in parts if p in ("day", "week", "month")]
    unknown = [p for p in parts if p not in SALES_GROUPS]
    if unknown or len(grains) > 1 or not parts:
        raise InvalidInput(
            "group_by", "use at most one of day, week, month and any of customer, item"
        )
    return (grains[0] if grains else None), [p for p in parts if p in ("customer", "item")]


def counted() -> ColumnElement[bool]:
    """Invoices whose issue has happened (its event is there) and not been taken back by a
    later hold."""
    si = sales_invoices.c
    return and_(si.issue_no > 0, si.status.not_in(NOT_ISSUED))


async def sales(
    conn: AsyncConnection, *, start: dt.date, end: dt.date, group_by: str = "month"
) -> Report:
    grain, dims = parse_groups(group_by)
    si, sl, sc = sales_invoices, sales_lines, sales_cogs
    lines = (
        select(
            sl.c.invoice_id,
            sl.c.sku,
            func.sum(sl.c.quantity).label("quantity"),
            func.sum(sl.c.revenue).label("revenue"),
        )
        .group_by(sl.c.invoice_id, sl.c.sku)
        .subquery()
    )
    statement = (
        select(
            si.c.day,
            si.c.customer,
            lines.c.sku,
            lines.c.quantity,
            lines.c.revenue,
            sc.c.cogs,
            items.c.name,
            items.c.uom,
        )
        .join(lines, lines.c.invoice_id == si.c.invoice_id)
        .outerjoin(sc, and_(sc.c.invoice_id == si.c.invoice_id, sc.c.sku == lines.c.sku))
        .outerjoin(items, items.c.sku == lines.c.sku)
        .where(si.c.day >= start, si.c.day <= end, si.c.voided_on.is_(None), counted())
    )
    # Quantities are added up per unit only: the unit is part of every group.
    folded: dict[tuple[Any, ...], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
    names: dict[str, str | None] = {}
    found = [(r, 1) for r in (await conn.execute(statement)).all()]
    found += [(r, -1) for r in (await conn.execute(_credited(start, end))).all()]
    for r, sign in found:
        parts: list[Any] = []
        if grain:
            period = {"day": r.day, "week": week_start(r.day), "month": month_start(r.day)}
            parts.append(period[grain].isoformat())
        for d in dims:
            parts.append(r.customer if d == "customer" else r.sku)
        parts.append(r.uom)
        names[r.sku] = r.name
        acc = folded[tuple(parts)]
        acc[0] += sign * Decimal(r.quantity)
        acc[1] += sign * Decimal(r.revenue)
        acc[2] += sign * Decimal(r.cogs) if r.cogs is not None else ZERO
    columns = (*(("period",) if grain else ()), *dims, "uom")
    rows = []
    for key in sorted(folded, key=lambda k: tuple("" if p is None else p for p in k)):
        quantity, revenue, cogs = folded[key]
        row: dict[str, Any] = dict(zip(columns, key, strict=True))
        if "item" in dims:
            row["name"] = names.get(row["item"])
        row.update(quantity=quantity, revenue=revenue, cogs=cogs, margin=revenue - cogs)
        rows.append(row)
    revenue = sum((line["revenue"] for line in rows), ZERO)
    cogs = sum((line["cogs"] for line in rows), ZERO)
    by_unit: dict[str, Decimal] = defaultdict(Decimal)
    for line in rows:
        if line["uom"] is not None:
            by_unit[line["uom"]] += line["quantity"]
    shown = (*columns[:-1], *(("name",) if "item" in dims else ()), "uom")
    return Report(
        name="sales",
        params={"from": start.isoformat(), "to": end.isoformat(), "group_by": group_by},
        columns=(*shown, "quantity", "revenue", "cogs", "margin"),
        rows=rows,
        totals={
            "revenue": revenue,
            "cogs": cogs,
            "margin": revenue - cogs,
            "quantity_by_uom": dict(sorted(by_unit.items())),
        },
        total_rows=unit_totals(
            rows,
            label=shown[0],
            quantities=("quantity",),
            amounts=("revenue", "cogs", "margin"),
        ),
    )


def _credited(start: dt.date, end: dt.date) -> Select[Any]:
    """Credit notes dated in the range, per credit note and item, in the shape of the sales
    rows: units returned, revenue credited and the cost of the goods that came back. Only
    those on invoices sales counts."""
    cl, cc, si = sales_credit_lines, sales_credit_cogs, sales_invoices
    lines = (
        select(
            cl.c.credit_note_id,
            cl.c.invoice_id,
            cl.c.customer,
            cl.c.day,
            cl.c.sku,
            func.sum(cl.c.quantity).label("quantity"),
            func.sum(cl.c.revenue).label("revenue"),
        )
        .where(cl.c.day >= start, cl.c.day <= end)
        .group_by(cl.c.credit_note_id, cl.c.invoice_id, cl.c.customer, cl.c.day, cl.c.sku)
        .subquery()
    )
    return (
        select(
            lines.c.day,
            lines.c.customer,
            lines.c.sku,
            lines.c.quantity,
            lines.c.revenue,
            cc.c.cogs,
            items.c.name,
            items.c.uom,
        )
        .join(si, si.c.invoice_id == lines.c.invoice_id)
        .outerjoin(cc, and_(cc.c.credit_note_id == lines.c.credit_note_id, cc.c.sku == lines.c.sku))
        .outerjoin(items, items.c.sku == lines.c.sku)
        .where(si.c.voided_on.is_(None), counted())
    )


async def open_invoices(conn: AsyncConnection, *, as_of: dt.date) -> list[OpenDocument]:
    """Open amount of each invoice issued up to `as_of` (less payments and credit notes dated
    up to it, plus the payments reversed up to it; none once voided), due on its due date (its
    day when its events carried none). A customer credit refunded or allocated up to `as_of`
    is no longer held by its credit note's invoice (open again by it); an allocation pays its
    target invoice."""
    si, ap, ar, ac, st = sales_invoices, ar_payments, ar_reversals, ar_credits, ar_settlements
    flows = union_all(
        select(ap.c.invoice_id, ap.c.amount).where(ap.c.day <= as_of),
        select(ar.c.invoice_id, -ar.c.amount).where(ar.c.day <= as_of),
        select(ac.c.invoice_id, ac.c.amount).where(ac.c.day <= as_of),
        select(st.c.invoice_id, -st.c.amount).where(st.c.day <= as_of),
        select(st.c.target_invoice_id, st.c.amount).where(
            st.c.day <= as_of, st.c.target_invoice_id.is_not(None)
        ),
    ).subquery()
    paid = (
        select(flows.c.invoice_id, func.sum(flows.c.amount).label("paid"))
        .group_by(flows.c.invoice_id)
        .subquery()
    )
    statement = (
        select(
            si.c.invoice_id,
            si.c.customer,
            si.c.currency,
            func.coalesce(si.c.due_day, si.c.day).label("due"),
            si.c.total,
            paid.c.paid,
        )
        .outerjoin(paid, paid.c.invoice_id == si.c.invoice_id)
        .where(
            si.c.day <= as_of,
            counted(),
            or_(si.c.voided_on.is_(None), si.c.voided_on > as_of),
        )
    )
    found = []
    for r in (await conn.execute(statement)).all():
        open_amount = Decimal(r.total) - (Decimal(r.paid) if r.paid is not None else ZERO)
        if open_amount != 0:
            found.append(
                OpenDocument(
                    "receivable", r.customer, r.invoice_id, None, r.due, r.currency, open_amount
                )
            )
    return found


async def ar_aging(conn: AsyncConnection, *, as_of: dt.date) -> Report:
    """Open receivables (`open_invoices`) by customer and currency, in buckets of days past
    the due date."""
    documents = await open_invoices(conn, as_of=as_of)
    return aging_report("ar-aging", "customer", documents, as_of=as_of)
