"""Sales by period, customer and item (quantity, revenue, COGS, margin), and AR aging.

Only issued invoices count: one still `draft`, `pending` (its goods not issued yet) or
`on_hold` (they could not be) is in no figure as of any date; a voided one counts until the
day it was voided (AR) and never in sales.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from erp.platform.errors import InvalidInput
from erp.reporting.domain.periods import month_start, week_start
from erp.reporting.domain.report import Report
from erp.reporting.domain.totals import unit_totals
from erp.reporting.models import (
    ar_payments,
    ar_reversals,
    items,
    sales_cogs,
    sales_invoices,
    sales_lines,
)

ZERO = Decimal(0)
NOT_ISSUED = ("draft", "pending", "on_hold")
SALES_GROUPS = {"day", "week", "month", "customer", "item"}
AGING_BUCKETS = (("current", 0, 30), ("31_60", 31, 60), ("61_90", 61, 90), ("over_90", 91, None))


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
    for r in (await conn.execute(statement)).all():
        parts: list[Any] = []
        if grain:
            period = {"day": r.day, "week": week_start(r.day), "month": month_start(r.day)}
            parts.append(period[grain].isoformat())
        for d in dims:
            parts.append(r.customer if d == "customer" else r.sku)
        parts.append(r.uom)
        names[r.sku] = r.name
        acc = folded[tuple(parts)]
        acc[0] += Decimal(r.quantity)
        acc[1] += Decimal(r.revenue)
        acc[2] += Decimal(r.cogs) if r.cogs is not None else ZERO
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


def bucket(age_days: int) -> str:
    for name, low, high in AGING_BUCKETS:
        if age_days >= low and (high is None or age_days <= high):
            return name
    return "current"


async def ar_aging(conn: AsyncConnection, *, as_of: dt.date) -> Report:
    """Open amount of each invoice issued up to `as_of` (less payments dated up to it, plus
    those of them reversed up to it; none once voided), by customer and currency, in buckets
    of days since the invoice date."""
    si, ap, ar = sales_invoices, ar_payments, ar_reversals
    flows = union_all(
        select(ap.c.invoice_id, ap.c.amount).where(ap.c.day <= as_of),
        select(ar.c.invoice_id, -ar.c.amount).where(ar.c.day <= as_of),
    ).subquery()
    paid = (
        select(flows.c.invoice_id, func.sum(flows.c.amount).label("paid"))
        .group_by(flows.c.invoice_id)
        .subquery()
    )
    statement = (
        select(si.c.customer, si.c.currency, si.c.day, si.c.total, paid.c.paid)
        .outerjoin(paid, paid.c.invoice_id == si.c.invoice_id)
        .where(
            si.c.day <= as_of,
            counted(),
            or_(si.c.voided_on.is_(None), si.c.voided_on > as_of),
        )
    )
    names = [b[0] for b in AGING_BUCKETS]
    folded: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(
        lambda: dict.fromkeys(names, ZERO)
    )
    for r in (await conn.execute(statement)).all():
        open_amount = Decimal(r.total) - (Decimal(r.paid) if r.paid is not None else ZERO)
        if open_amount == 0:
            continue
        folded[(r.customer, r.currency)][bucket((as_of - r.day).days)] += open_amount
    rows = []
    totals: dict[str, dict[str, Decimal]] = {}
    for (customer, currency), amounts in sorted(folded.items()):
        total = sum(amounts.values(), ZERO)
        rows.append({"customer": customer, "currency": currency, **amounts, "total": total})
        per = totals.setdefault(currency, dict.fromkeys([*names, "total"], ZERO))
        for name in names:
            per[name] += amounts[name]
        per["total"] += total
    return Report(
        name="ar-aging",
        params={"as_of": as_of.isoformat()},
        columns=("customer", "currency", *names, "total"),
        rows=rows,
        totals={"by_currency": totals},
        # Amounts in different currencies are never added: one total per currency.
        total_rows=[
            {"customer": "Total", "currency": currency, **sums}
            for currency, sums in sorted(totals.items())
        ],
    )
