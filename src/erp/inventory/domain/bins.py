"""Locking and updating the current position of item-warehouse bins."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam, func, select, tuple_, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.inventory.domain.valuation import ZERO, Position
from erp.inventory.models import bins, reservations, stock_ledger
from erp.platform.db.types import QUANTITY, UTCDateTime
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


# The statements of every movement are built once: executed again, they keep their cache key.
_KEYS: Any = bindparam("keys", expanding=True)
_LOCK = (
    select(bins.c.sku, bins.c.warehouse, bins.c.on_hand, bins.c.value)
    .where(tuple_(bins.c.sku, bins.c.warehouse).in_(_KEYS))
    .order_by(bins.c.sku, bins.c.warehouse)
    .with_for_update()
)


async def _select_for_update(conn: AsyncConnection, keys: list[BinKey]) -> dict[BinKey, Position]:
    return {
        (r.sku, r.warehouse): Position(r.on_hand, r.value)
        for r in await conn.execute(_LOCK, {"keys": keys})
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


async def known_cost(conn: AsyncConnection, key: BinKey) -> Decimal | None:
    """The unit cost of the latest ledger line that moved value in the bin, else of the SKU in
    any warehouse; None when no cost was ever recorded. Lines of no value are skipped: an
    outflow from a bin that never had a cost says nothing about what the item is worth."""
    line = stock_ledger.c
    valued = select(line.unit_cost).where(line.sku == key[0], line.value != 0)
    in_bin = valued.where(line.warehouse == key[1]).order_by(line.id.desc()).limit(1)
    cost = (await conn.execute(in_bin)).scalar()
    if cost is None:
        cost = (await conn.execute(valued.order_by(line.id.desc()).limit(1))).scalar()
    return cost


def still_held() -> Any:
    """What an active reservation holds: its quantity less what issues took from it."""
    return type_coerce(reservations.c.quantity - reservations.c.consumed, QUANTITY)


async def reserved(
    conn: AsyncConnection, keys: list[BinKey], *, now: datetime
) -> dict[BinKey, Decimal]:
    """Quantities held by active, unexpired reservations."""
    r = reservations.c
    statement = (
        select(r.sku, r.warehouse, func.sum(still_held()))
        .where(tuple_(r.sku, r.warehouse).in_(keys))
        .where(r.status == "active", r.expires_at > now)
        .group_by(r.sku, r.warehouse)
    )
    return {(row[0], row[1]): row[2] or ZERO for row in await conn.execute(statement)}


def _after_lock_statement() -> Any:
    line, r = stock_ledger.c, reservations.c
    latest = (
        select(line.posting_date)
        .where(line.sku == bins.c.sku, line.warehouse == bins.c.warehouse)
        .order_by(line.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    held = (
        select(func.sum(still_held()))
        .where(r.sku == bins.c.sku, r.warehouse == bins.c.warehouse)
        .where(r.status == "active", r.expires_at > bindparam("now", type_=UTCDateTime()))
        .scalar_subquery()
    )
    return select(bins.c.sku, bins.c.warehouse, latest.label("latest"), held.label("held")).where(
        tuple_(bins.c.sku, bins.c.warehouse).in_(_KEYS)
    )


_AFTER_LOCK = _after_lock_statement()


async def after_lock(
    conn: AsyncConnection, keys: list[BinKey], *, now: datetime
) -> tuple[dict[BinKey, date], dict[BinKey, Decimal]]:
    """What a movement checks once its bins are locked, in one round trip: each bin's latest
    posting date (that of its last ledger line; lines are in date order) and what active,
    unexpired reservations hold of it. Read after the locks, so no movement can add a later
    line meanwhile; holds as `reserved` counts them."""
    dates: dict[BinKey, date] = {}
    holds: dict[BinKey, Decimal] = {}
    params = {"keys": sorted(set(keys)), "now": now}
    for row in await conn.execute(_AFTER_LOCK, params):
        if row.latest is not None:
            dates[(row.sku, row.warehouse)] = row.latest
        if row.held is not None:
            holds[(row.sku, row.warehouse)] = row.held
    return dates, holds


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
