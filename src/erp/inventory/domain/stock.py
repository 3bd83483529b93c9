"""Stock positions: now (from the bins) or as of any past moment (from the ledger), and the
bins a movement took below their item's reorder point."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    tuple_,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.inventory import LowStock
from erp.inventory.domain.bins import still_held
from erp.inventory.domain.valuation import ZERO, Position
from erp.inventory.models import bins, reservation_uses, reservations, stock_ledger
from erp.platform import calendar
from erp.platform.calendar import AsOf
from erp.platform.db.types import QUANTITY, UTCDateTime

BinKey = tuple[str, str]
_TICK = dt.timedelta(microseconds=1)


def _reserved_subquery(at: Any, *, historical: bool) -> Any:
    """Held quantity per bin at `at` (a datetime or a bound parameter): each reservation
    active then, less what issues had taken from it by then."""
    r = reservations.c
    if historical:
        active = and_(
            r.created_at <= at, r.expires_at > at, or_(r.closed_at.is_(None), r.closed_at > at)
        )
        u = reservation_uses.c
        used = (
            select(u.reservation_id, func.sum(u.quantity).label("used"))
            .where(u.used_at <= at)
            .group_by(u.reservation_id)
            .subquery()
        )
        left = type_coerce(r.quantity - func.coalesce(used.c.used, 0), QUANTITY)
        source: Any = reservations.outerjoin(used, used.c.reservation_id == r.id)
    else:
        active = and_(r.status == "active", r.expires_at > at)
        left = still_held()
        source = reservations
    return (
        select(r.sku, r.warehouse, func.sum(left).label("reserved"))
        .select_from(source)
        .where(active)
        .group_by(r.sku, r.warehouse)
        .subquery()
    )


@dataclass(frozen=True)
class _Point:
    shown: datetime  # the `as_of` a position reports
    holds_at: datetime  # the instant whose active reservations count
    historical: bool  # False: every posted movement counts, and the bins hold the answer


def _point(as_of: AsOf | None, now: datetime) -> _Point:
    """A date means the end of that day in the company's zone; a point not yet passed, now."""
    if as_of is None:
        return _Point(now, now, False)
    if as_of.instant is not None:
        at = min(as_of.instant, now)
        return _Point(at, at, as_of.instant < now)
    if as_of.day >= calendar.today():
        return _Point(now, now, False)  # no movement is dated after today
    next_day = dt.datetime.combine(
        as_of.day + dt.timedelta(days=1), dt.time(), calendar.company_zone()
    ).astimezone(UTC)
    # Active at the end of the day: still active just before the next one starts.
    return _Point(next_day, next_day - _TICK, True)


def _filtered(
    statement: Select[Any],
    sku_col: Any,
    wh_col: Any,
    *,
    sku: Any,
    warehouse: Any,
    after: tuple[Any, Any] | None,
) -> Select[Any]:
    """`sku`, `warehouse` and `after`'s two values: strings, bound parameters, or None (an
    empty string too) for no filter."""
    if _given(sku):
        statement = statement.where(sku_col == sku)
    if _given(warehouse):
        statement = statement.where(wh_col == warehouse)
    if after:
        statement = statement.where(
            tuple_(sku_col, wh_col) > tuple_(_value(after[0]), _value(after[1]))
        )
    return statement.order_by(sku_col, wh_col)


def _given(value: Any) -> bool:
    return value is not None and value != "" if isinstance(value, str | None) else True


def _value(value: Any) -> Any:
    return literal(value) if isinstance(value, str) else value


@cache
def _current(*, sku: bool, warehouse: bool, after: bool) -> Select[Any]:
    """Positions now, from the bins: one statement per combination of filters, built once
    (bound parameters `now`, `sku`, `warehouse`, `after_sku`, `after_warehouse`, `limit`), so
    a request neither builds nor hashes it."""
    held = _reserved_subquery(bindparam("now", type_=UTCDateTime()), historical=False)
    return _filtered(
        select(
            bins.c.sku, bins.c.warehouse, bins.c.on_hand, bins.c.value, held.c.reserved
        ).outerjoin(held, and_(held.c.sku == bins.c.sku, held.c.warehouse == bins.c.warehouse)),
        bins.c.sku,
        bins.c.warehouse,
        sku=bindparam("sku") if sku else None,
        warehouse=bindparam("warehouse") if warehouse else None,
        after=(bindparam("after_sku"), bindparam("after_warehouse")) if after else None,
    ).limit(bindparam("limit", type_=Integer()))


async def positions(
    conn: AsyncConnection,
    *,
    sku: str | None = None,
    warehouse: str | None = None,
    as_of: AsOf | None = None,
    after: tuple[str, str] | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Positions per bin. As of a past point, each bin's is the running balance on its last
    ledger line that counts then (lines are in posting-date order within a bin), and the
    reservations are those active at that instant (the end of the day for a date)."""
    point = _point(as_of, datetime.now(UTC))
    if point.historical:
        assert as_of is not None
        held = _reserved_subquery(point.holds_at, historical=True)
        last = (
            _filtered(
                select(
                    stock_ledger.c.sku,
                    stock_ledger.c.warehouse,
                    func.max(stock_ledger.c.id).label("last_id"),
                )
                .where(as_of.includes(stock_ledger.c.posting_date, stock_ledger.c.posted_at))
                .group_by(stock_ledger.c.sku, stock_ledger.c.warehouse),
                stock_ledger.c.sku,
                stock_ledger.c.warehouse,
                sku=sku,
                warehouse=warehouse,
                after=after,
            )
            .limit(limit)
            .subquery()
        )
        statement = (
            select(
                last.c.sku,
                last.c.warehouse,
                stock_ledger.c.on_hand_after.label("on_hand"),
                stock_ledger.c.value_after.label("value"),
                stock_ledger.c.unit_cost.label("last_cost"),
                held.c.reserved,
            )
            .join(stock_ledger, stock_ledger.c.id == last.c.last_id)
            .outerjoin(held, and_(held.c.sku == last.c.sku, held.c.warehouse == last.c.warehouse))
            .order_by(last.c.sku, last.c.warehouse)
        )
        rows = (await conn.execute(statement)).all()
    else:
        current = _current(sku=bool(sku), warehouse=bool(warehouse), after=bool(after))
        params: dict[str, Any] = {"now": point.holds_at, "limit": limit}
        if sku:
            params["sku"] = sku
        if warehouse:
            params["warehouse"] = warehouse
        if after:
            params["after_sku"], params["after_warehouse"] = after
        rows = (await conn.execute(current, params)).all()
    return [_present(r, point.shown) for r in rows]


def _present(row: Any, at: datetime) -> dict[str, Any]:
    reserved: Decimal = (row.reserved or ZERO).quantize(Decimal("0.0001"))
    last_cost = getattr(row, "last_cost", None) or ZERO
    position = Position(row.on_hand, row.value, last_cost)
    return {
        "sku": row.sku,
        "warehouse": row.warehouse,
        "on_hand": row.on_hand,
        "reserved": reserved,
        "available": row.on_hand - reserved,
        "unit_cost": position.average_cost,
        "value": row.value,
        "as_of": at,
    }


def low_stock(
    *,
    movement_id: int,
    before: dict[BinKey, Position],
    after: dict[BinKey, Position],
    reorder_points: dict[str, Decimal | None],
) -> list[LowStock]:
    """Bins the movement took from at or above their item's reorder point to below it (an
    item without a positive reorder point is never low). `reorder_points`: of the items the
    movement moves, as read in its transaction."""
    keys = sorted(k for k in after if after[k].on_hand < before[k].on_hand)
    alerts = []
    for key in keys:
        point = reorder_points.get(key[0])
        if point is None or point <= 0:
            continue
        if before[key].on_hand >= point > after[key].on_hand:
            alerts.append(
                LowStock(
                    sku=key[0],
                    warehouse=key[1],
                    reorder_point=point,
                    on_hand=after[key].on_hand,
                    movement_id=movement_id,
                )
            )
    return alerts
