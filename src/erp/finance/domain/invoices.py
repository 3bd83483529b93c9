"""Invoices: draft -> pending -> issued -> partially_paid -> paid; pending -> on_hold; void.

Issuing asks inventory for the goods (finance.invoice-issue-requested) and posts nothing: the
invoice is `pending`. When inventory answers that every line left stock
(inventory.invoice-goods-issued), the issue entry (receivable / sales / tax payable) is posted,
dated the invoice date, and the invoice is `issued`; the movements' own stock-moved events bring
the cost of goods sold, dated the same day. When inventory cannot issue the goods
(inventory.issue-rejected) nothing moved and nothing was posted: the invoice goes `on_hold` with
the reason, and issuing it again asks again (`issue_no` counts the requests; an answer to an
older request changes nothing). So an invoice whose goods never left is never in the books.

A pending invoice may be voided; should its goods leave afterwards, inventory is asked to take
them back (finance.invoice-voided).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.references import invoice_ref
from erp.finance.domain import books, credit_limits, journal, parties
from erp.finance.domain.chart import RECEIVABLE, SALES, TAX_PAYABLE
from erp.finance.domain.journal import Posting, credit, debit, with_rounding
from erp.finance.domain.money import ZERO, net_and_tax, resolve_rate, to_base, within
from erp.finance.domain.publish import (
    publish_invoice_issued,
    publish_invoice_voided,
    publish_issue_requested,
    publish_status_changed,
)
from erp.finance.domain.tax import rates_for
from erp.finance.models import credit_notes, invoice_lines, invoices, journal_lines
from erp.finance.schemas.invoices import InvoiceCreate
from erp.platform.calendar import today
from erp.platform.errors import Conflict, InvalidInput, NotFound
from erp.platform.listing import Documents, Position

ISSUED = ("issued", "partially_paid", "paid")
# Who posts the issue entry when the invoice does not say who issued it.
ISSUED_BY_EVENTS = "inventory-events"


def paid_status(*, paid: Decimal, open_amount: Decimal) -> str:
    if open_amount <= 0 and paid > 0:
        return "paid"
    return "partially_paid" if paid > 0 else "issued"


def priced_lines(
    body: InvoiceCreate, currency: str, rates: dict[int, Decimal] | None = None
) -> list[dict[str, Any]]:
    """The lines with their net and tax, rounded to the currency, at the rate of their tax
    code (`rates`, by line index) or their own; a line whose net amount no money column
    holds is a 422 naming it."""
    lines = []
    for i, line in enumerate(body.lines):
        rate = (rates or {}).get(i, line.tax_rate)
        net, tax = net_and_tax(line.quantity, line.unit_price, rate, currency, field=f"lines.{i}")
        lines.append(
            {**line.model_dump(), "tax_rate": rate, "line_no": i + 1, "net": net, "tax": tax}
        )
    return lines


async def create_invoice(
    conn: AsyncConnection, *, body: InvoiceCreate, user: str
) -> dict[str, Any]:
    customer = await parties.party_for(conn, kind="customer", code=body.customer, field="customer")
    base = await books.base_currency(conn)
    currency = body.currency or customer.currency or base
    rate = resolve_rate(currency, body.rate, base=base)
    day = body.date or today()
    if body.due_date is not None and body.due_date < day:
        raise InvalidInput("due_date", f"must not be before the invoice date {day}")
    lines = priced_lines(
        body, currency, await rates_for(conn, enumerate(body.lines), kind="output")
    )
    subtotal = within(sum((ln["net"] for ln in lines), ZERO), field="lines", what="the subtotal")
    tax_total = sum((ln["tax"] for ln in lines), ZERO)
    total = within(subtotal + tax_total, field="lines", what="the invoice total")
    if total <= 0:
        raise InvalidInput("lines", f"the invoice must total more than zero {currency}")
    to_base(total, rate, base)  # its receivable must fit in the base currency too
    now = dt.datetime.now(dt.UTC)
    invoice_id = (
        await conn.execute(
            invoices.insert()
            .values(
                customer=customer.code,
                currency=currency,
                rate=rate,
                date=day,
                due_date=body.due_date or parties.terms_due(customer, day),
                status="draft",
                hold_reason=None,
                issue_no=0,
                subtotal=subtotal,
                tax_total=tax_total,
                total=total,
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
    row = await _locked(conn, invoice_id)
    if row is None:
        raise NotFound(f"invoice {invoice_id} not found")
    return row


async def _locked(conn: AsyncConnection, invoice_id: int) -> Any:
    statement = select(invoices).where(invoices.c.id == invoice_id).with_for_update()
    return (await conn.execute(statement)).first()


async def update_invoice(conn: AsyncConnection, invoice_id: int, **values: Any) -> None:
    values["updated_at"] = dt.datetime.now(dt.UTC)
    await conn.execute(invoices.update().where(invoices.c.id == invoice_id).values(**values))


def issue_postings(invoice: Any, lines: list[Any], base: str) -> list[Posting]:
    """Receivable for the total; sales per line; tax payable per tax code (each line tagged
    with its code, for the tax report); explicit rounding."""
    rate, tags = invoice.rate, {"party": invoice.customer, "invoice_id": invoice.id}
    postings = [debit(RECEIVABLE, to_base(invoice.total, rate, base), invoice.total, **tags)]
    taxes: dict[str | None, Decimal] = {}
    for ln in lines:
        net = to_base(ln.net, rate, base)
        postings.append(credit(SALES, net, ln.net, sku=ln.sku, tax_code=ln.tax_code, **tags))
        if ln.tax or ln.tax_code is not None:
            taxes[ln.tax_code] = taxes.get(ln.tax_code, ZERO) + ln.tax
    for code, amount in taxes.items():
        if amount:
            base_tax = to_base(amount, rate, base)
            postings.append(credit(TAX_PAYABLE, base_tax, amount, tax_code=code, **tags))
    return with_rounding(postings, memo_currency=invoice.currency)


async def issue_invoice(
    conn: AsyncConnection,
    *,
    invoice_id: int,
    date: dt.date | None,
    credit_override: str | None,
    user: str,
) -> dict[str, Any]:
    """Ask inventory for the goods of a draft or an invoice on hold; nothing is posted yet.
    A new date moves the due date by as many days."""
    invoice = await lock_invoice(conn, invoice_id)
    if invoice.status in ISSUED:
        raise Conflict(f"invoice {invoice_id} is already issued (status {invoice.status})")
    if invoice.status == "pending":
        raise Conflict(
            f"invoice {invoice_id} is pending: its goods were asked for and inventory has not "
            "answered yet"
        )
    if invoice.status == "void":
        raise Conflict(f"invoice {invoice_id} is void")
    day = date or invoice.date
    await books.check_open(conn, day)  # the goods and the posting take this date
    await credit_limits.check(conn, invoice, override=credit_override, user=user)
    await update_invoice(
        conn,
        invoice_id,
        date=day,
        due_date=due_of(invoice) + (day - invoice.date),
        status="pending",
        hold_reason=None,
        issue_no=invoice.issue_no + 1,
        issued_by=user,
    )
    result = await get_invoice(conn, invoice_id=invoice_id)
    await publish_issue_requested(conn, invoice=result)
    await publish_status_changed(conn, invoice=result, previous=invoice.status)
    return result


async def post_issue(
    conn: AsyncConnection, *, invoice_id: int, issue_no: int
) -> dict[str, Any] | None:
    """Inventory issued the goods of request `issue_no`: post the issue entry, dated the
    invoice date (the first open day when its period closed meanwhile), and mark the invoice
    issued. Goods issued for an invoice voided meanwhile are asked back; an answer to an older
    request changes nothing."""
    invoice = await _locked(conn, invoice_id)
    if invoice is None or invoice.issue_no != issue_no:
        return None
    if invoice.status == "void":
        await publish_invoice_voided(conn, invoice_id=invoice_id)
        return None
    if invoice.status != "pending":
        return None
    base = await books.base_currency(conn)
    lines = await INVOICES.line_rows(conn, invoice_id)
    postings = issue_postings(invoice, list(lines), base)
    entry = await journal.post_entry(
        conn,
        date=await books.first_open_day(conn, invoice.date),
        memo=f"invoice {invoice_id} to {invoice.customer}"[:500],
        source="invoice",
        source_ref=invoice_ref(invoice_id),
        currency=invoice.currency,
        rate=invoice.rate,
        lines=postings,
        user=invoice.issued_by or ISSUED_BY_EVENTS,
    )
    open_amount = invoice.open_amount + invoice.total
    await update_invoice(
        conn,
        invoice_id,
        status=paid_status(paid=invoice.paid_amount, open_amount=open_amount),
        open_amount=open_amount,
        open_base=invoice.open_base + postings[0].debit,
        issue_entry_id=entry["id"],
    )
    result = await get_invoice(conn, invoice_id=invoice_id)
    await publish_invoice_issued(conn, invoice=result, entry_id=entry["id"])
    await publish_status_changed(conn, invoice=result, previous=invoice.status)
    return result


async def hold_invoice(
    conn: AsyncConnection, *, invoice_id: int, issue_no: int | None, reason: str
) -> dict[str, Any] | None:
    """Inventory could not issue the goods of request `issue_no`: nothing moved and nothing
    was posted, so the pending invoice only goes on hold with the reason. A rejection of an
    older request, or of an invoice no longer pending (voided meanwhile), changes nothing."""
    invoice = await _locked(conn, invoice_id)
    if invoice is None or invoice.status != "pending":
        return None
    if issue_no is not None and issue_no != invoice.issue_no:
        return None
    await update_invoice(conn, invoice_id, status="on_hold", hold_reason=reason[:500])
    result = await get_invoice(conn, invoice_id=invoice_id)
    await publish_status_changed(conn, invoice=result, previous=invoice.status, reason=reason)
    return result


async def receivable_of(conn: AsyncConnection, entry_id: int) -> tuple[Decimal, Decimal]:
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
    credited = await conn.execute(
        select(credit_notes.c.id).where(credit_notes.c.invoice_id == invoice_id).limit(1)
    )
    if credited.first() is not None:
        raise Conflict(
            f"invoice {invoice_id} has credit notes; credit what is left of it instead of "
            "voiding it"
        )
    values: dict[str, Any] = {"status": "void", "hold_reason": reason}
    if invoice.status in ISSUED:
        entry = await journal.get_entry(conn, entry_id=invoice.issue_entry_id)
        memo = f"void of invoice {invoice_id}" + (f": {reason}" if reason else "")
        await journal.reverse_entry(
            conn,
            entry_id=invoice.issue_entry_id,
            date=max(date or today(), entry["date"]),
            reason=memo[:500],
            user=user,
            allowed_sources=("invoice",),
        )
        amount, base = await receivable_of(conn, invoice.issue_entry_id)
        values.update(open_amount=invoice.open_amount - amount, open_base=invoice.open_base - base)
        await publish_invoice_voided(conn, invoice_id=invoice_id)
    # A pending invoice has nothing posted; should its goods leave after all, `post_issue`
    # asks for them back.
    await update_invoice(conn, invoice_id, **values)
    result = await get_invoice(conn, invoice_id=invoice_id)
    await publish_status_changed(conn, invoice=result, previous=invoice.status, reason=reason)
    return result


INVOICES = Documents(
    noun="invoice",
    headers=invoices,
    lines=invoice_lines,
    owner="invoice_id",
    line_fields=(
        "line_no",
        "sku",
        "warehouse",
        "quantity",
        "unit_price",
        "tax_rate",
        "net",
        "tax",
        "tax_code",
    ),
)


def due_of(invoice: Any) -> dt.date:
    """An invoice written before due dates is due on its date."""
    return invoice.due_date or invoice.date


def _shown(invoice: dict[str, Any]) -> dict[str, Any]:
    invoice["due_date"] = invoice["due_date"] or invoice["date"]
    return invoice


async def get_invoice(conn: AsyncConnection, *, invoice_id: int) -> dict[str, Any]:
    return _shown(await INVOICES.get(conn, invoice_id))


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
    found = await INVOICES.newest_first(
        conn,
        after=after,
        limit=limit,
        where=(
            c.customer == customer if customer else None,
            c.status == status if status else None,
        ),
    )
    return [_shown(invoice) for invoice in found]
