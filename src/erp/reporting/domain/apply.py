"""One event's effect on the read models, by topic. Used by the event handlers and by
`erp reporting rebuild` alike, so a rebuild ends with the same figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.finance import (
    InvoiceIssued,
    InvoiceStatusChanged,
    InvoiceVoided,
    JournalPosted,
    PaymentReceived,
    PeriodClosed,
)
from erp.contracts.inventory import (
    LowStock,
    MovementReversed,
    ReservationChanged,
    StockMoved,
)
from erp.platform.db.upsert import Excluded, prefer_proposed, upsert
from erp.platform.events.envelope import Event
from erp.reporting.domain.changes import Changes, journal_changes, stock_changes
from erp.reporting.domain.project import advance_position, bump, write_changes
from erp.reporting.models import (
    ar_payments,
    closed_periods,
    low_stock,
    reservations,
    sales_invoices,
    sales_lines,
)

FAMILIES = ("ledger", "stock", "sales", "ar")
CENT = Decimal("0.01")
Apply = Callable[[AsyncConnection, Event], Awaitable[None]]


async def _stock_moved(conn: AsyncConnection, event: Event) -> None:
    moved = StockMoved.from_data(event.data)
    changes = stock_changes(moved)
    if moved.invoice_id is not None:
        changes.touch("sales", await _invoice_day(conn, moved.invoice_id))
    await write_changes(conn, changes)


async def _invoice_day(conn: AsyncConnection, invoice_id: int) -> dt.date:
    day = (
        await conn.execute(
            select(sales_invoices.c.day).where(sales_invoices.c.invoice_id == invoice_id)
        )
    ).scalar()
    return day if day is not None else dt.date(1, 1, 1)  # unknown yet: any answer may change


async def _journal_posted(conn: AsyncConnection, event: Event) -> None:
    await write_changes(conn, journal_changes(JournalPosted.from_data(event.data)))


async def _invoice_issued(conn: AsyncConnection, event: Event) -> None:
    invoice = InvoiceIssued.from_data(event.data)
    known = (
        await conn.execute(
            select(sales_invoices.c.issue_no).where(
                sales_invoices.c.invoice_id == invoice.invoice_id
            )
        )
    ).scalar()
    changes = Changes()
    changes.touch("sales", invoice.date)
    changes.touch("ar", invoice.date)
    if known is not None and known >= invoice.issue_no:
        await bump(conn, changes.families)  # a stale issue: nothing to replace
        return
    header = {
        "customer": invoice.customer,
        "day": invoice.date,
        "currency": invoice.currency,
        "rate": invoice.rate,
        "total": invoice.total,
        "issue_no": invoice.issue_no,
    }
    row = {
        "invoice_id": invoice.invoice_id,
        "status": "issued",
        "status_time": None,
        "voided_on": None,
        **header,
    }
    key = [sales_invoices.c.invoice_id]
    await conn.execute(upsert(conn.dialect, sales_invoices, row, conflict=key, set_=header))
    await conn.execute(sales_lines.delete().where(sales_lines.c.invoice_id == invoice.invoice_id))
    if invoice.lines:
        await conn.execute(
            sales_lines.insert(),
            [
                {
                    "invoice_id": invoice.invoice_id,
                    "line_no": ln.line_no,
                    "sku": ln.sku,
                    "warehouse": ln.warehouse,
                    "quantity": ln.quantity,
                    "net": ln.net,
                    "revenue": (ln.net * invoice.rate).quantize(CENT, ROUND_HALF_EVEN),
                }
                for ln in invoice.lines
            ],
        )
    await bump(conn, changes.families)


async def _invoice_status(conn: AsyncConnection, event: Event) -> None:
    status = InvoiceStatusChanged.from_data(event.data)
    voided_on = status.changed_at.date() if status.status == "void" else None
    row = dict(
        invoice_id=status.invoice_id,
        customer=status.customer,
        day=status.date,
        currency=status.currency,
        rate=Decimal(1),
        total=status.total,
        issue_no=0,
        status=status.status,
        status_time=status.changed_at,
        voided_on=voided_on,
    )
    t = sales_invoices.c

    def latest(new: Excluded) -> dict[str, Any]:
        newer = t.status_time.is_(None) | (new.status_time > t.status_time)
        return {
            **prefer_proposed(newer, new, t, ("status", "total", "status_time")),
            "voided_on": func.coalesce(t.voided_on, new.voided_on),
        }

    await conn.execute(
        upsert(conn.dialect, sales_invoices, row, conflict=[t.invoice_id], set_=latest)
    )
    changes = Changes()
    changes.touch("ar", min(status.date, voided_on or status.date))
    changes.touch("sales", status.date)
    await bump(conn, changes.families)


async def _payment_received(conn: AsyncConnection, event: Event) -> None:
    payment = PaymentReceived.from_data(event.data)
    row = dict(
        payment_id=payment.payment_id,
        invoice_id=payment.invoice_id,
        day=payment.date,
        amount=payment.amount,
    )
    await conn.execute(upsert(conn.dialect, ar_payments, row))
    await bump(conn, {"ar": payment.date})


async def _low_stock(conn: AsyncConnection, event: Event) -> None:
    alert = LowStock.from_data(event.data)
    row = dict(
        sku=alert.sku,
        warehouse=alert.warehouse,
        reorder_point=alert.reorder_point,
        flagged_at=event.time,
    )
    t = low_stock.c

    def newest(new: Excluded) -> dict[str, Any]:
        return prefer_proposed(
            new.flagged_at >= t.flagged_at, new, t, ("reorder_point", "flagged_at")
        )

    await conn.execute(
        upsert(conn.dialect, low_stock, row, conflict=[t.sku, t.warehouse], set_=newest)
    )


async def _reservation(conn: AsyncConnection, event: Event) -> None:
    held = ReservationChanged.from_data(event.data)
    values = {
        "sku": held.sku,
        "warehouse": held.warehouse,
        "quantity": held.quantity,
        "status": held.status,
        "sequence": event.sequence,
    }
    await conn.execute(
        upsert(
            conn.dialect,
            reservations,
            {"reservation_id": held.reservation_id, **values},
            conflict=[reservations.c.reservation_id],
            set_=values,
            where=lambda new: new.sequence > reservations.c.sequence,
        )
    )


async def _period_closed(conn: AsyncConnection, event: Event) -> None:
    day = PeriodClosed.from_data(event.data).closed_through
    await conn.execute(upsert(conn.dialect, closed_periods, {"closed_through": day}))


async def _nothing(conn: AsyncConnection, event: Event) -> None:
    """Known, kept, and changes no figure (its effect arrives as another event)."""


BY_TOPIC: dict[str, Apply] = {
    StockMoved.TOPIC: _stock_moved,
    MovementReversed.TOPIC: _nothing,
    ReservationChanged.TOPIC: _reservation,
    LowStock.TOPIC: _low_stock,
    JournalPosted.TOPIC: _journal_posted,
    InvoiceIssued.TOPIC: _invoice_issued,
    InvoiceStatusChanged.TOPIC: _invoice_status,
    InvoiceVoided.TOPIC: _nothing,
    PaymentReceived.TOPIC: _payment_received,
    PeriodClosed.TOPIC: _period_closed,
}


async def apply_event(conn: AsyncConnection, event: Event) -> None:
    """Apply one event (already recorded in `received_events`) to every read model."""
    effect = BY_TOPIC.get(event.type)
    if effect is not None:
        await effect(conn, event)
    await advance_position(conn, event)
