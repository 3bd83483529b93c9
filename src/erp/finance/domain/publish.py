"""Finance's events, written to its outbox in the transaction of the change they report
(payloads in `erp.contracts.finance`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.finance import (
    InvoiceIssued,
    InvoiceLine,
    InvoiceStatusChanged,
    InvoiceVoided,
    JournalLine,
    JournalPosted,
    PaymentReceived,
    PeriodClosed,
)
from erp.contracts.wire import Payload
from erp.finance.models import metadata
from erp.platform.events.outbox import enqueue

SOURCE = "erp/finance"


async def publish(conn: AsyncConnection, subject: str, payload: Payload) -> None:
    await enqueue(
        conn, metadata, source=SOURCE, topic=payload.TOPIC, subject=subject, data=payload.to_data()
    )


async def publish_journal_posted(
    conn: AsyncConnection, *, entry: dict[str, Any], account_types: dict[str, str]
) -> None:
    posted = JournalPosted(
        entry_id=entry["id"],
        date=entry["date"],
        memo=entry["memo"],
        source=entry["source"],
        source_ref=entry["source_ref"],
        currency=entry["currency"],
        rate=entry["rate"],
        reverses=entry["reverses"],
        posted_at=entry["posted_at"],
        posted_by=entry["posted_by"],
        lines=tuple(
            JournalLine(
                line_no=ln["line_no"],
                account=ln["account"],
                account_type=account_types[ln["account"]],
                debit=ln["debit"],
                credit=ln["credit"],
                amount=ln["amount"],
                party=ln["party"],
                sku=ln["sku"],
                invoice_id=ln["invoice_id"],
            )
            for ln in entry["lines"]
        ),
    )
    await publish(conn, "journal", posted)


async def publish_invoice_issued(conn: AsyncConnection, *, invoice: dict[str, Any]) -> None:
    issued = InvoiceIssued(
        invoice_id=invoice["id"],
        issue_no=invoice["issue_no"],
        customer=invoice["customer"],
        date=invoice["date"],
        currency=invoice["currency"],
        rate=invoice["rate"],
        subtotal=invoice["subtotal"],
        tax_total=invoice["tax_total"],
        total=invoice["total"],
        lines=tuple(
            InvoiceLine(
                line_no=ln["line_no"],
                sku=ln["sku"],
                warehouse=ln["warehouse"],
                quantity=ln["quantity"],
                unit_price=ln["unit_price"],
                tax_rate=ln["tax_rate"],
                net=ln["net"],
                tax=ln["tax"],
            )
            for ln in invoice["lines"]
        ),
    )
    await publish(conn, f"invoice/{issued.invoice_id}", issued)


async def publish_status_changed(
    conn: AsyncConnection, *, invoice: dict[str, Any], previous: str, reason: str | None = None
) -> None:
    changed = InvoiceStatusChanged(
        invoice_id=invoice["id"],
        customer=invoice["customer"],
        currency=invoice["currency"],
        status=invoice["status"],
        previous_status=previous,
        total=invoice["total"],
        paid_amount=invoice["paid_amount"],
        open_amount=invoice["open_amount"],
        date=invoice["date"],
        changed_at=datetime.now(UTC),
        reason=reason,
    )
    await publish(conn, f"invoice/{changed.invoice_id}", changed)


async def publish_invoice_voided(conn: AsyncConnection, *, invoice_id: int) -> None:
    await publish(conn, f"invoice/{invoice_id}", InvoiceVoided(invoice_id=invoice_id))


async def publish_payment_received(
    conn: AsyncConnection, *, payment: dict[str, Any], invoice: dict[str, Any]
) -> None:
    """`payment` as the API shows it; `invoice` after the payment."""
    received = PaymentReceived(
        payment_id=payment["id"],
        invoice_id=invoice["id"],
        customer=payment["customer"],
        date=payment["date"],
        currency=payment["currency"],
        rate=payment["rate"],
        amount=payment["amount"],
        base_amount=payment["base_amount"],
        account=payment["account"],
        entry_id=payment["entry_id"],
        open_amount=invoice["open_amount"],
        status=invoice["status"],
    )
    await publish(conn, f"invoice/{received.invoice_id}", received)


async def publish_period_closed(conn: AsyncConnection, *, close: dict[str, Any]) -> None:
    closed = PeriodClosed(
        closed_through=close["closed_through"],
        closed_at=close["closed_at"],
        closed_by=close["closed_by"],
    )
    await publish(conn, "periods", closed)
