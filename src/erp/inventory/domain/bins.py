"""Locking and updating the current position of item-warehouse bins."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import and_, bindparam, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.inventory.domain.valuation import ZERO, Position
from erp.inventory.models import bins, reservations, stock_ledger
from erp.platform.db.upsert import upsert

BinKey = tuple[str, str]  # (sku, warehouse)


async def lock_bins(conn: AsyncConnection, keys: Iterable[BinKey]) -> dict[BinKey, Position]:
    """Lock bins in (sku, warehouse) order, creating missing ones. The fixed order means two
    movements touching the same bins can never deadlock."""
    wanted = sorted(set(keys))
    positions = await _select_for_update(conn, wanted)
    missing = [k for k in wanted if k not in positions]
    if missing:
        now = datetime.now(UTC)
        await conn.execute(
            upsert(conn.dialect, bins, conflict=["sku", "warehouse"]),
            [
                {"sku": s, "warehouse": w, "on_hand": ZERO, "value": ZERO, "updated_at": now}
                for s, w in missing
            ],
        )
        positions.update(await _select_for_update(conn, missing))
    return positions


async def _select_for_update(conn: AsyncConnection, keys: list[BinKey]) -> dict[BinKey, Position]:
    statement = (
        select(bins.c.sku, bins.c.warehouse, bins.c.on_hand, bins.c.value)
        .where(tuple_(bins.c.sku, bins.c.warehouse).in_(keys))
        .order_by(bins.c.sku, bins.c.warehouse)
        .with_for_update()
    )
    return {
        (r.sku, r.warehouse): Position(r.on_hand, r.value) for r in await conn.execute(statement)
    }


async def last_cost(conn: AsyncConnection, key: BinKey) -> Decimal:
    """The cost of the bin's latest ledger line: what an outflow uses when nothing is on hand."""
    statement = (
        select(stock_ledger.c.unit_cost)
        .where(and_(stock_ledger.c.sku == key[0], stock_ledger.c.warehouse == key[1]))
        .order_by(stock_ledger.c.id.desc())
        .limit(1)
    )
    return (await conn.execute(statement)).scalar() or ZERO


async def reserved_by_others(
    conn: AsyncConnection, keys: list[BinKey], *, now: datetime, excluding: set[int]
) -> dict[BinKey, Decimal]:
    """Quantities held by active, unexpired reservations, except those being consumed."""
    statement = (
        select(reservations.c.sku, reservations.c.warehouse, func.sum(reservations.c.quantity))
        .where(tuple_(reservations.c.sku, reservations.c.warehouse).in_(keys))
        .where(reservations.c.status == "active", reservations.c.expires_at > now)
        .group_by(reservations.c.sku, reservations.c.warehouse)
    )
    if excluding:
        statement = statement.where(reservations.c.id.not_in(excluding))
    return {(r[0], r[1]): r[2] or ZERO for r in await conn.execute(statement)}


async def save_positions(
    conn: AsyncConnection, positions: dict[BinKey, Position], *, now: datetime
) -> None:
    statement = (
        bins.update()
        .where(and_(bins.c.sku == bindparam("k_sku"), bins.c.warehouse == bindparam("k_wh")))
        .values(on_hand=bindparam("on_hand"), value=bindparam("value"), updated_at=now)
    )
    await conn.execute(
        statement,
        [
            {"k_sku": s, "k_wh": w, "on_hand": p.on_hand, "value": p.value}
            for (s, w), p in positions.items()
        ],
    )
