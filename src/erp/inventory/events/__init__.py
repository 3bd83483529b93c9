"""Events inventory publishes (topics `inventory.*`), written to the outbox in the same
transaction as the change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.inventory.domain.valuation import Position
from erp.inventory.models import items, metadata
from erp.platform.events.outbox import enqueue

SOURCE = "erp/inventory"
STOCK_MOVED = "inventory.stock-moved"
MOVEMENT_REVERSED = "inventory.movement-reversed"
RESERVATION_CHANGED = "inventory.reservation-changed"
LOW_STOCK = "inventory.low-stock"
# An invoice's goods could not be issued: {invoice_id, issue_no, reference, reason, sku,
# warehouse, requested, available} (the last four null when the cause is not a shortage).
ISSUE_REJECTED = "inventory.issue-rejected"


async def publish_stock_moved(
    conn: AsyncConnection,
    *,
    movement: dict[str, Any],
    before: dict[tuple[str, str], Position],
    after: dict[tuple[str, str], Position],
) -> None:
    subject = f"warehouse/{movement['warehouse']}"
    lines = [
        {
            "line_no": ln["line_no"],
            "sku": ln["sku"],
            "warehouse": ln["warehouse"],
            "quantity": ln["quantity"],
            "unit_cost": ln["unit_cost"],
            "value": ln["value"],
            "on_hand_after": ln["on_hand_after"],
            "value_after": ln["value_after"],
            "average_cost_after": Position(
                ln["on_hand_after"], ln["value_after"], ln["unit_cost"]
            ).average_cost,
        }
        for ln in movement["lines"]
    ]
    data = {
        k: movement[k]
        for k in (
            "id",
            "type",
            "warehouse",
            "to_warehouse",
            "reference",
            "reason",
            "reverses",
            "posted_at",
            "posted_by",
        )
    }
    data["movement_id"] = data.pop("id")
    await enqueue(
        conn,
        metadata,
        source=SOURCE,
        topic=STOCK_MOVED,
        subject=subject,
        data={**data, "lines": lines},
    )
    if movement["reverses"] is not None:
        await enqueue(
            conn,
            metadata,
            source=SOURCE,
            topic=MOVEMENT_REVERSED,
            subject=subject,
            data={
                "movement_id": movement["id"],
                "reverses": movement["reverses"],
                "posted_at": movement["posted_at"],
            },
        )
    await _low_stock(conn, movement=movement, before=before, after=after)


async def _low_stock(
    conn: AsyncConnection,
    *,
    movement: dict[str, Any],
    before: dict[tuple[str, str], Position],
    after: dict[tuple[str, str], Position],
) -> None:
    keys = [k for k in after if after[k].on_hand < before[k].on_hand]
    if not keys:
        return
    points = dict(
        (
            await conn.execute(
                select(items.c.sku, items.c.reorder_point).where(
                    items.c.sku.in_({k[0] for k in keys})
                )
            )
        )
        .tuples()
        .all()
    )
    for sku, warehouse in sorted(keys):
        point = points.get(sku)
        if point is None or point <= 0:
            continue
        if before[(sku, warehouse)].on_hand >= point > after[(sku, warehouse)].on_hand:
            await enqueue(
                conn,
                metadata,
                source=SOURCE,
                topic=LOW_STOCK,
                subject=f"warehouse/{warehouse}",
                data={
                    "sku": sku,
                    "warehouse": warehouse,
                    "reorder_point": point,
                    "on_hand": after[(sku, warehouse)].on_hand,
                    "movement_id": movement["id"],
                },
            )


async def publish_reservation_changed(
    conn: AsyncConnection, *, reservation: dict[str, Any]
) -> None:
    await enqueue(
        conn,
        metadata,
        source=SOURCE,
        topic=RESERVATION_CHANGED,
        subject=f"reservation/{reservation['id']}",
        data=reservation,
    )


async def publish_issue_rejected(
    conn: AsyncConnection, *, invoice_id: int, issue_no: int | None, rejection: dict[str, Any]
) -> None:
    await enqueue(
        conn,
        metadata,
        source=SOURCE,
        topic=ISSUE_REJECTED,
        subject=f"invoice/{invoice_id}",
        data={
            "invoice_id": invoice_id,
            "issue_no": issue_no,
            "reference": f"invoice:{invoice_id}",
            **rejection,
        },
    )
