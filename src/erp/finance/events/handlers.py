"""What finance does with other services' events (each inside the consumer's transaction)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from erp.finance.domain import invoices, stock
from erp.platform.events.envelope import Event

STOCK_MOVED = "inventory.stock-moved"
ISSUE_REJECTED = "inventory.issue-rejected"


async def on_stock_moved(conn: AsyncConnection, event: Event) -> None:
    """Post the movement's value: receipts, issues (COGS), adjustments, reversals."""
    await stock.post_stock_movement(conn, data=event.data)


async def on_issue_rejected(conn: AsyncConnection, event: Event) -> None:
    """Inventory could not issue an invoice's goods: put the invoice on hold."""
    data = event.data
    issue_no = data.get("issue_no")
    await invoices.hold_invoice(
        conn,
        invoice_id=int(data["invoice_id"]),
        issue_no=int(issue_no) if issue_no is not None else None,
        reason=str(data.get("reason") or "inventory rejected the issue"),
        user=stock.POSTED_BY,
    )


SUBSCRIPTIONS = {STOCK_MOVED: on_stock_moved, ISSUE_REJECTED: on_issue_rejected}
