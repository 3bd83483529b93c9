"""One event's effect on the read models, by topic. Used by the event handlers and by
`erp reporting rebuild` alike, so a rebuild ends with the same figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.platform.events.envelope import Event
from erp.reporting.domain.changes import Changes, journal_changes, stock_changes
from erp.reporting.domain.project import advance_position, bump, write_changes
from erp.reporting.domain.writes import insert_for
from erp.reporting.events import payloads, topics
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
    moved = payloads.stock_moved(event.data)
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
    await write_changes(conn, journal_changes(payloads.journal_posted(event.data)))


async def _invoice_issued(conn: AsyncConnection, event: Event) -> None:
    invoice = payloads.invoice_issued(event.data)
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
    statement = insert_for(conn, sales_invoices).values(
        invoice_id=invoice.invoice_id, status="issued", status_time=None, voided_on=None, **header
    )
    await conn.execute(
        statement.on_conflict_do_update(index_elements=[sales_invoices.c.invoice_id], set_=header)
    )
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
    status = payloads.invoice_status(event.data, fallback_time=event.time)
    voided_on = status.changed_at.date() if status.status == "void" else None
    statement = insert_for(conn, sales_invoices).values(
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
    t, new = sales_invoices.c, statement.excluded
    newer = t.status_time.is_(None) | (new.status_time > t.status_time)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[t.invoice_id],
            set_={
                "status": case((newer, new.status), else_=t.status),
                "total": case((newer, new.total), else_=t.total),
                "status_time": case((newer, new.status_time), else_=t.status_time),
                "voided_on": func.coalesce(t.voided_on, new.voided_on),
            },
        )
    )
    changes = Changes()
    changes.touch("ar", min(status.date, voided_on or status.date))
    changes.touch("sales", status.date)
    await bump(conn, changes.families)


async def _payment_received(conn: AsyncConnection, event: Event) -> None:
    payment = payloads.payment_received(event.data)
    statement = insert_for(conn, ar_payments).values(
        payment_id=payment.payment_id,
        invoice_id=payment.invoice_id,
        day=payment.date,
        amount=payment.amount,
    )
    await conn.execute(statement.on_conflict_do_nothing())
    await bump(conn, {"ar": payment.date})


async def _low_stock(conn: AsyncConnection, event: Event) -> None:
    alert = payloads.low_stock(event.data)
    statement = insert_for(conn, low_stock).values(
        sku=alert.sku,
        warehouse=alert.warehouse,
        reorder_point=alert.reorder_point,
        flagged_at=event.time,
    )
    newer = statement.excluded.flagged_at >= low_stock.c.flagged_at
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[low_stock.c.sku, low_stock.c.warehouse],
            set_={
                "reorder_point": case(
                    (newer, statement.excluded.reorder_point), else_=low_stock.c.reorder_point
                ),
                "flagged_at": case(
                    (newer, statement.excluded.flagged_at), else_=low_stock.c.flagged_at
                ),
            },
        )
    )


async def _reservation(conn: AsyncConnection, event: Event) -> None:
    held = payloads.reservation_changed(event.data)
    values = {
        "sku": held.sku,
        "warehouse": held.warehouse,
        "quantity": held.quantity,
        "status": held.status,
        "sequence": event.sequence,
    }
    statement = insert_for(conn, reservations).values(reservation_id=held.reservation_id, **values)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[reservations.c.reservation_id],
            set_=values,
            where=statement.excluded.sequence > reservations.c.sequence,
        )
    )


async def _period_closed(conn: AsyncConnection, event: Event) -> None:
    day = payloads.period_closed(event.data)
    await conn.execute(
        insert_for(conn, closed_periods).values(closed_through=day).on_conflict_do_nothing()
    )


async def _nothing(conn: AsyncConnection, event: Event) -> None:
    """Known, kept, and changes no figure (its effect arrives as another event)."""


BY_TOPIC: dict[str, Apply] = {
    topics.STOCK_MOVED: _stock_moved,
    topics.MOVEMENT_REVERSED: _nothing,
    topics.RESERVATION_CHANGED: _reservation,
    topics.LOW_STOCK: _low_stock,
    topics.JOURNAL_POSTED: _journal_posted,
    topics.INVOICE_ISSUED: _invoice_issued,
    topics.INVOICE_STATUS_CHANGED: _invoice_status,
    topics.INVOICE_VOIDED: _nothing,
    topics.PAYMENT_RECEIVED: _payment_received,
    topics.PERIOD_CLOSED: _period_closed,
}


async def apply_event(conn: AsyncConnection, event: Event) -> None:
    """Apply one event (already recorded in `received_events`) to every read model."""
    effect = BY_TOPIC.get(event.type)
    if effect is not None:
        await effect(conn, event)
    await advance_position(conn, event)
