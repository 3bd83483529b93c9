"""What finance does with other services' events (each inside the consumer's transaction)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.inventory import InvoiceGoodsIssued, IssueRejected, StockMoved
from erp.finance.domain import invoices, stock
from erp.platform.events.envelope import Event, Handler


async def on_stock_moved(conn: AsyncConnection, event: Event) -> None:
    """Post the movement's value: receipts, issues (COGS), adjustments, reversals."""
    await stock.post_stock_movement(conn, moved=StockMoved.from_data(event.data))


async def on_goods_issued(conn: AsyncConnection, event: Event) -> None:
    """An invoice's goods left stock: post its revenue and mark it issued."""
    issued = InvoiceGoodsIssued.from_data(event.data)
    await invoices.post_issue(conn, invoice_id=issued.invoice_id, issue_no=issued.issue_no)


async def on_issue_rejected(conn: AsyncConnection, event: Event) -> None:
    """Inventory could not issue an invoice's goods: put the invoice on hold."""
    rejected = IssueRejected.from_data(event.data)
    await invoices.hold_invoice(
        conn,
        invoice_id=rejected.invoice_id,
        issue_no=rejected.issue_no,
        reason=rejected.reason or "inventory rejected the issue",
    )


SUBSCRIPTIONS: dict[str, Handler] = {
    StockMoved.TOPIC: on_stock_moved,
    InvoiceGoodsIssued.TOPIC: on_goods_issued,
    IssueRejected.TOPIC: on_issue_rejected,
}
