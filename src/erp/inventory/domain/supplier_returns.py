"""Goods sent back to the supplier they came from: part of a receipt taken out again.

A return is a receipt movement with negated lines, each at its receipt line's own unit cost
(never today's average), linked to the receipt by `returns`. It is what a reversal of the
receipt does, for part of its lines or quantities, and a receipt may be returned several
times; what each line has left to return is what it received less its returns. A line
received against a purchase order line gives the quantity back to that order line. A later
reversal of the receipt reverses only what is left of it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.references import credit_note_of
from erp.inventory.domain.dating import posting_date_or_today
from erp.inventory.domain.ledger import post_back
from erp.inventory.domain.movements import MOVEMENTS
from erp.inventory.domain.receiving import (
    give_back,
    receipts_to_reverse,
    returned_so_far,
)
from erp.inventory.domain.steps import Step
from erp.inventory.domain.valuation import ZERO, inbound_value, plain
from erp.inventory.models import movements
from erp.inventory.schemas.movements import SupplierReturnCreate
from erp.platform.errors import Conflict, InvalidInput, NotFound


async def lock_receipt(conn: AsyncConnection, movement_id: int) -> Any:
    """The receipt a return sends goods back from, locked: 404 when unknown, 409 for any
    movement but a receipt still standing."""
    original = (
        await conn.execute(select(movements).where(movements.c.id == movement_id).with_for_update())
    ).first()
    if original is None:
        raise NotFound(f"movement {movement_id} not found")
    what = f"movement {movement_id}"
    if original.type != "receipt":
        raise Conflict(f"{what} is a {original.type}; only a receipt goes back to its supplier")
    if original.reverses is not None or original.returns is not None:
        raise Conflict(f"{what} takes goods out itself; only a receipt goes back to its supplier")
    if credit_note_of(original.reference) is not None:
        raise Conflict(
            f"{what} took back the goods a customer returned; it belongs to the credit note",
            document=original.reference,
        )
    reversed_by = (
        await conn.execute(select(movements.c.id).where(movements.c.reverses == movement_id))
    ).scalar()
    if reversed_by is not None:
        raise Conflict(f"{what} was reversed by {reversed_by}", reversed_by=reversed_by)
    return original


async def return_to_supplier(
    conn: AsyncConnection, *, movement_id: int, body: SupplierReturnCreate, user: str
) -> dict[str, Any]:
    original = await lock_receipt(conn, movement_id)
    day = await posting_date_or_today(conn, body.posting_date)
    received = {ln.line_no: ln for ln in await MOVEMENTS.line_rows(conn, movement_id)}
    taken = await returned_so_far(conn, movement_id)
    wanted: dict[int, Decimal] = {}
    first: dict[int, int] = {}  # the request line a receipt line is first named on
    for i, ln in enumerate(body.lines):
        got = received.get(ln.line_no)
        if got is None:
            raise InvalidInput(
                f"lines.{i}.line_no", f"receipt {movement_id} has no line {ln.line_no}"
            )
        first.setdefault(ln.line_no, i)
        wanted[ln.line_no] = wanted.get(ln.line_no, ZERO) + ln.quantity
        left = got.quantity - taken.get(ln.line_no, (ZERO, ZERO))[0]
        if wanted[ln.line_no] > left:
            raise InvalidInput(
                f"lines.{i}.quantity",
                f"{wanted[ln.line_no]} exceeds what line {ln.line_no} of receipt {movement_id}"
                f" has left to return ({left}: received {got.quantity}, returned"
                f" {got.quantity - left})",
            )
    steps = []
    for line_no, quantity in sorted(wanted.items()):
        got = received[line_no]
        done_q, done_v = taken.get(line_no, (ZERO, ZERO))
        # At the line's own cost; the last return of a line takes exactly what is left of it.
        if quantity == got.quantity - done_q:
            value = got.value - done_v
        else:
            value = min(inbound_value(quantity, got.unit_cost), got.value - done_v)
        steps.append(Step(line_no, got.sku, got.warehouse, -quantity, got.unit_cost,
                          plain(-value), field=f"lines.{first[line_no]}"))  # fmt: skip
    orders = give_back(await receipts_to_reverse(conn, movement_id=movement_id), wanted)
    return await post_back(
        conn,
        movement={
            "type": "receipt",
            "warehouse": original.warehouse,
            "to_warehouse": None,
            "reference": original.reference,
            "reason": body.reason,
            "reverses": None,
            "returns": movement_id,
            "posting_date": day,
        },
        steps=steps,
        receipts=orders,
        user=user,
    )
