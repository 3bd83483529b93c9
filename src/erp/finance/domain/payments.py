"""Payments against invoices: cash or bank debit, receivable credit; the invoice follows.

A payment is in the invoice's currency, at the rate of its own date (the invoice's rate when
none is given), received on an account marked cash or bank. The receivable is relieved at the
invoice's rate (the last payment relieves exactly what is left), and the difference to the cash
received is an exchange gain or loss, posted explicitly. A payment that did not stand (a
bounced cheque, a wrong invoice) is reversed once: the mirror entry, and the invoice is open
again by what it relieved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.references import invoice_ref
from erp.finance.domain import books, journal
from erp.finance.domain.accounts import cash_account
from erp.finance.domain.chart import EXCHANGE_DIFFERENCE, RECEIVABLE
from erp.finance.domain.invoices import (
    get_invoice,
    lock_invoice,
    paid_status,
    receivable_of,
    update_invoice,
)
from erp.finance.domain.journal import credit, debit
from erp.finance.domain.money import ZERO, exact, resolve_rate, settled_base, to_base
from erp.finance.domain.publish import (
    publish_payment_received,
    publish_payment_reversed,
    publish_status_changed,
)
from erp.finance.models import payments
from erp.finance.schemas.payments import PaymentCreate
from erp.platform.calendar import today
from erp.platform.errors import Conflict, InvalidInput, NotFound


async def receive_payment(
    conn: AsyncConnection, *, body: PaymentCreate, user: str
) -> dict[str, Any]:
    invoice = await lock_invoice(conn, body.invoice)
    if invoice.status not in ("issued", "partially_paid"):
        raise Conflict(
            f"invoice {invoice.id} is {invoice.status}; only issued or partially paid "
            "invoices take payments",
            field="invoice",
        )
    base = await books.base_currency(conn)
    amount = exact(body.amount, invoice.currency, field="amount")
    if amount > invoice.open_amount:
        raise InvalidInput(
            "amount",
            f"{amount} exceeds the open amount {invoice.open_amount} {invoice.currency} "
            f"of invoice {invoice.id}",
        )
    date = body.date or today()
    if date < invoice.date:
        raise InvalidInput(
            "date", f"{date} is before the date of invoice {invoice.id} ({invoice.date})"
        )
    rate = resolve_rate(invoice.currency, body.rate or invoice.rate, base=base)
    account = await cash_account(conn, body.account, what="payments are received on one")
    received = to_base(amount, rate, base)
    relieved = settled_base(amount, open_amount=invoice.open_amount,
                            open_base=invoice.open_base, rate=invoice.rate, base=base)  # fmt: skip
    tags = {"party": invoice.customer, "invoice_id": invoice.id}
    lines = [
        debit(account, received, amount, **tags),
        credit(RECEIVABLE, relieved, amount, **tags),
    ]
    if received != relieved:
        lines.append(credit(EXCHANGE_DIFFERENCE, received - relieved, ZERO, **tags))
    entry = await journal.post_entry(
        conn,
        date=date,
        memo=f"payment for invoice {invoice.id} from {invoice.customer}",
        source="payment",
        source_ref=invoice_ref(invoice.id),
        currency=invoice.currency,
        rate=rate,
        lines=lines,
        user=user,
    )
    payment = {
        "invoice_id": invoice.id,
        "customer": invoice.customer,
        "date": date,
        "currency": invoice.currency,
        "rate": rate,
        "amount": amount,
        "base_amount": received,
        "account": account,
        "entry_id": entry["id"],
        "created_at": dt.datetime.now(dt.UTC),
        "created_by": user,
    }
    payment_id = (
        await conn.execute(payments.insert().values(**payment).returning(payments.c.id))
    ).scalar_one()
    paid, open_amount = invoice.paid_amount + amount, invoice.open_amount - amount
    status = paid_status(paid=paid, open_amount=open_amount)
    await update_invoice(
        conn,
        invoice.id,
        paid_amount=paid,
        open_amount=open_amount,
        open_base=invoice.open_base - relieved,
        status=status,
    )
    result = await get_payment(conn, payment_id=payment_id)
    updated = await get_invoice(conn, invoice_id=invoice.id)
    await publish_payment_received(conn, payment=result, invoice=updated)
    if status != invoice.status:
        await publish_status_changed(conn, invoice=updated, previous=invoice.status)
    return result


async def reverse_payment(
    conn: AsyncConnection,
    *,
    payment_id: int,
    date: dt.date | None,
    reason: str | None,
    user: str,
) -> dict[str, Any]:
    """Post the mirror of the payment's entry and open its invoice again by what it relieved."""
    found = await get_payment(conn, payment_id=payment_id)
    invoice = await lock_invoice(conn, found["invoice"])  # the lock order of receiving
    payment = (
        await conn.execute(select(payments).where(payments.c.id == payment_id).with_for_update())
    ).one()
    if payment.reversed_by is not None:
        raise Conflict(
            f"payment {payment_id} was already reversed by entry {payment.reversed_by}",
            reversed_by=payment.reversed_by,
        )
    memo = f"reversal of payment {payment_id}" + (f": {reason}" if reason else "")
    entry = await journal.reverse_entry(
        conn,
        entry_id=payment.entry_id,
        date=date or today(),
        reason=memo[:500],
        user=user,
        allowed_sources=("payment",),
    )
    amount, base = await receivable_of(conn, entry["id"])
    await conn.execute(
        payments.update().where(payments.c.id == payment_id).values(reversed_by=entry["id"])
    )
    paid, open_amount = invoice.paid_amount - payment.amount, invoice.open_amount + amount
    status = paid_status(paid=paid, open_amount=open_amount)
    await update_invoice(
        conn,
        invoice.id,
        paid_amount=paid,
        open_amount=open_amount,
        open_base=invoice.open_base + base,
        status=status,
    )
    result = await get_payment(conn, payment_id=payment_id)
    updated = await get_invoice(conn, invoice_id=invoice.id)
    await publish_payment_reversed(
        conn, payment=result, invoice=updated, entry=entry, reason=reason
    )
    if status != invoice.status:
        await publish_status_changed(conn, invoice=updated, previous=invoice.status, reason=reason)
    return result


def present(payment: dict[str, Any]) -> dict[str, Any]:
    data = dict(payment)
    data["invoice"] = data.pop("invoice_id")
    return data


async def get_payment(conn: AsyncConnection, *, payment_id: int) -> dict[str, Any]:
    row = (await conn.execute(select(payments).where(payments.c.id == payment_id))).first()
    if row is None:
        raise NotFound(f"payment {payment_id} not found")
    return present(dict(row._mapping))


async def list_payments(
    conn: AsyncConnection, *, limit: int, before_id: int | None, invoice_id: int | None
) -> list[dict[str, Any]]:
    statement = select(payments).order_by(payments.c.id.desc()).limit(limit)
    if before_id is not None:
        statement = statement.where(payments.c.id < before_id)
    if invoice_id is not None:
        statement = statement.where(payments.c.invoice_id == invoice_id)
    return [present(dict(r._mapping)) for r in await conn.execute(statement)]
