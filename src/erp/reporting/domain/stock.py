"""Stock valuation as of a date and stock movements aggregated over a range."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import func, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.platform.errors import InvalidInput
from erp.reporting.domain.periods import as_of_ranges, month_start, week_start
from erp.reporting.domain.report import Report
from erp.reporting.domain.totals import unit_totals
from erp.reporting.models import items, stock_balances, stock_flows

ZERO = Decimal(0)
COST = Decimal("0.0001")
TIME_GRAINS = ("day", "week", "month")
DIMENSIONS = {"item": "sku", "warehouse": "warehouse", "type": "type"}
Held = dict[tuple[str, str], tuple[Decimal, Decimal]]  # (sku, warehouse) → (quantity, value)


async def positions_as_of(
    conn: AsyncConnection,
    as_of: dt.date,
    *,
    sku: str | None = None,
    warehouse: str | None = None,
) -> Held:
    """(sku, warehouse) → (quantity, value) of every line posted up to `as_of`."""
    sb = stock_balances
    parts = []
    for bounds in as_of_ranges(sb, as_of):
        part = select(sb.c.sku, sb.c.warehouse, sb.c.quantity, sb.c.value).where(bounds)
        if sku is not None:
            part = part.where(sb.c.sku == sku)
        if warehouse is not None:
            part = part.where(sb.c.warehouse == warehouse)
        parts.append(part)
    buckets = union_all(*parts).subquery()
    statement = select(
        buckets.c.sku,
        buckets.c.warehouse,
        func.sum(buckets.c.quantity).label("quantity"),
        func.sum(buckets.c.value).label("value"),
    ).group_by(buckets.c.sku, buckets.c.warehouse)
    rows = (await conn.execute(statement)).all()
    return {(sku, house): (quantity, value) for sku, house, quantity, value in rows}


Described = dict[str, tuple[str | None, str | None]]  # sku → (name, unit)


def valuation(
    held: Held,
    *,
    as_of: dt.date,
    described: Described | None = None,
) -> Report:
    described = described or {}
    rows = []
    by_warehouse: dict[str, Decimal] = defaultdict(Decimal)
    total = ZERO
    for (sku, warehouse), (quantity, value) in sorted(held.items()):
        if quantity == 0 and value == 0:
            continue
        unit = (value / quantity).quantize(COST, ROUND_HALF_EVEN) if quantity > 0 else None
        name, uom = described.get(sku, (None, None))
        rows.append(
            {
                "sku": sku,
                "name": name,
                "warehouse": warehouse,
                "uom": uom,
                "quantity": quantity,
                "value": value,
                "unit_cost": unit,
            }
        )
        by_warehouse[warehouse] += value
        total += value
    return Report(
        name="stock-valuation",
        params={"as_of": as_of.isoformat()},
        columns=("sku", "name", "warehouse", "uom", "quantity", "value", "unit_cost"),
        rows=rows,
        totals={"value": total, "by_warehouse": dict(sorted(by_warehouse.items()))},
        total_rows=unit_totals(rows, label="sku", quantities=("quantity",), amounts=("value",)),
    )


def parse_group_by(raw: str) -> tuple[str | None, tuple[str, ...]]:
    """`month,warehouse` → ("month", ("warehouse",)); at most one time grain."""
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts:
        raise InvalidInput("group_by", "must name at least one of day, week, month, item, ...")
    grain: str | None = None
    dims: list[str] = []
    for part in parts:
        if part in TIME_GRAINS:
            if grain is not None:
                raise InvalidInput("group_by", "at most one of day, week, month")
            grain = part
        elif part in DIMENSIONS:
            if part not in dims:
                dims.append(part)
        else:
            known = ", ".join((*TIME_GRAINS, *DIMENSIONS))
            raise InvalidInput("group_by", f"unknown grouping {part!r}; known: {known}")
    return grain, tuple(dims)


def bucket_of(day: dt.date, grain: str) -> dt.date:
    if grain == "week":
        return week_start(day)
    if grain == "month":
        return month_start(day)
    return day


async def movements(
    conn: AsyncConnection,
    *,
    start: dt.date,
    end: dt.date,
    group_by: str,
    sku: str | None = None,
    warehouse: str | None = None,
) -> Report:
    grain, dims = parse_group_by(group_by)
    sf = stock_flows
    keys: list[Any] = [sf.c[DIMENSIONS[d]] for d in dims]
    if grain:
        keys.insert(0, sf.c.day)
    keys.append(items.c.uom)  # quantities are added up per unit only
    sums = [
        func.sum(sf.c.quantity_in).label("quantity_in"),
        func.sum(sf.c.quantity_out).label("quantity_out"),
        func.sum(sf.c.value_in).label("value_in"),
        func.sum(sf.c.value_out).label("value_out"),
        func.sum(sf.c.lines).label("lines"),
    ]
    statement = (
        select(*keys, *sums)
        .outerjoin(items, items.c.sku == sf.c.sku)
        .where(sf.c.day >= start, sf.c.day <= end)
    )
    if sku is not None:
        statement = statement.where(sf.c.sku == sku)
    if warehouse is not None:
        statement = statement.where(sf.c.warehouse == warehouse)
    statement = statement.group_by(*keys)
    folded: dict[tuple[Any, ...], list[Decimal]] = {}
    for found in (await conn.execute(statement)).all():
        key: tuple[Any, ...] = (*(getattr(found, DIMENSIONS[d]) for d in dims), found.uom)
        if grain:
            key = (bucket_of(found.day, grain), *key)
        values = [
            found.quantity_in,
            found.quantity_out,
            found.value_in,
            found.value_out,
            found.lines,
        ]
        if values[4] is None:
            continue
        current = folded.get(key)
        if current is None:
            folded[key] = [Decimal(v) for v in values]
        else:
            for i, v in enumerate(values):
                current[i] += v
    columns = (*(("period",) if grain else ()), *dims, "uom")
    rows = []
    for key in sorted(folded, key=lambda k: tuple("" if p is None else str(p) for p in k)):
        qin, qout, vin, vout, lines = folded[key]
        row: dict[str, Any] = dict(zip(columns, key, strict=True))
        if grain:
            row["period"] = row["period"].isoformat()
        row.update(
            quantity_in=qin,
            quantity_out=qout,
            net_quantity=qin - qout,
            value_in=vin,
            value_out=vout,
            net_value=vin - vout,
            lines=int(lines),
        )
        rows.append(row)
    value_columns = (
        "quantity_in",
        "quantity_out",
        "net_quantity",
        "value_in",
        "value_out",
        "net_value",
        "lines",
    )
    return Report(
        name="stock-movements",
        params={"from": start.isoformat(), "to": end.isoformat(), "group_by": group_by},
        columns=(*columns, *value_columns),
        rows=rows,
        totals={
            "value_in": sum((r["value_in"] for r in rows), ZERO),
            "value_out": sum((r["value_out"] for r in rows), ZERO),
            "lines": sum(r["lines"] for r in rows),
        },
        total_rows=unit_totals(
            rows,
            label=columns[0],
            quantities=("quantity_in", "quantity_out", "net_quantity"),
            amounts=("value_in", "value_out", "net_value", "lines"),
        ),
    )
