"""Invoices: draft -> issued -> partially_paid -> paid; void by reversal; on_hold when
inventory cannot issue the stock.

Issuing posts receivable / sales / tax payable and asks inventory (finance.invoice-issued) to
issue the goods; inventory's stock-moved event then brings the cost of goods sold.

A hold reverses the issue entry, so nothing half-posted remains: the receivable, the sales and
the tax of that issue are gone, and the invoice's open amount drops by its total (payments
already received stay as the customer's credit, shown as a negative open amount). Releasing a
hold is issuing again: a new issue entry and a new request to inventory.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.references import invoice_ref
from erp.finance.domain import books, journal
from erp.finance.domain.chart import RECEIVABLE, SALES, TAX_PAYABLE
from erp.finance.domain.journal import Posting, credit, debit, with_rounding
from erp.finance.domain.money import ZERO, money, resolve_rate, to_base
from erp.finance.domain.publish import (
    publish_invoice_issued,
    publish_invoice_voided,
    publish_status_changed,
)
from erp.finance.models import invoice_lines, invoices, journal_lines
from erp.finance.schemas.invoices import InvoiceCreate
from erp.platform.errors import Conflict, InvalidInput, NotFound
from erp.platform.listing import Documents, Position

ISSUED = ("issued", "partially_paid", "paid")
_HUNDRED = Decimal(100)


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def paid_status(*, paid: Decimal, open_amount: Decimal) -> str:
    if open_amount <= 0 and paid > 0:
        return "paid"
    return "partially_paid" if paid > 0 else "issued"


async def create_invoice(
    conn: AsyncConnection, *, body: InvoiceCreate, user: str
) -> dict[str, Any]:
    base = await books.base_currency(conn)
    currency = body.currency or base
    rate = resolve_rate(currency, body.rate, base=base)
    lines = []
    for i, line in enumerate(body.lines, start=1):
        net = money(line.quantity * line.unit_price, currency)
        tax = money(net * line.tax_rate / _HUNDRED, currency)
        lines.append({**line.model_dump(), "line_no": i, "net": net, "tax": tax})
    subtotal = sum((ln["net"] for ln in lines), ZERO)
    tax_total = sum((ln["tax"] for ln in lines), ZERO)
    if subtotal + tax_total <= 0:
        raise InvalidInput("lines", f"the invoice must total more than zero {currency}")
    now = dt.datetime.now(dt.UTC)
    invoice_id = (
        await conn.execute(
            invoices.insert()
            .values(
                customer=body.customer,
                currency=currency,
                rate=rate,
                date=body.date or today(),
                status="draft",
                hold_reason=None,
                issue_no=0,
                subtotal=subtotal,
                tax_total=tax_total,
                total=subtotal + tax_total,
                paid_amount=ZERO,
                open_amount=ZERO,
                open_base=ZERO,
                issue_entry_id=None,
                created_at=now,
                created_by=user,
                updated_at=now,
            )
            .returning(invoices.c.id)
        )
    ).scalar_one()
    await conn.execute(invoice_lines.insert(), [{**ln, "invoice_id": invoice_id} for ln in lines])
    return await get_invoice(conn, invoice_id=invoice_id)


async def lock_invoice(conn: AsyncConnection, invoice_id: int) -> Any:
    row = (
        await conn.execute(select(invoices).where(invoices.c.id == invoice_id).with_for_update())
    ).first()
    if row is None:
        raise NotFound(f"invoice {invoice_id} not found")
    return row


async def update_invoice(conn: AsyncConnection, invoice_id: int, **values: Any) -> None:
    values["updated_at"] = dt.datetime.now(dt.UTC)
    await conn.execute(invoices.update().where(invoices.c.id == invoice_id).values(**values))


def issue_postings(invoice: Any, lines: list[Any], base: str) -> list[Posting]:
    """Receivable for the total; sales per line; tax payable; explicit rounding."""
    rate, tags = invoice.rate, {"party": invoice.customer, "invoice_id": invoice.id}
    postings = [debit(RECEIVABLE, to_base(invoice.total, rate, base), invoice.total, **tags)]
    for ln in lines:
        postings.append(credit(SALES, to_base(ln.net, rate, base), ln.net, sku=ln.sku, **tags))
    if invoice.tax_total:
        tax = invoice.tax_total
        postings.append(credit(TAX_PAYABLE, to_base(tax, rate, base), tax, **tags))
    return with_rounding(postings, memo_currency=invoice.currency)


async def issue_invoice(
    conn: AsyncConnection, *, invoice_id: int, date: dt.date | None, user: str
) -> dict[str, Any]:
    invoice = await lock_invoice(conn, invoice_id)
    if invoice.status in ISSUED:
        raise Conflict(f"invoice {invoice_id} is already issued (status {invoice.status})")
    if invoice.status == "void":
        raise Conflict(f"invoice {invoice_id} is void")
    if date is not None and date != invoice.date:
        await update_invoice(conn, invoice_id, date=date)
        invoice = await lock_invoice(conn, invoice_id)
    base = await books.base_currency(conn)
    lines = await INVOICES.line_rows(conn, invoice_id)
    postings = issue_postings(invoice, list(lines), base)
    entry = await journal.post_entry(
        conn,
        date=invoice.date,
        memo=f"invoice {invoice_id} to {invoice.customer}",
        source="invoice",
        source_ref=invoice_ref(invoice_id),
        currency=invoice.currency,
        rate=invoice.rate,
        lines=postings,
        user=user,
    )
    open_amount = invoice.open_amount + invoice.total
    status = paid_status(paid=invoice.paid_amount, open_amount=open_amount)
    await update_invoice(
        conn,
        invoice_id,
        status=status,
        hold_reason=None,
        issue_no=invoice.issue_no + 1,
        open_amount=open_amount,
        open_base=invoice.open_base + postings[0].debit,
        issue_entry_id=entry["id"],
    )
    result = await get_invoice(conn, invoice_id=invoice_id)
    await publish_invoice_issued(conn, invoice=result)
    await publish_status_changed(conn, invoice=result, previous=invoice.status)
    return result


async def _receivable_of(conn: AsyncConnection, entry_id: int) -> tuple[Decimal, Decimal]:
    """(transaction amount, base amount) an entry put on the receivable account."""
    rows = await conn.execute(
        select(journal_lines.c.amount, journal_lines.c.debit, journal_lines.c.credit).where(
            journal_lines.c.entry_id == entry_id, journal_lines.c.account == RECEIVABLE
        )
    )
    amount = base = ZERO
    for r in rows:
        amount, base = amount + r.amount, base + r.debit - r.credit
    return amount, base


async def _reverse_issue(
    conn: AsyncConnection, invoice: Any, *, date: dt.date, memo: str, user: str
) -> tuple[Decimal, Decimal]:
    entry = await journal.get_entry(conn, entry_id=invoice.issue_entry_id)
    await journal.reverse_entry(
        conn,
        entry_id=invoice.issue_entry_id,
        date=max(date, entry["date"]),
        memo=memo,
        user=user,
        allowed_sources=("invoice",),
    )
    return await _receivable_of(conn, invoice.issue_entry_id)


async def hold_invoice(
    conn: AsyncConnection, *, invoice_id: int, issue_no: int | None, reason: str, user: str
) -> dict[str, Any] | None:
    """Inventory could not issue the goods: undo the issue entry and hold the invoice.
    A rejection of an older issue, or of an invoice voided meanwhile, changes nothing."""
    invoice = (
        await conn.execute(select(invoices).where(invoices.c.id == invoice_id).with_for_update())
    ).first()
    if invoice is None or invoice.status not in ISSUED:
        return None
    if issue_no is not None and issue_no != invoice.issue_no:
        return None
    date = await books.first_open_day(conn, today())
    amount, base = await _reverse_issue(
        conn, invoice, date=date, memo=f"invoice {invoice_id} on hold: {reason}"[:500], user=user
    )
    await update_invoice(
        conn,
        invoice_id,
        status="on_hold",
        hold_reason=reason[:500],
        open_amount=invoice.open_amount - amount,
        open_base=invoice.open_base - base,
    )
    result = await get_invoice(conn, invoice_id=invoice_id)
    await publish_status_changed(conn, invoice=result, previous=invoice.status, reason=reason)
    return result


async def void_invoice(
    conn: AsyncConnection,
    *,
    invoice_id: int,
    date: dt.date | None,
    reason: str | None,
    user: str,
) -> dict[str, Any]:
    invoice = await lock_invoice(conn, invoice_id)
    if invoice.status == "void":
        raise Conflict(f"invoice {invoice_id} is already void")
    if invoice.paid_amount != 0:
        raise Conflict(
            f"invoice {invoice_id} has payments of {invoice.paid_amount} {invoice.currency} "
            f"(status {invoice.status}); a paid invoice cannot be voided"
        )
    values: dict[str, Any] = {"status": "void", "hold_reason": reason}
    if invoice.status in ISSUED:
        memo = f"void of invoice {invoice_id}" + (f": {reason}" if reason else "")
        amount, base = await _reverse_issue(
            conn, invoice, date=date or today(), memo=memo[:500], user=user
        )
        values.update(open_amount=invoice.open_amount - amount, open_base=invoice.open_base - base)
        await publish_invoice_voided(conn, invoice_id=invoice_id)
    await update_invoice(conn, invoice_id, **values)
    result = await get_invoice(conn, invoice_id=invoice_id)
    await publish_status_changed(conn, invoice=result, previous=invoice.status, reason=reason)
    return result


INVOICES = Documents(
    noun="invoice",
    headers=invoices,
    lines=invoice_lines,
    owner="invoice_id",
    line_fields=("line_no", "sku", "warehouse", "quantity", "unit_price", "tax_rate", "net", "tax"),
)


async def get_invoice(conn: AsyncConnection, *, invoice_id: int) -> dict[str, Any]:
    return await INVOICES.get(conn, invoice_id)


async def list_invoices(
    conn: AsyncConnection,
    *,
    after: Position | None,
    limit: int,
    customer: str | None,
    status: str | None,
) -> list[dict[str, Any]]:
    """Newest first."""
    c = invoices.c
    return await INVOICES.newest_first(
        conn,
        after=after,
        limit=limit,
        where=(
            c.customer == customer if customer else None,
            c.status == status if status else None,
        ),
    )
