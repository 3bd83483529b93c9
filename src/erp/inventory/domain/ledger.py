"""Posting stock movements to the append-only ledger.

One transaction: lock the bins in a fixed order, check availability (on hand less other
holds), write the movement and its ledger lines with the running position after each, update
the bins, consume reservations, and put the events in the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.inventory.domain import bins as bin_store
from erp.inventory.domain.catalog import active_items, active_warehouses
from erp.inventory.domain.errors import InsufficientStock
from erp.inventory.domain.movements import MOVEMENTS
from erp.inventory.domain.publish import publish_stock_moved
from erp.inventory.domain.reservations import consume, reservations_for_issue
from erp.inventory.domain.valuation import (
    ZERO,
    Position,
    apply,
    inbound_value,
    outbound_value,
)
from erp.inventory.models import movements, stock_ledger
from erp.inventory.schemas.movements import MovementCreate
from erp.platform.errors import Conflict, InvalidInput

BinKey = tuple[str, str]


@dataclass
class Step:
    """One ledger line to write: signed quantity; cost known up front for inbound lines."""

    line_no: int
    sku: str
    warehouse: str
    quantity: Decimal
    unit_cost: Decimal | None = None
    value: Decimal | None = None  # fixed value (reversals, the inbound side of a transfer)
    counts_holds: bool = True  # issues and transfers respect other reservations


def validate(body: MovementCreate) -> None:
    """Rules that span fields; each failure names the offending field."""
    if body.type == "transfer":
        if not body.to_warehouse:
            raise InvalidInput("to_warehouse", "required for transfers")
        if body.to_warehouse == body.warehouse:
            raise InvalidInput("to_warehouse", "must differ from warehouse")
    elif body.to_warehouse is not None:
        raise InvalidInput("to_warehouse", "only transfers have a destination")
    if body.type == "adjustment" and not body.reason:
        raise InvalidInput("reason", "required for adjustments")
    for i, line in enumerate(body.lines):
        if body.type == "adjustment":
            if line.quantity == 0:
                raise InvalidInput(f"lines.{i}.quantity", "must not be zero")
        elif line.quantity <= 0:
            raise InvalidInput(f"lines.{i}.quantity", "must be greater than zero")
        if body.type == "receipt" and line.unit_cost is None:
            raise InvalidInput(f"lines.{i}.unit_cost", "required for receipts")
        if body.type in ("issue", "transfer") and line.unit_cost is not None:
            raise InvalidInput(f"lines.{i}.unit_cost", "outflows are valued at moving average")
        if line.reservation_id is not None and body.type != "issue":
            raise InvalidInput(f"lines.{i}.reservation_id", "only issues consume reservations")
        if body.type == "adjustment" and line.quantity < 0 and line.unit_cost is not None:
            raise InvalidInput(f"lines.{i}.unit_cost", "losses are valued at moving average")


def plan(body: MovementCreate) -> list[Step]:
    steps: list[Step] = []
    for i, line in enumerate(body.lines):
        if body.type == "receipt":
            steps.append(Step(i, line.sku, body.warehouse, line.quantity, line.unit_cost))
        elif body.type == "issue":
            steps.append(Step(i, line.sku, body.warehouse, -line.quantity))
        elif body.type == "transfer":
            assert body.to_warehouse
            steps.append(Step(i, line.sku, body.warehouse, -line.quantity))
            steps.append(Step(i, line.sku, body.to_warehouse, line.quantity))
        else:
            steps.append(
                Step(i, line.sku, body.warehouse, line.quantity, line.unit_cost, counts_holds=False)
            )
    return steps


async def post_movement(
    conn: AsyncConnection, *, body: MovementCreate, user: str
) -> dict[str, Any]:
    validate(body)
    codes = {body.warehouse: "warehouse"}
    if body.to_warehouse:
        codes[body.to_warehouse] = "to_warehouse"
    houses = await active_warehouses(conn, codes)
    await active_items(conn, ((ln.sku, f"lines.{i}.sku") for i, ln in enumerate(body.lines)))
    held = await reservations_for_issue(conn, body)
    return await _post(
        conn,
        movement={
            "type": body.type,
            "warehouse": body.warehouse,
            "to_warehouse": body.to_warehouse,
            "reference": body.reference,
            "reason": body.reason,
            "reverses": None,
        },
        steps=plan(body),
        allow_negative={c: houses[c].allow_negative for c in houses},
        consumed=held,
        user=user,
    )


async def reverse_movement(
    conn: AsyncConnection, *, movement_id: int, reason: str | None, user: str
) -> dict[str, Any]:
    original = (
        await conn.execute(select(movements).where(movements.c.id == movement_id).with_for_update())
    ).first()
    if original is None:
        from erp.platform.errors import NotFound

        raise NotFound(f"movement {movement_id} not found")
    if original.reverses is not None:
        raise Conflict(f"movement {movement_id} is itself a reversal; post a new movement")
    already = (
        await conn.execute(select(movements.c.id).where(movements.c.reverses == movement_id))
    ).scalar()
    if already is not None:
        raise Conflict(
            f"movement {movement_id} was already reversed by {already}", reversed_by=already
        )
    lines = await MOVEMENTS.line_rows(conn, movement_id)
    steps = [
        Step(
            ln.line_no,
            ln.sku,
            ln.warehouse,
            -ln.quantity,
            ln.unit_cost,
            -ln.value,
            counts_holds=False,
        )
        for ln in lines
    ]
    codes = {ln.warehouse: "warehouse" for ln in lines}
    houses = await active_warehouses(conn, codes)
    return await _post(
        conn,
        movement={
            "type": original.type,
            "warehouse": original.warehouse,
            "to_warehouse": original.to_warehouse,
            "reference": original.reference,
            "reason": reason or f"reversal of movement {movement_id}",
            "reverses": movement_id,
        },
        steps=steps,
        allow_negative={c: houses[c].allow_negative for c in houses},
        consumed={},
        user=user,
    )


async def _post(
    conn: AsyncConnection,
    *,
    movement: dict[str, Any],
    steps: list[Step],
    allow_negative: dict[str, bool],
    consumed: dict[int, BinKey],
    user: str,
) -> dict[str, Any]:
    positions = await bin_store.lock_bins(conn, ((s.sku, s.warehouse) for s in steps))
    now = datetime.now(UTC)  # taken after the locks, so per-bin time order is commit order
    before = {k: Position(p.on_hand, p.value) for k, p in positions.items()}
    await _check_holds(conn, steps, positions, now=now, consumed=set(consumed))
    rows = []
    outflow_values: dict[tuple[int, str], Decimal] = {}
    for step in steps:
        key = (step.sku, step.warehouse)
        position = positions[key]
        if position.on_hand <= 0 and position.last_cost == ZERO:
            position.last_cost = await bin_store.last_cost(conn, key)
        value = _line_value(step, position, outflow_values)
        after = apply(position, step.quantity, value)
        if after.on_hand < 0 and step.quantity < 0 and not allow_negative[step.warehouse]:
            raise InsufficientStock(
                sku=step.sku,
                warehouse=step.warehouse,
                requested=-step.quantity,
                available=max(position.on_hand, ZERO),
            )
        positions[key] = after
        unit_cost = (abs(value) / abs(step.quantity)).quantize(Decimal("0.0001"))
        rows.append(
            {
                "line_no": step.line_no,
                "sku": step.sku,
                "warehouse": step.warehouse,
                "quantity": step.quantity,
                "unit_cost": unit_cost,
                "value": value,
                "on_hand_after": after.on_hand,
                "value_after": after.value,
                "posted_at": now,
            }
        )
    movement_id = (
        await conn.execute(
            movements.insert()
            .values(**movement, posted_at=now, posted_by=user)
            .returning(movements.c.id)
        )
    ).scalar_one()
    await conn.execute(stock_ledger.insert(), [{**r, "movement_id": movement_id} for r in rows])
    await bin_store.save_positions(conn, positions, now=now)
    await consume(conn, list(consumed), movement_id=movement_id, now=now)
    result = {
        **movement,
        "id": movement_id,
        "posted_at": now,
        "posted_by": user,
        "reversed_by": None,
        "lines": rows,
    }
    await publish_stock_moved(conn, movement=result, before=before, after=positions)
    return result


def _line_value(
    step: Step, position: Position, outflow_values: dict[tuple[int, str], Decimal]
) -> Decimal:
    if step.value is not None:
        return step.value
    if step.quantity < 0:
        value = outbound_value(position, -step.quantity)
        outflow_values[(step.line_no, step.sku)] = value
        return value
    if (step.line_no, step.sku) in outflow_values:  # inbound side of a transfer
        return -outflow_values[(step.line_no, step.sku)]
    cost = step.unit_cost if step.unit_cost is not None else position.average_cost
    return inbound_value(step.quantity, cost)


async def _check_holds(
    conn: AsyncConnection,
    steps: list[Step],
    positions: dict[BinKey, Position],
    *,
    now: datetime,
    consumed: set[int],
) -> None:
    """Outflows may not take stock that other reservations hold."""
    demand: dict[BinKey, Decimal] = {}
    for step in steps:
        if step.quantity < 0 and step.counts_holds:
            key = (step.sku, step.warehouse)
            demand[key] = demand.get(key, ZERO) - step.quantity
    if not demand:
        return
    held = await bin_store.reserved_by_others(conn, list(demand), now=now, excluding=consumed)
    for key, wanted in demand.items():
        available = positions[key].on_hand - held.get(key, ZERO)
        if wanted > available and held.get(key, ZERO) > 0:
            raise InsufficientStock(
                sku=key[0], warehouse=key[1], requested=wanted, available=max(available, ZERO)
            )
