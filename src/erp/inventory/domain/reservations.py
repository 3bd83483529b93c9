"""Holds on available stock: created against availability, released, or consumed by an issue.
An expired hold simply stops counting; listing shows it as `expired`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.inventory.domain import bins as bin_store
from erp.inventory.domain.catalog import active_items, active_warehouses
from erp.inventory.domain.errors import InsufficientStock
from erp.inventory.domain.publish import publish_reservation_changed
from erp.inventory.domain.valuation import ZERO
from erp.inventory.models import reservations
from erp.inventory.schemas.movements import MovementCreate
from erp.inventory.schemas.reservations import ReservationCreate
from erp.platform.errors import Conflict, InvalidInput, NotFound


def present(row: Any, *, now: datetime | None = None) -> dict[str, Any]:
    data = dict(row._mapping)
    if data["status"] == "active" and data["expires_at"] <= (now or datetime.now(UTC)):
        data["status"] = "expired"
    return data


async def hold(conn: AsyncConnection, *, data: ReservationCreate) -> dict[str, Any]:
    await active_warehouses(conn, {data.warehouse: "warehouse"})
    await active_items(conn, [(data.sku, "sku")])
    key = (data.sku, data.warehouse)
    positions = await bin_store.lock_bins(conn, [key])
    now = datetime.now(UTC)
    held = (await bin_store.reserved_by_others(conn, [key], now=now, excluding=set())).get(
        key, ZERO
    )
    available = positions[key].on_hand - held
    if data.quantity > available:
        raise InsufficientStock(
            sku=data.sku,
            warehouse=data.warehouse,
            requested=data.quantity,
            available=max(available, ZERO),
        )
    row = (
        await conn.execute(
            reservations.insert()
            .values(
                sku=data.sku,
                warehouse=data.warehouse,
                quantity=data.quantity,
                reference=data.reference,
                status="active",
                expires_at=now + timedelta(seconds=data.expires_in_seconds),
                created_at=now,
            )
            .returning(reservations)
        )
    ).one()
    result = present(row, now=now)
    await publish_reservation_changed(conn, reservation=result)
    return result


async def release(conn: AsyncConnection, *, reservation_id: int) -> dict[str, Any]:
    row = (
        await conn.execute(
            select(reservations).where(reservations.c.id == reservation_id).with_for_update()
        )
    ).first()
    if row is None:
        raise NotFound(f"reservation {reservation_id} not found")
    if row.status != "active":
        raise Conflict(f"reservation {reservation_id} is {row.status}", status_now=row.status)
    now = datetime.now(UTC)
    updated = (
        await conn.execute(
            reservations.update()
            .where(reservations.c.id == reservation_id)
            .values(status="released", closed_at=now)
            .returning(reservations)
        )
    ).one()
    result = present(updated, now=now)
    await publish_reservation_changed(conn, reservation=result)
    return result


async def reservations_for_issue(
    conn: AsyncConnection, body: MovementCreate
) -> dict[int, tuple[str, str]]:
    """Reservations an issue names: each must be active, unexpired and for that line's bin."""
    wanted = {
        ln.reservation_id: (i, ln.sku)
        for i, ln in enumerate(body.lines)
        if ln.reservation_id is not None
    }
    if not wanted:
        return {}
    rows = {
        r.id: r
        for r in await conn.execute(
            select(reservations).where(reservations.c.id.in_(list(wanted))).with_for_update()
        )
    }
    now = datetime.now(UTC)
    for rid, (i, sku) in wanted.items():
        field = f"lines.{i}.reservation_id"
        row = rows.get(rid)
        if row is None:
            raise InvalidInput(field, f"unknown reservation {rid}")
        if row.status != "active" or row.expires_at <= now:
            raise InvalidInput(field, f"reservation {rid} is {present(row, now=now)['status']}")
        if (row.sku, row.warehouse) != (sku, body.warehouse):
            raise InvalidInput(field, f"reservation {rid} holds {row.sku} in {row.warehouse}")
    return {rid: (rows[rid].sku, rows[rid].warehouse) for rid in wanted}


async def consume(
    conn: AsyncConnection, ids: list[int], *, movement_id: int, now: datetime
) -> None:
    if not ids:
        return
    await conn.execute(
        reservations.update()
        .where(reservations.c.id.in_(ids))
        .values(status="consumed", closed_at=now, consumed_by=movement_id)
    )
    for row in await conn.execute(select(reservations).where(reservations.c.id.in_(ids))):
        await publish_reservation_changed(conn, reservation=present(row, now=now))
