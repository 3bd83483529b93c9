"""Finance's events, written to its outbox in the transaction of the change they report
(payloads in `erp.contracts.finance`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.finance import (
    InvoiceIssued,
    InvoiceIssueRequested,
    InvoiceStatusChanged,
    InvoiceVoided,
    JournalLine,
    JournalPosted,
    PaymentReceived,
    PaymentReversed,
    PeriodClosed,
    PeriodReopened,
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
    lines = tuple(
        JournalLine.from_row(ln, account_type=account_types[ln["account"]]) for ln in entry["lines"]
    )
    await publish(conn, "journal", JournalPosted.from_row(entry, lines=lines))


async def publish_issue_requested(conn: AsyncConnection, *, invoice: dict[str, Any]) -> None:
    requested = InvoiceIssueRequested.from_row(invoice)
    await publish(conn, f"invoice/{requested.invoice_id}", requested)


async def publish_invoice_issued(
    conn: AsyncConnection, *, invoice: dict[str, Any], entry_id: int
) -> None:
    issued = InvoiceIssued.from_row(invoice, entry_id=entry_id)
    await publish(conn, f"invoice/{issued.invoice_id}", issued)


async def publish_status_changed(
    conn: AsyncConnection, *, invoice: dict[str, Any], previous: str, reason: str | None = None
) -> None:
    changed = InvoiceStatusChanged.from_row(
        invoice, previous_status=previous, reason=reason, changed_at=datetime.now(UTC)
    )
    await publish(conn, f"invoice/{changed.invoice_id}", changed)


async def publish_invoice_voided(conn: AsyncConnection, *, invoice_id: int) -> None:
    await publish(conn, f"invoice/{invoice_id}", InvoiceVoided(invoice_id=invoice_id))


async def publish_payment_received(
    conn: AsyncConnection, *, payment: dict[str, Any], invoice: dict[str, Any]
) -> None:
    """`payment` as the API shows it; `invoice` after the payment."""
    received = PaymentReceived.from_row(
        payment,
        invoice_id=invoice["id"],
        open_amount=invoice["open_amount"],
        status=invoice["status"],
    )
    await publish(conn, f"invoice/{received.invoice_id}", received)


async def publish_payment_reversed(
    conn: AsyncConnection,
    *,
    payment: dict[str, Any],
    invoice: dict[str, Any],
    entry: dict[str, Any],
    reason: str | None,
) -> None:
    """`payment` as the API shows it; `invoice` after the reversal; `entry` the reversal's."""
    reversed_ = PaymentReversed(
        payment_id=payment["id"],
        invoice_id=invoice["id"],
        customer=payment["customer"],
        date=entry["date"],
        currency=payment["currency"],
        amount=payment["amount"],
        base_amount=payment["base_amount"],
        entry_id=entry["id"],
        reason=reason,
        open_amount=invoice["open_amount"],
        status=invoice["status"],
    )
    await publish(conn, f"invoice/{reversed_.invoice_id}", reversed_)


async def publish_period_closed(conn: AsyncConnection, *, close: dict[str, Any]) -> None:
    await publish(conn, "periods", PeriodClosed.from_row(close))


async def publish_period_reopened(conn: AsyncConnection, *, reopen: dict[str, Any]) -> None:
    await publish(conn, "periods", PeriodReopened.from_row(reopen))
