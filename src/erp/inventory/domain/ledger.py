"""Posting stock movements to the append-only ledger.

One transaction: date the movement, lock the purchase orders its receipt lines come in
against, lock the bins in a fixed order, refuse back-dating, check availability (on hand less
other holds), write the movement and its ledger lines with the running position after each,
update the bins, draw on reservations, count what the purchase order lines received, and put
the events in the outbox.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Date, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.references import credit_note_of, invoice_of
from erp.inventory.domain import bins as bin_store
from erp.inventory.domain.catalog import active_warehouses, active_warehouses_and_items
from erp.inventory.domain.dating import dated, posting_date_or_today, refuse_back_dating
from erp.inventory.domain.errors import CapacityExceeded, DocumentOwned, InsufficientStock
from erp.inventory.domain.movements import MOVEMENTS
from erp.inventory.domain.publish import OrderRef, publish_stock_moved
from erp.inventory.domain.receiving import (
    Receipts,
    give_back,
    match_receipt,
    receipts_to_reverse,
    record,
    returned_so_far,
)
from erp.inventory.domain.reservations import Drawn, consume, reservations_for_issue
from erp.inventory.domain.steps import Step, plan, validate
from erp.inventory.domain.valuation import (
    COST_QUANTUM,
    MAX_QUANTITY,
    MAX_UNIT_COST,
    MAX_VALUE,
    ZERO,
    Position,
    apply,
    inbound_value,
    outbound_value,
    plain,
)
from erp.inventory.models import items, movements, stock_ledger
from erp.inventory.schemas.movements import MovementCreate
from erp.platform.db.types import UTCDateTime
from erp.platform.errors import Conflict, InvalidInput, NotFound

BinKey = tuple[str, str]


async def post_movement(
    conn: AsyncConnection,
    *,
    body: MovementCreate,
    user: str,
    document: str | None = None,
    tolerance_percent: Decimal = ZERO,
) -> dict[str, Any]:
    """Post a movement. `document` is set only by the handler of the document that owns it
    (`invoice:<id>`), and must then be the movement's reference. Receipt lines against
    purchase order lines may pass what they ordered by `tolerance_percent` at most."""
    validate(body, document=document)
    codes = {body.warehouse: "warehouse"}
    if body.to_warehouse:
        codes[body.to_warehouse] = "to_warehouse"
    houses, found = await active_warehouses_and_items(
        conn, codes, ((ln.sku, f"lines.{i}.sku") for i, ln in enumerate(body.lines))
    )
    posting_date = dated(body.posting_date, houses[body.warehouse].closed_through)
    drawn = await reservations_for_issue(conn, body)
    receipts = await match_receipt(conn, body, tolerance_percent=tolerance_percent)
    steps = plan(body)
    for step in steps:
        if step.unit_cost is None and step.line_no in receipts.costs:
            step.unit_cost = receipts.costs[step.line_no]
    result = await post_steps(
        conn,
        movement={
            "type": body.type,
            "warehouse": body.warehouse,
            "to_warehouse": body.to_warehouse,
            "reference": body.reference,
            "reason": body.reason,
            "reverses": None,
            "returns": None,
            "posting_date": posting_date,
        },
        steps=steps,
        allow_negative={c: houses[c].allow_negative for c in houses},
        drawn=drawn,
        uoms={sku: row.uom for sku, row in found.items()},
        reorder_points={sku: row.reorder_point for sku, row in found.items()},
        user=user,
        orders=receipts.refs,
    )
    await record(conn, receipts, movement_id=result["id"], user=user)
    return result


async def reverse_movement(
    conn: AsyncConnection,
    *,
    movement_id: int,
    reason: str | None,
    user: str,
    posting_date: date | None = None,
    document: str | None = None,
) -> dict[str, Any]:
    """Post the mirror of a movement. One posted for a document is reversed only through it:
    its handler passes `document`."""
    original = (
        await conn.execute(select(movements).where(movements.c.id == movement_id).with_for_update())
    ).first()
    if original is None:
        raise NotFound(f"movement {movement_id} not found")
    invoice_id = invoice_of(original.reference)
    if invoice_id is not None and document != original.reference:
        raise DocumentOwned(
            movement_id=movement_id, document=original.reference, invoice_id=invoice_id
        )
    note_id = credit_note_of(original.reference)
    if note_id is not None and document != original.reference:
        raise Conflict(
            f"movement {movement_id} took back the goods returned on credit note {note_id}; "
            "it belongs to the credit note",
            document=original.reference,
        )
    if original.reverses is not None:
        raise Conflict(f"movement {movement_id} is itself a reversal; post a new movement")
    if original.returns is not None:
        # Reversing it would put goods back on a receipt that may be returned or reversed
        # again meanwhile; goods the supplier sends again are a new receipt.
        raise Conflict(
            f"movement {movement_id} returned goods of receipt {original.returns} to the"
            " supplier; post a new receipt when they come back",
            returns=original.returns,
        )
    already = (
        await conn.execute(select(movements.c.id).where(movements.c.reverses == movement_id))
    ).scalar()
    if already is not None:
        raise Conflict(
            f"movement {movement_id} was already reversed by {already}", reversed_by=already
        )
    day = await posting_date_or_today(conn, posting_date)
    receipts = await receipts_to_reverse(conn, movement_id=movement_id)
    lines = await MOVEMENTS.line_rows(conn, movement_id)
    # A receipt partly returned to its supplier is reversed for what is left of each line.
    taken = await returned_so_far(conn, movement_id) if original.type == "receipt" else {}
    left = {ln.line_no: (ln.quantity, ln.value) for ln in lines}
    for line_no, (quantity, value) in taken.items():
        left[line_no] = (left[line_no][0] - quantity, left[line_no][1] - value)
    if taken:
        receipts = give_back(receipts, {n: q for n, (q, _) in left.items()})
        if not any(q for q, _ in left.values()):
            raise Conflict(f"everything movement {movement_id} received was returned already")
    steps = [
        Step(
            ln.line_no,
            ln.sku,
            ln.warehouse,
            -left[ln.line_no][0],
            ln.unit_cost,
            plain(-left[ln.line_no][1]),
            counts_holds=False,
        )
        for ln in lines
        if left[ln.line_no][0]
    ]
    return await post_back(
        conn,
        movement={
            "type": original.type,
            "warehouse": original.warehouse,
            "to_warehouse": original.to_warehouse,
            "reference": original.reference,
            "reason": reason or f"reversal of movement {movement_id}",
            "reverses": movement_id,
            "returns": None,
            "posting_date": day,
        },
        steps=steps,
        receipts=receipts,
        user=user,
    )


async def post_back(
    conn: AsyncConnection,
    *,
    movement: dict[str, Any],
    steps: list[Step],
    receipts: Receipts,
    user: str,
) -> dict[str, Any]:
    """Post what takes back (part of) an earlier movement, a reversal or a supplier return:
    its warehouses must still be active, and the purchase order lines it came in against get
    the quantities back."""
    houses = await active_warehouses(conn, {s.warehouse: "warehouse" for s in steps})
    known = (
        await conn.execute(
            select(items.c.sku, items.c.uom, items.c.reorder_point).where(
                items.c.sku.in_({s.sku for s in steps})
            )
        )
    ).all()
    result = await post_steps(
        conn,
        movement=movement,
        steps=steps,
        allow_negative={c: houses[c].allow_negative for c in houses},
        drawn={},
        uoms={row.sku: row.uom for row in known},
        reorder_points={row.sku: row.reorder_point for row in known},
        user=user,
        orders=receipts.refs,
    )
    await record(conn, receipts, movement_id=result["id"], user=user)
    return result


async def post_steps(
    conn: AsyncConnection,
    *,
    movement: dict[str, Any],
    steps: list[Step],
    allow_negative: dict[str, bool],
    drawn: dict[int, Drawn],
    uoms: dict[str, str],
    reorder_points: dict[str, Decimal | None],
    user: str,
    orders: dict[int, OrderRef],
) -> dict[str, Any]:
    """Write one movement's steps to the ledger and bins and publish it (see module doc)."""
    keys = [(s.sku, s.warehouse) for s in steps]
    positions = await bin_store.lock_bins(conn, keys)
    posting_date: date = movement["posting_date"]
    now = datetime.now(UTC)  # taken after the locks, so per-bin time order is commit order
    latest, held = await bin_store.after_lock(conn, keys, now=now)
    refuse_back_dating(latest, posting_date)
    before = {k: Position(p.on_hand, p.value) for k, p in positions.items()}
    _check_holds(steps, positions, held, drawn=drawn)
    rows = []
    outflow_values: dict[tuple[int, str], Decimal] = {}
    for step in steps:
        key = (step.sku, step.warehouse)
        position = positions[key]
        if position.on_hand <= 0 and position.last_cost == ZERO:
            position.last_cost = await bin_store.last_cost(conn, key)
        value = await _line_value(conn, step, position, outflow_values)
        after = apply(position, step.quantity, value)
        if after.on_hand < 0 and step.quantity < 0 and not allow_negative[step.warehouse]:
            raise InsufficientStock(
                sku=step.sku,
                warehouse=step.warehouse,
                requested=-step.quantity,
                available=max(position.on_hand, ZERO),
            )
        unit_cost = plain((abs(value) / abs(step.quantity)).quantize(COST_QUANTUM))
        _check_capacity(step, after, unit_cost)
        positions[key] = after
        rows.append(
            {
                "line_no": step.line_no,
                "sku": step.sku,
                "warehouse": step.warehouse,
                "quantity": step.quantity,
                "unit_cost": unit_cost,
                "value": value,
                "on_hand_after": after.on_hand,
                "value_after": plain(after.value),
                "posting_date": posting_date,
                "posted_at": now,
            }
        )
    movement_id = await _write(
        conn, {**movement, "posted_at": now, "posted_by": user}, rows, positions, now=now
    )
    await consume(conn, drawn, movement_id=movement_id, now=now)
    result = {
        **movement,
        "id": movement_id,
        "posted_at": now,
        "posted_by": user,
        "reversed_by": None,
        "lines": rows,
    }
    await publish_stock_moved(
        conn,
        movement=result,
        before=before,
        after=positions,
        uoms=uoms,
        reorder_points=reorder_points,
        orders=orders,
    )
    return result


async def _write(
    conn: AsyncConnection,
    movement: dict[str, Any],
    rows: list[dict[str, Any]],
    positions: dict[BinKey, Position],
    *,
    now: datetime,
) -> int:
    """Insert the movement and its ledger lines (in `rows` order) and save the bins' new
    positions; the movement's id. On PostgreSQL one statement, elsewhere three."""
    if conn.dialect.name == "postgresql":
        return await _write_pg(conn, movement, rows, positions, now=now)
    movement_id = (
        await conn.execute(movements.insert().values(**movement).returning(movements.c.id))
    ).scalar_one()
    await conn.execute(stock_ledger.insert(), [{**r, "movement_id": movement_id} for r in rows])
    await bin_store.save_positions(conn, positions, now=now)
    return int(movement_id)


# The same three writes as one data-modifying statement: the lines are inserted in the order
# given (their ids keep a transfer's outbound side first), the bins are the ones locked.
_WRITE_PG = text(
    """
WITH m AS (
  INSERT INTO movements (type, warehouse, to_warehouse, reference, reason, reverses,
                         returns, posting_date, posted_at, posted_by)
  VALUES (:type, :warehouse, :to_warehouse, :reference, :reason, :reverses,
          :returns, :posting_date, :posted_at, :posted_by)
  RETURNING id
),
lines AS (
  INSERT INTO stock_ledger (movement_id, line_no, sku, warehouse, quantity, unit_cost, value,
                            on_hand_after, value_after, posting_date, posted_at)
  SELECT m.id, x.line_no, x.sku, x.warehouse, x.quantity, x.unit_cost, x.value,
         x.on_hand_after, x.value_after, :posting_date, :posted_at
  FROM m, unnest(CAST(:line_nos AS BIGINT[]), CAST(:skus AS TEXT[]),
                 CAST(:warehouses AS TEXT[]), CAST(:quantities AS NUMERIC[]),
                 CAST(:unit_costs AS NUMERIC[]), CAST(:line_values AS NUMERIC[]),
                 CAST(:on_hands_after AS NUMERIC[]), CAST(:values_after AS NUMERIC[]))
       WITH ORDINALITY AS x(line_no, sku, warehouse, quantity, unit_cost, value,
                            on_hand_after, value_after, n)
  ORDER BY x.n
),
saved AS (
  UPDATE bins SET on_hand = b.on_hand, value = b.value, updated_at = :posted_at
  FROM unnest(CAST(:bin_skus AS TEXT[]), CAST(:bin_warehouses AS TEXT[]),
              CAST(:bin_on_hands AS NUMERIC[]), CAST(:bin_values AS NUMERIC[]))
       AS b(sku, warehouse, on_hand, value)
  WHERE bins.sku = b.sku AND bins.warehouse = b.warehouse
)
SELECT id FROM m
"""
).bindparams(
    bindparam("reverses", type_=BigInteger()),
    bindparam("returns", type_=BigInteger()),
    bindparam("posting_date", type_=Date()),
    bindparam("posted_at", type_=UTCDateTime()),
)


async def _write_pg(
    conn: AsyncConnection,
    movement: dict[str, Any],
    rows: list[dict[str, Any]],
    positions: dict[BinKey, Position],
    *,
    now: datetime,
) -> int:
    def exact(column: Any, values: list[Any]) -> list[Any]:
        # What the column's type would bind: the decimal at the column's scale.
        bind = column.type.process_bind_param
        return [bind(v, conn.dialect) for v in values]

    line = stock_ledger.c
    bins = sorted(positions)
    params = {
        **movement,
        "posted_at": now,
        "line_nos": [r["line_no"] for r in rows],
        "skus": [r["sku"] for r in rows],
        "warehouses": [r["warehouse"] for r in rows],
        "quantities": exact(line.quantity, [r["quantity"] for r in rows]),
        "unit_costs": exact(line.unit_cost, [r["unit_cost"] for r in rows]),
        "line_values": exact(line.value, [r["value"] for r in rows]),
        "on_hands_after": exact(line.on_hand_after, [r["on_hand_after"] for r in rows]),
        "values_after": exact(line.value_after, [r["value_after"] for r in rows]),
        "bin_skus": [k[0] for k in bins],
        "bin_warehouses": [k[1] for k in bins],
        "bin_on_hands": exact(line.on_hand_after, [positions[k].on_hand for k in bins]),
        "bin_values": exact(line.value_after, [positions[k].value for k in bins]),
    }
    return int((await conn.execute(_WRITE_PG, params)).scalar_one())


async def _line_value(
    conn: AsyncConnection,
    step: Step,
    position: Position,
    outflow_values: dict[tuple[int, str], Decimal],
) -> Decimal:
    if step.value is not None:
        return step.value
    if step.quantity < 0:
        value = outbound_value(position, -step.quantity)
        outflow_values[(step.line_no, step.sku)] = value
        return _fitting_value(step, value)
    if (step.line_no, step.sku) in outflow_values:  # inbound side of a transfer
        return plain(-outflow_values[(step.line_no, step.sku)])
    cost = step.unit_cost
    if cost is None:
        cost = await _last_known_cost(conn, step, position)
    return _fitting_value(step, inbound_value(step.quantity, cost))


async def _last_known_cost(conn: AsyncConnection, step: Step, position: Position) -> Decimal:
    """An inbound line given no cost comes in at the bin's moving average, else at the last
    cost recorded for the item; never at a zero nobody entered."""
    if position.on_hand > 0:
        return position.average_cost
    cost = await bin_store.known_cost(conn, (step.sku, step.warehouse))
    if cost is None:
        raise InvalidInput(
            f"{step.field}.unit_cost",
            f"no cost is known for {step.sku} yet: give the unit cost it comes in at",
        )
    return cost


def _fitting_value(step: Step, value: Decimal) -> Decimal:
    if abs(value) > MAX_VALUE:
        raise InvalidInput(
            f"{step.field}.quantity",
            f"its value {abs(value)} passes the largest a ledger line holds ({MAX_VALUE})",
        )
    return value


def _check_capacity(step: Step, after: Position, unit_cost: Decimal) -> None:
    field = f"{step.field}.quantity" if step.field else None
    for measure, amount, limit in (
        ("on_hand", after.on_hand, MAX_QUANTITY),
        ("value", after.value, MAX_VALUE),
    ):
        if abs(amount) > limit:
            raise CapacityExceeded(
                sku=step.sku, warehouse=step.warehouse, measure=measure, limit=limit, field=field
            )
    if unit_cost > MAX_UNIT_COST:
        # A tiny quantity whose value rounds up past the largest unit cost a line holds.
        raise InvalidInput(
            field or "quantity",
            f"a unit cost of {unit_cost} passes the largest a ledger line holds",
        )


def _check_holds(
    steps: list[Step],
    positions: dict[BinKey, Position],
    reserved: dict[BinKey, Decimal],
    *,
    drawn: dict[int, Drawn],
) -> None:
    """Outflows may not take stock that reservations hold (`reserved`, read with the bins
    locked), except what they draw from the reservations they name."""
    demand: dict[BinKey, Decimal] = {}
    for step in steps:
        if step.quantity < 0 and step.counts_holds:
            key = (step.sku, step.warehouse)
            demand[key] = demand.get(key, ZERO) - step.quantity
    if not demand:
        return
    held = {key: reserved[key] for key in demand if key in reserved}
    for d in drawn.values():
        key = (d.sku, d.warehouse)
        held[key] = held.get(key, ZERO) - d.quantity
    for key, wanted in demand.items():
        still_held = held.get(key, ZERO)
        available = positions[key].on_hand - still_held
        if wanted > available and still_held > 0:
            raise InsufficientStock(
                sku=key[0], warehouse=key[1], requested=wanted, available=max(available, ZERO)
            )
