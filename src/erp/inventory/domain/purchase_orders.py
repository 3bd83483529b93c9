"""Purchase orders: created as drafts, approved, filled by receipts (see `receiving`), closed.

draft → approved → partly_received → received → closed; an approved or partly received order
may be closed early (the rest is no longer expected), a draft cancelled. Receipts move an
order between approved, partly_received and received; every other change is a request here,
made under a lock on the order row, and one out of order is a 409 giving `status_now`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.inventory.domain.catalog import active_items, active_warehouses
from erp.inventory.domain.publish import publish_order_approved, publish_order_closed
from erp.inventory.domain.valuation import ZERO
from erp.inventory.models import purchase_order_lines, purchase_orders
from erp.inventory.schemas.purchase_orders import PurchaseOrderCreate
from erp.platform import calendar
from erp.platform.errors import Conflict, InvalidInput, NotFound
from erp.platform.listing import Documents, Position

ORDERS = Documents(
    noun="purchase order",
    headers=purchase_orders,
    lines=purchase_order_lines,
    owner="order_id",
    line_fields=(
        "line_no",
        "sku",
        "warehouse",
        "quantity_ordered",
        "unit_price",
        "quantity_received",
    ),
)
RECEIVING = ("approved", "partly_received")  # the states that take receipts
# What each request may start from.
ALLOWED_FROM = {
    "approved": ("draft",),
    "closed": ("approved", "partly_received", "received"),
    "cancelled": ("draft",),
}


def present(order: dict[str, Any]) -> dict[str, Any]:
    """An order as the API shows it: each line with what is still expected."""
    expecting = order["status"] in ("draft", *RECEIVING)
    for line in order["lines"]:
        left = line["quantity_ordered"] - line["quantity_received"]
        line["quantity_open"] = max(left, ZERO) if expecting else ZERO
    return order


async def create(conn: AsyncConnection, *, data: PurchaseOrderCreate, user: str) -> dict[str, Any]:
    """A draft order; its lines must name active items and warehouses (422 on the field)."""
    await active_items(conn, ((ln.sku, f"lines.{i}.sku") for i, ln in enumerate(data.lines)))
    await active_warehouses(
        conn,
        {ln.warehouse: f"lines.{i}.warehouse" for i, ln in reversed(list(enumerate(data.lines)))},
    )
    order_date = data.order_date or calendar.today()
    if data.expected_date is not None and data.expected_date < order_date:
        raise InvalidInput("expected_date", f"must not be before order_date ({order_date})")
    now = datetime.now(UTC)
    header = {
        "supplier": data.supplier,
        "currency": data.currency,
        "order_date": order_date,
        "expected_date": data.expected_date,
        "status": "draft",
        "notes": data.notes,
        "created_at": now,
        "created_by": user,
        "updated_at": now,
        "updated_by": user,
    }
    statement = purchase_orders.insert().values(**header).returning(purchase_orders.c.id)
    order_id = int((await conn.execute(statement)).scalar_one())
    lines = [
        {
            "order_id": order_id,
            "line_no": i,
            "sku": ln.sku,
            "warehouse": ln.warehouse,
            "quantity_ordered": ln.quantity,
            "unit_price": ln.unit_price,
            "quantity_received": ZERO,
        }
        for i, ln in enumerate(data.lines, start=1)
    ]
    await conn.execute(purchase_order_lines.insert(), lines)
    return present(await ORDERS.get(conn, order_id))


async def get(conn: AsyncConnection, *, order_id: int) -> dict[str, Any]:
    return present(await ORDERS.get(conn, order_id))


async def newest_first(
    conn: AsyncConnection,
    *,
    after: Position | None,
    limit: int,
    supplier: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    o = purchase_orders.c
    where = (o.supplier == supplier if supplier else None, o.status == status if status else None)
    found = await ORDERS.newest_first(conn, after=after, limit=limit, where=where)
    return [present(order) for order in found]


async def approve(conn: AsyncConnection, *, order_id: int, user: str) -> dict[str, Any]:
    """Draft → approved: the goods are now expected; receipts may come in against it."""
    order, now = await _move(conn, order_id=order_id, to="approved", user=user)
    await publish_order_approved(conn, order=order, at=now, by=user)
    return present(order)


async def close(conn: AsyncConnection, *, order_id: int, user: str) -> dict[str, Any]:
    """Nothing more is expected: what was not received will not come."""
    locked = await lock(conn, order_id)
    order, now = await _move(conn, order_id=order_id, to="closed", user=user, locked=locked)
    await publish_order_closed(conn, order=order, previous_status=locked.status, at=now, by=user)
    return present(order)


async def cancel(conn: AsyncConnection, *, order_id: int, user: str) -> dict[str, Any]:
    """A draft dropped before anyone expected it: no event, nothing had been announced."""
    order, _ = await _move(conn, order_id=order_id, to="cancelled", user=user)
    return present(order)


async def lock(conn: AsyncConnection, order_id: int) -> Any:
    """The order's row, locked until the transaction ends; 404 when there is none."""
    statement = select(purchase_orders).where(purchase_orders.c.id == order_id).with_for_update()
    row = (await conn.execute(statement)).first()
    if row is None:
        raise NotFound(f"purchase order {order_id} not found")
    return row


async def _move(
    conn: AsyncConnection, *, order_id: int, to: str, user: str, locked: Any = None
) -> tuple[dict[str, Any], datetime]:
    row = locked if locked is not None else await lock(conn, order_id)
    if row.status not in ALLOWED_FROM[to]:
        allowed = " or ".join(ALLOWED_FROM[to])
        raise Conflict(
            f"purchase order {order_id} is {row.status}: only an order that is {allowed}"
            f" can become {to}",
            status_now=row.status,
        )
    now = datetime.now(UTC)
    await conn.execute(
        purchase_orders.update()
        .where(purchase_orders.c.id == order_id)
        .values(status=to, updated_at=now, updated_by=user)
    )
    return await ORDERS.get(conn, order_id), now
