"""Inventory's events, written to its outbox in the transaction of the change they report
(payloads in `erp.contracts.inventory`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.inventory import (
    InvoiceGoodsIssued,
    IssueRejected,
    ItemChanged,
    MovementReversed,
    PurchaseOrderApproved,
    PurchaseOrderClosed,
    PurchaseOrderLine,
    ReservationChanged,
    StockLine,
    StockMoved,
)
from erp.contracts.wire import Payload
from erp.inventory.domain.stock import low_stock
from erp.inventory.domain.valuation import Position, average_cost_after
from erp.inventory.models import metadata
from erp.platform.events.outbox import enqueue

SOURCE = "erp/inventory"


@dataclass(frozen=True)
class OrderRef:
    """The purchase order line a movement line came in against, as its event names it."""

    order_id: int
    line_no: int
    supplier: str


def _order_fields(ref: OrderRef | None) -> dict[str, Any]:
    if ref is None:
        return {}
    return {
        "purchase_order_id": ref.order_id,
        "purchase_order_line": ref.line_no,
        "supplier": ref.supplier,
    }


async def publish(conn: AsyncConnection, subject: str, payload: Payload) -> None:
    await enqueue(
        conn, metadata, source=SOURCE, topic=payload.TOPIC, subject=subject, data=payload.to_data()
    )


async def publish_stock_moved(
    conn: AsyncConnection,
    *,
    movement: dict[str, Any],
    before: dict[tuple[str, str], Position],
    after: dict[tuple[str, str], Position],
    uoms: dict[str, str],
    reorder_points: dict[str, Decimal | None],
    orders: Mapping[int, OrderRef] | None = None,
) -> None:
    """The posted movement (each line in its item's unit of measure; one received against a
    purchase order line with `orders[line_no]`) and, for a reversal, its link to the original
    (both under the movement's warehouse, so they keep posting order); then each bin it took
    below its item's reorder point."""
    subject = f"warehouse/{movement['warehouse']}"
    orders = orders or {}
    lines = tuple(
        StockLine.from_row(
            ln,
            average_cost_after=average_cost_after(
                ln["on_hand_after"], ln["value_after"], ln["unit_cost"]
            ),
            uom=uoms.get(ln["sku"]),
            **_order_fields(orders.get(ln["line_no"])),
        )
        for ln in movement["lines"]
    )
    returns = movement.get("returns")
    # A return names its receipt as `reverses` too: consumers take its lines off that receipt.
    extra = {"reverses": returns, "returns": returns} if returns is not None else {}
    moved = StockMoved.from_row(movement, lines=lines, **extra)
    await publish(conn, subject, moved)
    if moved.reverses is not None and moved.returns is None:  # a return reverses no movement
        reversed_ = MovementReversed(
            movement_id=moved.movement_id, reverses=moved.reverses, posted_at=moved.posted_at
        )
        await publish(conn, subject, reversed_)
    alerts = low_stock(
        movement_id=moved.movement_id, before=before, after=after, reorder_points=reorder_points
    )
    for alert in alerts:
        await publish(conn, f"warehouse/{alert.warehouse}", alert)


async def publish_item_changed(conn: AsyncConnection, *, item: dict[str, Any]) -> None:
    changed = ItemChanged.from_row(item, changed_at=item["updated_at"])
    await publish(conn, f"item/{changed.sku}", changed)


async def publish_reservation_changed(
    conn: AsyncConnection, *, reservation: dict[str, Any]
) -> None:
    changed = ReservationChanged.from_row(reservation)
    await publish(conn, f"reservation/{changed.reservation_id}", changed)


async def publish_issue_rejected(conn: AsyncConnection, rejected: IssueRejected) -> None:
    await publish(conn, f"invoice/{rejected.invoice_id}", rejected)


async def publish_invoice_goods_issued(conn: AsyncConnection, issued: InvoiceGoodsIssued) -> None:
    await publish(conn, f"invoice/{issued.invoice_id}", issued)


def _order_lines(order: dict[str, Any]) -> tuple[PurchaseOrderLine, ...]:
    return tuple(PurchaseOrderLine.from_row(ln) for ln in order["lines"])


async def publish_order_approved(
    conn: AsyncConnection, *, order: dict[str, Any], at: datetime, by: str
) -> None:
    approved = PurchaseOrderApproved.from_row(
        order, order_id=order["id"], approved_at=at, approved_by=by, lines=_order_lines(order)
    )
    await publish(conn, f"purchase-order/{order['id']}", approved)


async def publish_order_closed(
    conn: AsyncConnection, *, order: dict[str, Any], previous_status: str, at: datetime, by: str
) -> None:
    closed = PurchaseOrderClosed.from_row(
        order,
        order_id=order["id"],
        previous_status=previous_status,
        closed_at=at,
        closed_by=by,
        lines=_order_lines(order),
    )
    await publish(conn, f"purchase-order/{order['id']}", closed)
