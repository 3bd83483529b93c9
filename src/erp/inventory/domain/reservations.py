"""Holds on available stock: created against availability, released, or consumed by an issue.
An expired hold simply stops counting; listing shows it as `expired`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.inventory.domain import bins as bin_store
from erp.inventory.domain.catalog import active_items, active_warehouses
from erp.inventory.domain.errors import InsufficientStock
from erp.inventory.domain.publish import publish_reservation_changed
from erp.inventory.domain.valuation import ZERO
from erp.inventory.models import reservation_uses, reservations
from erp.inventory.schemas.movements import MovementCreate, MovementLineIn
from erp.inventory.schemas.reservations import ReservationCreate
from erp.platform.errors import Conflict, InvalidInput, NotFound

MAX_HOLD = timedelta(days=30)


@dataclass(frozen=True)
class Drawn:
    """What an issue takes from a reservation it names."""

    sku: str
    warehouse: str
    quantity: Decimal  # at most what the hold still held
    consumed_after: Decimal  # the hold's `consumed` once this issue is posted
    used_up: bool  # nothing is left of it after the issue


def present(row: Any, *, now: datetime | None = None) -> dict[str, Any]:
    """A reservation as the API and its events show it: `quantity` is what is left of it."""
    data = dict(row._mapping)
    if data["status"] == "active" and data["expires_at"] <= (now or datetime.now(UTC)):
        data["status"] = "expired"
    data["initial_quantity"] = data["quantity"]
    data["consumed_quantity"] = data["consumed"]
    data["quantity"] = data["quantity"] - data["consumed"]
    return data


def expiry(data: ReservationCreate, *, now: datetime, default_seconds: int) -> datetime:
    """When the hold ends: `expires_at`, or `expires_in_seconds` (the configured default when
    neither is given) from now; at most 30 days ahead."""
    if data.expires_at is not None:
        if data.expires_in_seconds is not None:
            raise InvalidInput("expires_at", "give expires_at or expires_in_seconds, not both")
        at = data.expires_at
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        if at <= now:
            raise InvalidInput("expires_at", "must be in the future")
        if at - now > MAX_HOLD:
            raise InvalidInput("expires_at", "must be at most 30 days ahead")
        return at.astimezone(UTC)
    return now + timedelta(seconds=data.expires_in_seconds or default_seconds)


async def hold(
    conn: AsyncConnection, *, data: ReservationCreate, default_seconds: int
) -> dict[str, Any]:
    now = datetime.now(UTC)
    expires_at = expiry(data, now=now, default_seconds=default_seconds)
    await active_warehouses(conn, {data.warehouse: "warehouse"})
    await active_items(conn, [(data.sku, "sku")])
    key = (data.sku, data.warehouse)
    positions = await bin_store.lock_bins(conn, [key])
    held = (await bin_store.reserved(conn, [key], now=now)).get(key, ZERO)
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
                consumed=ZERO,
                reference=data.reference,
                status="active",
                expires_at=expires_at,
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


async def reservations_for_issue(conn: AsyncConnection, body: MovementCreate) -> dict[int, Drawn]:
    """Reservations an issue names: each must be active, unexpired and for that line's bin.
    Each gives up to what it still holds: less leaves the rest held, more takes the surplus
    from free stock."""
    wanted: dict[int, list[tuple[int, MovementLineIn]]] = {}
    for i, line in enumerate(body.lines):
        if line.reservation_id is not None:
            wanted.setdefault(line.reservation_id, []).append((i, line))
    if not wanted:
        return {}
    rows = {
        r.id: r
        for r in await conn.execute(
            select(reservations)
            .where(reservations.c.id.in_(list(wanted)))
            .order_by(reservations.c.id)
            .with_for_update()
        )
    }
    now = datetime.now(UTC)
    drawn = {}
    for rid, lines in wanted.items():
        row = rows.get(rid)
        for i, line in lines:
            field = f"lines.{i}.reservation_id"
            if row is None:
                raise InvalidInput(field, f"unknown reservation {rid}")
            if row.status != "active" or row.expires_at <= now:
                raise InvalidInput(field, f"reservation {rid} is {present(row, now=now)['status']}")
            if (row.sku, row.warehouse) != (line.sku, body.warehouse):
                raise InvalidInput(field, f"reservation {rid} holds {row.sku} in {row.warehouse}")
        assert row is not None
        asked = sum((line.quantity for _, line in lines), ZERO)
        taken = min(asked, row.quantity - row.consumed)
        after = row.consumed + taken
        drawn[rid] = Drawn(row.sku, row.warehouse, taken, after, after >= row.quantity)
    return drawn


async def consume(
    conn: AsyncConnection, drawn: dict[int, Drawn], *, movement_id: int, now: datetime
) -> None:
    """Record what the issue took from each hold; one left with nothing is `consumed`."""
    if not drawn:
        return
    uses = [
        {"reservation_id": rid, "movement_id": movement_id, "quantity": d.quantity, "used_at": now}
        for rid, d in sorted(drawn.items())
    ]
    await conn.execute(reservation_uses.insert(), uses)
    for rid, d in sorted(drawn.items()):  # rows locked by reservations_for_issue
        row = (
            await conn.execute(
                reservations.update()
                .where(reservations.c.id == rid)
                .values(
                    consumed=d.consumed_after,
                    consumed_by=movement_id,
                    status="consumed" if d.used_up else "active",
                    closed_at=now if d.used_up else None,
                )
                .returning(reservations)
            )
        ).one()
        await publish_reservation_changed(conn, reservation=present(row, now=now))
