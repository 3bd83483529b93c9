"""Inventory's events, written to its outbox in the transaction of the change they report
(payloads in `erp.contracts.inventory`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.inventory import (
    InvoiceGoodsIssued,
    IssueRejected,
    ItemChanged,
    MovementReversed,
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
) -> None:
    """The posted movement (each line in its item's unit of measure) and, for a reversal, its
    link to the original (both under the movement's warehouse, so they keep posting order);
    then each bin it took below its item's reorder point."""
    subject = f"warehouse/{movement['warehouse']}"
    lines = tuple(
        StockLine.from_row(
            ln,
            average_cost_after=average_cost_after(
                ln["on_hand_after"], ln["value_after"], ln["unit_cost"]
            ),
            uom=uoms.get(ln["sku"]),
        )
        for ln in movement["lines"]
    )
    moved = StockMoved.from_row(movement, lines=lines)
    await publish(conn, subject, moved)
    if moved.reverses is not None:
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
