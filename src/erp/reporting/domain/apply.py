"""One event's effect on the read models, by topic. Used by the event handlers and by
`erp reporting rebuild` alike, so a rebuild ends with the same figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from erp.contracts.finance import (
    BillPosted,
    CreditNoteIssued,
    CreditNoteSettled,
    DebitNotePosted,
    InvoiceIssued,
    InvoiceIssueRequested,
    InvoiceStatusChanged,
    InvoiceVoided,
    JournalPosted,
    PartyChanged,
    PaymentReceived,
    PaymentReversed,
    PeriodClosed,
    PeriodReopened,
    SupplierPaid,
)
from erp.contracts.inventory import (
    InvoiceGoodsIssued,
    IssueRejected,
    ItemChanged,
    LowStock,
    MovementReversed,
    PurchaseOrderApproved,
    PurchaseOrderClosed,
    ReservationChanged,
    StockMoved,
)
from erp.contracts.references import credit_note_of
from erp.platform.db.upsert import Excluded, prefer_proposed, upsert
from erp.platform.events.envelope import Event
from erp.reporting.domain.changes import Changes, journal_changes, stock_changes
from erp.reporting.domain.items import note_units, record_item
from erp.reporting.domain.project import advance_position, bump, write_changes
from erp.reporting.domain.purchasing import record_purchase
from erp.reporting.domain.receipts import record_billing, record_receipt
from erp.reporting.domain.tax import record_tax_lines
from erp.reporting.domain.writes import add_rows
from erp.reporting.models import (
    ar_credits,
    ar_payments,
    ar_reversals,
    ar_settlements,
    bill_payments,
    closed_periods,
    low_stock,
    purchase_bills,
    reservations,
    sales_credit_cogs,
    sales_credit_lines,
    sales_invoices,
    sales_lines,
)

# "items": names, units and reorder points, which every stock and sales report shows;
# "ap": suppliers' bills and the payments on them.
FAMILIES = ("ledger", "stock", "sales", "ar", "ap", "items")
CENT = Decimal("0.01")
ALWAYS = dt.date(1, 1, 1)  # a change that may alter answers about any date
Apply = Callable[[AsyncConnection, Event], Awaitable[None]]


async def _stock_moved(conn: AsyncConnection, event: Event) -> None:
    moved = StockMoved.from_data(event.data)
    changes = stock_changes(moved)
    await record_receipt(conn, moved)  # dated like its stock: the "stock" family's day
    if moved.invoice_id is not None:
        changes.touch("sales", await _invoice_day(conn, moved.invoice_id))
    note_id = credit_note_of(moved.reference)
    if note_id is not None:
        await _credit_note_cogs(conn, note_id, moved)
        changes.touch("sales", await _credit_note_day(conn, note_id))
    if await note_units(conn, moved.lines):
        changes.touch("items", ALWAYS)
    await write_changes(conn, changes)


async def _invoice_day(conn: AsyncConnection, invoice_id: int) -> dt.date:
    day = (
        await conn.execute(
            select(sales_invoices.c.day).where(sales_invoices.c.invoice_id == invoice_id)
        )
    ).scalar()
    return day if day is not None else ALWAYS  # unknown yet: any answer may change


async def _credit_note_cogs(conn: AsyncConnection, note_id: int, moved: StockMoved) -> None:
    """The cost of goods that came back for a credit note: a receipt, so its value is the
    cost of goods sold taken back."""
    cogs: dict[str, Decimal] = {}
    for line in moved.lines:
        cogs[line.sku] = cogs.get(line.sku, Decimal(0)) + line.value
    rows = [{"credit_note_id": note_id, "sku": sku, "cogs": v} for sku, v in sorted(cogs.items())]
    await add_rows(conn, sales_credit_cogs, rows, keys=("credit_note_id", "sku"))


async def _credit_note_day(conn: AsyncConnection, note_id: int) -> dt.date:
    t = sales_credit_lines.c
    day = (await conn.execute(select(t.day).where(t.credit_note_id == note_id).limit(1))).scalar()
    return day if day is not None else ALWAYS  # unknown yet: any answer may change


async def _journal_posted(conn: AsyncConnection, event: Event) -> None:
    entry = JournalPosted.from_data(event.data)
    await record_tax_lines(conn, entry)  # dated like its ledger lines: the "ledger" family's day
    await write_changes(conn, journal_changes(entry))


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
        "due_day": invoice.due_date,
        "currency": invoice.currency,
        "rate": invoice.rate,
        "total": invoice.total,
        "issue_no": invoice.issue_no,
    }
    # Published only once the goods have left: the issue is a status change in the invoice's
    # event order, so a later hold or void still wins and an earlier `pending` does not.
    issued = {"status": "issued", "status_time": event.time, "status_sequence": event.sequence}
    row = {"invoice_id": invoice.invoice_id, "voided_on": None, **issued, **header}
    t = sales_invoices.c

    def reissue(new: Excluded) -> dict[str, Any]:
        return {**header, **prefer_proposed(_later(new), new, t, issued)}

    await conn.execute(
        upsert(conn.dialect, sales_invoices, row, conflict=[t.invoice_id], set_=reissue)
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
    status = InvoiceStatusChanged.from_data(event.data)
    voided_on = status.changed_at.date() if status.status == "void" else None
    row = dict(
        invoice_id=status.invoice_id,
        customer=status.customer,
        day=status.date,
        due_day=status.due_date,
        currency=status.currency,
        rate=Decimal(1),
        total=status.total,
        issue_no=0,
        status=status.status,
        status_time=status.changed_at,
        status_sequence=event.sequence,
        voided_on=voided_on,
    )
    t = sales_invoices.c

    def latest(new: Excluded) -> dict[str, Any]:
        changed = ("status", "total", "status_time", "status_sequence")
        return {
            **prefer_proposed(_later(new), new, t, changed),
            "voided_on": func.coalesce(t.voided_on, new.voided_on),
            # The issue event's due day stands; a status event only fills one in.
            "due_day": func.coalesce(t.due_day, new.due_day),
        }

    await conn.execute(
        upsert(conn.dialect, sales_invoices, row, conflict=[t.invoice_id], set_=latest)
    )
    changes = Changes()
    changes.touch("ar", min(status.date, voided_on or status.date))
    changes.touch("sales", status.date)
    await bump(conn, changes.families)


def _later(new: Excluded) -> ColumnElement[bool]:
    """Whether the proposed invoice status comes after the stored one: by the sequence of the
    invoice's events (finance's commit order), not by clocks that differ between replicas."""
    t = sales_invoices.c
    return t.status_sequence.is_(None) | (new.status_sequence > t.status_sequence)


async def _record_flow(
    conn: AsyncConnection, table: Table, flow: PaymentReceived | PaymentReversed
) -> None:
    """A payment, or its reversal, against an invoice on its date: one row per payment."""
    row = dict(
        payment_id=flow.payment_id, invoice_id=flow.invoice_id, day=flow.date, amount=flow.amount
    )
    await conn.execute(upsert(conn.dialect, table, row))
    await bump(conn, {"ar": flow.date})


async def _payment_received(conn: AsyncConnection, event: Event) -> None:
    await _record_flow(conn, ar_payments, PaymentReceived.from_data(event.data))


async def _payment_reversed(conn: AsyncConnection, event: Event) -> None:
    await _record_flow(conn, ar_reversals, PaymentReversed.from_data(event.data))


async def _credit_note_issued(conn: AsyncConnection, event: Event) -> None:
    """The credit note's total comes off its invoice's open amount from its date. Its entry
    arrives as a journal event (trial balance, P&L, balance sheet); its returned goods as a
    stock-moved event."""
    note = CreditNoteIssued.from_data(event.data)
    row = dict(
        payment_id=note.credit_note_id, invoice_id=note.invoice_id, day=note.date, amount=note.total
    )
    await conn.execute(upsert(conn.dialect, ar_credits, row))
    # Its lines come off sales on its date: units only when the goods came back.
    lines = [
        {
            "credit_note_id": note.credit_note_id,
            "line_no": ln.line_no,
            "invoice_id": note.invoice_id,
            "customer": note.customer,
            "day": note.date,
            "sku": ln.sku,
            "quantity": ln.quantity if ln.return_goods else Decimal(0),
            "net": ln.net,
            "revenue": (ln.net * note.rate).quantize(CENT, ROUND_HALF_EVEN),
        }
        for ln in note.lines
    ]
    if lines:
        await conn.execute(upsert(conn.dialect, sales_credit_lines), lines)
    await bump(conn, {"ar": note.date, "sales": note.date})


async def _credit_note_settled(conn: AsyncConnection, event: Event) -> None:
    """A refund or allocation of a customer credit, from its date: the credit note's invoice
    is open again by the amount, an allocation's target invoice paid by it."""
    settled = CreditNoteSettled.from_data(event.data)
    row = dict(
        settlement_id=settled.settlement_id,
        invoice_id=settled.invoice_id,
        target_invoice_id=settled.target_invoice_id,
        day=settled.date,
        amount=settled.amount,
    )
    await conn.execute(upsert(conn.dialect, ar_settlements, row))
    await bump(conn, {"ar": settled.date})


async def _bill_posted(conn: AsyncConnection, event: Event) -> None:
    """A supplier's bill, owed from its date: posted once, so a redelivery changes nothing."""
    bill = BillPosted.from_data(event.data)
    row = dict(
        bill_id=bill.bill_id,
        supplier=bill.supplier,
        number=bill.number,
        day=bill.date,
        due_day=bill.due_date,
        currency=bill.currency,
        rate=bill.rate,
        total=bill.total,
    )
    await conn.execute(upsert(conn.dialect, purchase_bills, row))
    await record_purchase(conn, bill)
    await record_billing(conn, bill)
    await bump(conn, {"ap": bill.date})


async def _supplier_paid(conn: AsyncConnection, event: Event) -> None:
    paid = SupplierPaid.from_data(event.data)
    row = dict(payment_id=paid.payment_id, bill_id=paid.bill_id, day=paid.date, amount=paid.amount)
    await conn.execute(upsert(conn.dialect, bill_payments, row))
    await bump(conn, {"ap": paid.date})


async def _debit_note_posted(conn: AsyncConnection, event: Event) -> None:
    """A supplier's credit takes its total off the bill from its date, like a payment: kept
    among the bill's payments under the debit note's id negated (payments' ids are positive)."""
    note = DebitNotePosted.from_data(event.data)
    row = dict(
        payment_id=-note.debit_note_id, bill_id=note.bill_id, day=note.date, amount=note.total
    )
    await conn.execute(upsert(conn.dialect, bill_payments, row))
    await record_purchase(conn, note)
    await record_billing(conn, note)
    await bump(conn, {"ap": note.date})


async def _item_changed(conn: AsyncConnection, event: Event) -> None:
    await record_item(conn, ItemChanged.from_data(event.data))
    await bump(conn, {"items": ALWAYS})


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
    await bump(conn, {"items": ALWAYS})  # a reorder point for an item not described yet


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
    ItemChanged.TOPIC: _item_changed,
    StockMoved.TOPIC: _stock_moved,
    MovementReversed.TOPIC: _nothing,
    ReservationChanged.TOPIC: _reservation,
    LowStock.TOPIC: _low_stock,
    InvoiceGoodsIssued.TOPIC: _nothing,
    IssueRejected.TOPIC: _nothing,
    JournalPosted.TOPIC: _journal_posted,
    InvoiceIssueRequested.TOPIC: _nothing,
    InvoiceIssued.TOPIC: _invoice_issued,
    InvoiceStatusChanged.TOPIC: _invoice_status,
    InvoiceVoided.TOPIC: _nothing,
    PaymentReceived.TOPIC: _payment_received,
    PaymentReversed.TOPIC: _payment_reversed,
    PeriodClosed.TOPIC: _period_closed,
    # Postings made after a reopen arrive as journal events; the reopen moves no figure.
    PeriodReopened.TOPIC: _nothing,
    # Payables: the AP aging and the due list.
    BillPosted.TOPIC: _bill_posted,
    SupplierPaid.TOPIC: _supplier_paid,
    DebitNotePosted.TOPIC: _debit_note_posted,
    # Kept for the party and purchasing read models a rebuild may fill later.
    PartyChanged.TOPIC: _nothing,
    PurchaseOrderApproved.TOPIC: _nothing,
    PurchaseOrderClosed.TOPIC: _nothing,
    # The AR aging, the due list and the sales report count them (their entries reach the
    # trial balance, P&L and balance sheet as journal events).
    CreditNoteIssued.TOPIC: _credit_note_issued,
    CreditNoteSettled.TOPIC: _credit_note_settled,
}


async def apply_event(conn: AsyncConnection, event: Event) -> None:
    """Apply one event (already recorded in `received_events`) to every read model."""
    effect = BY_TOPIC.get(event.type)
    if effect is not None:
        await effect(conn, event)
    await advance_position(conn, event)
