"""Receipts against purchase order lines, inside the receipt's own transaction.

The orders a receipt names are locked (in id order, before the bins the ledger locks next), so
two receipts against one line are counted one after the other and cannot pass its tolerance
together. A reversal of such a receipt, or a supplier return of part of it, locks them too and
gives the quantity back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.inventory.domain.errors import OverReceipt
from erp.inventory.domain.publish import OrderRef
from erp.inventory.domain.purchase_orders import RECEIVING
from erp.inventory.domain.valuation import MAX_QUANTITY, ZERO
from erp.inventory.models import (
    movements,
    purchase_order_lines,
    purchase_order_receipts,
    purchase_orders,
    stock_ledger,
)
from erp.inventory.schemas.movements import MovementCreate
from erp.platform.errors import Conflict, InvalidInput

LineKey = tuple[int, int]  # (order id, line no)
QUANTUM = Decimal("0.0001")  # quantities' places: what a line may receive is cut to them


@dataclass
class Receipts:
    """What a movement's lines bring in against purchase order lines (negative: given back)."""

    refs: dict[int, OrderRef] = field(default_factory=dict)  # by movement line_no
    quantities: dict[int, Decimal] = field(default_factory=dict)  # by movement line_no
    costs: dict[int, Decimal] = field(default_factory=dict)  # default unit cost by line_no
    orders: dict[int, Any] = field(default_factory=dict)  # locked order rows by id
    lines: dict[LineKey, Any] = field(default_factory=dict)  # their lines


def allowance(ordered: Decimal, tolerance_percent: Decimal) -> Decimal:
    """How much more than `ordered` a line may receive: never so much that the received
    quantity would pass what its column holds."""
    extra = (ordered * tolerance_percent / 100).quantize(QUANTUM, rounding=ROUND_DOWN)
    return min(extra, MAX_QUANTITY - ordered)


async def _lock_orders(conn: AsyncConnection, order_ids: Iterable[int], into: Receipts) -> None:
    ids = sorted(set(order_ids))
    o, ln = purchase_orders.c, purchase_order_lines.c
    statement = select(purchase_orders).where(o.id.in_(ids)).order_by(o.id).with_for_update()
    into.orders = {row.id: row for row in await conn.execute(statement)}
    rows = await conn.execute(select(purchase_order_lines).where(ln.order_id.in_(ids)))
    into.lines = {(row.order_id, row.line_no): row for row in rows}


async def match_receipt(
    conn: AsyncConnection, body: MovementCreate, *, tolerance_percent: Decimal
) -> Receipts:
    """Check the receipt lines that name a purchase order line: 422 on the line when it
    names none or another SKU or warehouse, or leaves out the cost of an order in a foreign
    currency; 409 when the order takes no receipts or the line would pass its tolerance."""
    wanted = [
        (i, ln, ln.purchase_order_line)
        for i, ln in enumerate(body.lines)
        if ln.purchase_order_line is not None
    ]
    found = Receipts()
    if not wanted:
        return found
    await _lock_orders(conn, (ref.order_id for _, _, ref in wanted), found)
    adding: dict[LineKey, tuple[str, Decimal]] = {}
    for i, line, ref in wanted:
        name = f"lines.{i}.purchase_order_line"
        order = found.orders.get(ref.order_id)
        if order is None:
            raise InvalidInput(name, f"unknown purchase order {ref.order_id}")
        ordered = found.lines.get((ref.order_id, ref.line_no))
        if ordered is None:
            raise InvalidInput(name, f"purchase order {ref.order_id} has no line {ref.line_no}")
        where = f"line {ref.line_no} of purchase order {ref.order_id}"
        if ordered.sku != line.sku:
            raise InvalidInput(name, f"{where} orders {ordered.sku}, not {line.sku}")
        if ordered.warehouse != body.warehouse:
            raise InvalidInput(
                name, f"{where} is received in {ordered.warehouse}, not {body.warehouse}"
            )
        if line.unit_cost is None:
            if order.currency is not None:
                raise InvalidInput(
                    f"lines.{i}.unit_cost",
                    f"purchase order {ref.order_id} is priced in {order.currency}: give the"
                    " unit cost in the base currency",
                )
            found.costs[i] = ordered.unit_price
        key = (ref.order_id, ref.line_no)
        first, total = adding.get(key, (name, ZERO))
        adding[key] = (first, total + line.quantity)
        found.refs[i] = OrderRef(ref.order_id, ref.line_no, order.supplier)
        found.quantities[i] = line.quantity
    for order_id in sorted({key[0] for key in adding}):
        status = found.orders[order_id].status
        if status not in RECEIVING:
            fields = sorted(name for key, (name, _) in adding.items() if key[0] == order_id)
            raise Conflict(
                f"purchase order {order_id} is {status}: only an approved or partly received"
                " order takes receipts",
                field=fields[0],
                order_id=order_id,
                status_now=status,
            )
    for key, (name, quantity) in sorted(adding.items()):
        _check_tolerance(found.lines[key], quantity, tolerance_percent, name)
    return found


def _check_tolerance(line: Any, quantity: Decimal, tolerance_percent: Decimal, name: str) -> None:
    extra = allowance(line.quantity_ordered, tolerance_percent)
    if line.quantity_received + quantity > line.quantity_ordered + extra:
        raise OverReceipt(
            field=name,
            order_id=line.order_id,
            line_no=line.line_no,
            ordered=line.quantity_ordered,
            received=line.quantity_received,
            tolerance=extra,
            requested=quantity,
        )


async def receipts_to_reverse(conn: AsyncConnection, *, movement_id: int) -> Receipts:
    """What a movement received against purchase order lines, to give back when it is
    reversed (its orders locked); empty for any other movement."""
    r = purchase_order_receipts.c
    rows = (
        await conn.execute(select(purchase_order_receipts).where(r.movement_id == movement_id))
    ).all()
    found = Receipts()
    if not rows:
        return found
    await _lock_orders(conn, (row.order_id for row in rows), found)
    for row in rows:
        supplier = found.orders[row.order_id].supplier
        found.refs[row.movement_line_no] = OrderRef(row.order_id, row.line_no, supplier)
        found.quantities[row.movement_line_no] = -row.quantity
    return found


Taken = dict[int, tuple[Decimal, Decimal]]  # receipt line_no -> (quantity, value)


async def returned_so_far(conn: AsyncConnection, receipt_id: int) -> Taken:
    """Per receipt line, what its returns took out (positive quantity and value)."""
    m, sl = movements.c, stock_ledger.c
    rows = await conn.execute(
        select(sl.line_no, func.sum(sl.quantity), func.sum(sl.value))
        .join(movements, m.id == sl.movement_id)
        .where(m.returns == receipt_id)
        .group_by(sl.line_no)
    )
    return {line_no: (-Decimal(q), -Decimal(v)) for line_no, q, v in rows}


def give_back(receipts: Receipts, quantities: dict[int, Decimal]) -> Receipts:
    """Of what a receipt brought in against order lines, only the lines in `quantities` (by
    movement line_no), each giving back that quantity."""
    kept = {n: ref for n, ref in receipts.refs.items() if quantities.get(n, ZERO) > 0}
    return Receipts(
        refs=kept,
        quantities={n: -quantities[n] for n in kept},
        orders=receipts.orders,
        lines=receipts.lines,
    )


async def record(conn: AsyncConnection, receipts: Receipts, *, movement_id: int, user: str) -> None:
    """Write what the posted movement received against each order line, keep the lines'
    `quantity_received` in step and move each order to the state its lines are in."""
    if not receipts.refs:
        return
    await conn.execute(
        purchase_order_receipts.insert(),
        [
            {
                "movement_id": movement_id,
                "movement_line_no": line_no,
                "order_id": ref.order_id,
                "line_no": ref.line_no,
                "quantity": receipts.quantities[line_no],
            }
            for line_no, ref in sorted(receipts.refs.items())
        ],
    )
    received = {key: row.quantity_received for key, row in receipts.lines.items()}
    for line_no, ref in receipts.refs.items():
        received[(ref.order_id, ref.line_no)] += receipts.quantities[line_no]
    changed = sorted({(ref.order_id, ref.line_no) for ref in receipts.refs.values()})
    ln = purchase_order_lines.c
    await conn.execute(
        purchase_order_lines.update()
        .where(and_(ln.order_id == bindparam("k_order"), ln.line_no == bindparam("k_line")))
        .values(quantity_received=bindparam("received")),
        [{"k_order": o, "k_line": n, "received": received[(o, n)]} for o, n in changed],
    )
    now = datetime.now(UTC)
    for order_id in sorted({o for o, _ in changed}):
        status = _status_after(receipts, order_id, received)
        await conn.execute(
            purchase_orders.update()
            .where(purchase_orders.c.id == order_id)
            .values(status=status, updated_at=now, updated_by=user)
        )


def _status_after(receipts: Receipts, order_id: int, received: dict[LineKey, Decimal]) -> str:
    """Receiving moves an order between approved, partly_received and received; a closed one
    (a receipt reversed after closing) stays closed."""
    status: str = receipts.orders[order_id].status
    if status not in (*RECEIVING, "received"):
        return status
    mine = [(row, received[key]) for key, row in receipts.lines.items() if key[0] == order_id]
    if all(got >= row.quantity_ordered for row, got in mine):
        return "received"
    if any(got > 0 for _, got in mine):
        return "partly_received"
    return "approved"
