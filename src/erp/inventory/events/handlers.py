"""What inventory does with other services' events (each inside the consumer's transaction).

`finance.invoice-issued`: issue the invoice's goods, one issue movement per warehouse with
reference `invoice:<id>`, all or nothing. The normal `inventory.stock-moved` follows; when the
goods cannot be issued (short stock, unknown item or warehouse) nothing moves and
`inventory.issue-rejected` tells finance why.
`finance.invoice-voided`: reverse the issue movements of that invoice (the goods come back).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.inventory.domain.errors import InsufficientStock
from erp.inventory.domain.ledger import post_movement, reverse_movement
from erp.inventory.events import publish_issue_rejected
from erp.inventory.models import movements
from erp.inventory.schemas.movements import MovementCreate
from erp.platform.errors import ProblemError
from erp.platform.events.envelope import Event

INVOICE_ISSUED = "finance.invoice-issued"
INVOICE_VOIDED = "finance.invoice-voided"
POSTED_BY = "finance-events"


def _issues(invoice_id: int, lines: list[dict[str, Any]]) -> list[MovementCreate]:
    by_warehouse: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        by_warehouse.setdefault(str(line["warehouse"]), []).append(
            {"sku": line["sku"], "quantity": line["quantity"]}
        )
    return [
        MovementCreate.model_validate(
            {
                "type": "issue",
                "warehouse": warehouse,
                "reference": f"invoice:{invoice_id}",
                "lines": wanted,
            }
        )
        for warehouse, wanted in by_warehouse.items()
    ]


def _rejection(error: Exception) -> dict[str, Any]:
    if isinstance(error, InsufficientStock):
        keys = ("sku", "warehouse", "requested", "available")
        return {"reason": error.detail, **{k: error.extra.get(k) for k in keys}}
    if isinstance(error, ProblemError):
        reason = error.detail
    elif isinstance(error, ValidationError):
        reason = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
    else:
        reason = str(error)
    return {"reason": reason, "sku": None, "warehouse": None, "requested": None, "available": None}


async def on_invoice_issued(conn: AsyncConnection, event: Event) -> None:
    invoice_id = int(event.data["invoice_id"])
    issue_no = event.data.get("issue_no")
    try:
        async with conn.begin_nested():  # all warehouses or none
            for body in _issues(invoice_id, list(event.data["lines"])):
                await post_movement(conn, body=body, user=POSTED_BY)
    except (ProblemError, ValidationError) as error:
        await publish_issue_rejected(
            conn,
            invoice_id=invoice_id,
            issue_no=int(issue_no) if issue_no is not None else None,
            rejection=_rejection(error),
        )


async def on_invoice_voided(conn: AsyncConnection, event: Event) -> None:
    invoice_id = int(event.data["invoice_id"])
    reversed_ids = select(movements.c.reverses).where(movements.c.reverses.is_not(None))
    pending = (
        await conn.execute(
            select(movements.c.id)
            .where(
                movements.c.reference == f"invoice:{invoice_id}",
                movements.c.type == "issue",
                movements.c.reverses.is_(None),
                movements.c.id.not_in(reversed_ids),
            )
            .order_by(movements.c.id)
        )
    ).scalars()
    for movement_id in list(pending):
        await reverse_movement(
            conn, movement_id=movement_id, reason=f"invoice {invoice_id} voided", user=POSTED_BY
        )


SUBSCRIPTIONS = {INVOICE_ISSUED: on_invoice_issued, INVOICE_VOIDED: on_invoice_voided}
