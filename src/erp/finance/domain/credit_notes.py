"""Customer credit notes: part of an issued invoice taken back, some lines and quantities.

A credit note reverses the credited lines' sales and tax and credits the receivable, tagged with
the invoice, in the invoice's currency at the invoice's rate (the receivable it clears was
booked at that rate). Each line's net and tax are the invoice line's pro rata of the quantity,
rounded to the currency; the credit that takes a line's last units takes exactly what is left of
its net and tax (and of their base amounts), so credits never add up to more or less than was
invoiced. Crediting the receivable lowers the invoice's open amount: that is the allocation to
its own invoice. When the invoice was paid beyond what remains the open amount goes below zero;
that part (`unapplied`) is a customer credit, settled by a refund (cash or bank out) or by an
allocation to another open invoice of the customer, each published as
finance.credit-note-settled. The goods of lines with `return_goods` come back through
inventory (finance.credit-note-issued) at the cost they left with; the receipt's own
stock-moved event brings Dr Inventory / Cr Cost of goods sold.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.finance import CreditNoteIssued, CreditNoteSettled
from erp.contracts.references import credit_note_ref
from erp.finance.domain import books, journal
from erp.finance.domain.accounts import cash_account
from erp.finance.domain.chart import EXCHANGE_DIFFERENCE, RECEIVABLE, SALES, TAX_PAYABLE
from erp.finance.domain.invoices import (
    ISSUED,
    get_invoice,
    lock_invoice,
    paid_status,
    update_invoice,
)
from erp.finance.domain.journal import Posting, credit, debit, with_rounding
from erp.finance.domain.money import ZERO, exact, money, settled_base, to_base
from erp.finance.domain.publish import publish, publish_status_changed
from erp.finance.models import (
    credit_note_lines,
    credit_note_settlements,
    credit_notes,
    invoice_lines,
    journal_lines,
)
from erp.finance.schemas.credit_notes import (
    CreditNoteAllocate,
    CreditNoteCreate,
    CreditNoteRefund,
)
from erp.platform.calendar import today
from erp.platform.errors import Conflict, InvalidInput, NotFound
from erp.platform.listing import Documents, Position

SOURCE = "credit-note"

CREDIT_NOTES = Documents(
    noun="credit note",
    headers=credit_notes,
    lines=credit_note_lines,
    owner="credit_note_id",
    line_fields=(
        "line_no",
        "invoice_line",
        "sku",
        "warehouse",
        "quantity",
        "net",
        "tax",
        "net_base",
        "tax_base",
        "return_goods",
    ),
)


async def _invoice_for(conn: AsyncConnection, invoice_id: int, *, field: str) -> Any:
    """The invoice locked; a 422 naming `field` when there is none."""
    try:
        return await lock_invoice(conn, invoice_id)
    except NotFound:
        raise InvalidInput(field, f"invoice {invoice_id} not found") from None


def _check_date(day: dt.date, *, not_before: dt.date, what: str) -> None:
    if day < not_before:
        raise InvalidInput("date", f"{day} is before the date of {what} ({not_before})")
    if day > today():
        raise InvalidInput("date", f"{day} is after today ({today()})")


async def _credited(conn: AsyncConnection, invoice_id: int) -> dict[int, tuple[Decimal, ...]]:
    """Per invoice line: (quantity, net, tax, net base, tax base) credited so far."""
    c = credit_note_lines.c
    rows = await conn.execute(
        select(
            c.invoice_line,
            func.sum(c.quantity),
            func.sum(c.net),
            func.sum(c.tax),
            func.sum(c.net_base),
            func.sum(c.tax_base),
        )
        .where(c.invoice_id == invoice_id)
        .group_by(c.invoice_line)
    )
    return {r[0]: tuple(Decimal(v) for v in r[1:]) for r in rows}


def _share(amount: Decimal, quantity: Decimal, of: Decimal, currency: str) -> Decimal:
    return money(amount * quantity / of, currency)


async def create_credit_note(
    conn: AsyncConnection, *, body: CreditNoteCreate, user: str
) -> dict[str, Any]:
    invoice = await _invoice_for(conn, body.invoice, field="invoice")
    if invoice.status not in ISSUED:
        raise Conflict(
            f"invoice {invoice.id} is {invoice.status}; only an issued invoice is credited",
            field="invoice",
        )
    day = body.date or today()
    _check_date(day, not_before=invoice.date, what=f"invoice {invoice.id}")
    await books.check_open(conn, day)
    base = await books.base_currency(conn)
    rate, currency = invoice.rate, invoice.currency
    found = await conn.execute(
        select(invoice_lines).where(invoice_lines.c.invoice_id == invoice.id)
    )
    by_no = {ln.line_no: ln for ln in found}
    credited = await _credited(conn, invoice.id)
    nothing = (ZERO, ZERO, ZERO, ZERO, ZERO)
    seen: set[int] = set()
    lines: list[dict[str, Any]] = []
    codes: list[str | None] = []  # each line's tax code, for the tax report
    for i, wanted in enumerate(body.lines):
        ln = by_no.get(wanted.line_no)
        if ln is None:
            raise InvalidInput(
                f"lines.{i}.line_no", f"invoice {invoice.id} has no line {wanted.line_no}"
            )
        if wanted.line_no in seen:
            raise InvalidInput(f"lines.{i}.line_no", f"line {wanted.line_no} is credited twice")
        seen.add(wanted.line_no)
        done_qty, done_net, done_tax, done_net_base, _ = credited.get(ln.line_no, nothing)
        left = ln.quantity - done_qty
        if wanted.quantity > left:
            raise InvalidInput(
                f"lines.{i}.quantity",
                f"{wanted.quantity} is more than is left to credit of invoice line "
                f"{ln.line_no}: {left} of {ln.quantity} (earlier credit notes took {done_qty})",
            )
        if wanted.quantity == left:  # the line's last units: exactly what is left
            net, tax = ln.net - done_net, ln.tax - done_tax
            net_base = to_base(ln.net, rate, base) - done_net_base
        else:
            net = _share(ln.net, wanted.quantity, ln.quantity, currency)
            tax = _share(ln.tax, wanted.quantity, ln.quantity, currency)
            net_base = to_base(net, rate, base)
        lines.append(
            {
                "line_no": i + 1,
                "invoice_id": invoice.id,
                "invoice_line": ln.line_no,
                "sku": ln.sku,
                "warehouse": ln.warehouse,
                "quantity": wanted.quantity,
                "net": net,
                "tax": tax,
                "net_base": net_base,
                "tax_base": to_base(tax, rate, base),
                "return_goods": wanted.return_goods,
            }
        )
        codes.append(ln.tax_code)
    taxes = await _taxes(conn, invoice, by_no, credited, lines, codes)
    subtotal = sum((ln["net"] for ln in lines), ZERO)
    tax_total = sum((ln["tax"] for ln in lines), ZERO)
    total = subtotal + tax_total
    if total <= 0:
        raise InvalidInput("lines", f"the credit note must total more than zero {currency}")
    open_after = invoice.open_amount - total
    # The receivable is relieved at the invoice's rate; the credit that leaves nothing open
    # relieves exactly what is left of its base amount.
    relieved = invoice.open_base if open_after == 0 else to_base(total, rate, base)
    applied = min(total, max(invoice.open_amount, ZERO))
    now = dt.datetime.now(dt.UTC)
    note_id = (
        await conn.execute(
            credit_notes.insert()
            .values(
                invoice_id=invoice.id,
                customer=invoice.customer,
                currency=currency,
                rate=rate,
                date=day,
                reason=body.reason,
                subtotal=subtotal,
                tax_total=tax_total,
                total=total,
                applied=applied,
                unapplied=total - applied,
                entry_id=None,
                created_at=now,
                created_by=user,
            )
            .returning(credit_notes.c.id)
        )
    ).scalar_one()
    await conn.execute(
        credit_note_lines.insert(), [{**ln, "credit_note_id": note_id} for ln in lines]
    )
    tags = {"party": invoice.customer, "invoice_id": invoice.id}
    postings = [
        debit(SALES, ln["net_base"], ln["net"], sku=ln["sku"], tax_code=code, **tags)
        for ln, code in zip(lines, codes, strict=True)
    ]
    for code, (amount, amount_base) in taxes.items():
        if amount or amount_base:
            postings.append(debit(TAX_PAYABLE, amount_base, amount, tax_code=code, **tags))
    postings.append(credit(RECEIVABLE, relieved, total, **tags))
    memo = f"credit note {note_id} on invoice {invoice.id} to {invoice.customer}"
    entry = await journal.post_entry(
        conn,
        date=day,
        memo=(memo + (f": {body.reason}" if body.reason else ""))[:500],
        source=SOURCE,
        source_ref=credit_note_ref(note_id),
        currency=currency,
        rate=rate,
        lines=with_rounding(postings, memo_currency=currency),
        user=user,
    )
    await conn.execute(
        credit_notes.update().where(credit_notes.c.id == note_id).values(entry_id=entry["id"])
    )
    status = paid_status(paid=invoice.paid_amount, open_amount=open_after)
    await update_invoice(
        conn,
        invoice.id,
        open_amount=open_after,
        open_base=invoice.open_base - relieved,
        status=status,
    )
    result = await get_credit_note(conn, credit_note_id=note_id)
    issued = CreditNoteIssued.from_row(result)
    await publish(conn, f"invoice/{invoice.id}", issued)
    if status != invoice.status:
        updated = await get_invoice(conn, invoice_id=invoice.id)
        await publish_status_changed(conn, invoice=updated, previous=invoice.status)
    return result


async def _taxes(
    conn: AsyncConnection,
    invoice: Any,
    by_no: dict[int, Any],
    credited: dict[int, tuple[Decimal, ...]],
    lines: list[dict[str, Any]],
    codes: list[str | None],
) -> dict[str | None, tuple[Decimal, Decimal]]:
    """The tax reversed per tax code: (amount, base amount). When this credit note takes the
    invoice's last units, each code's base amount is exactly what is left of it on tax payable
    (what the issue posted less earlier credit notes), so tax payable ends at zero; the last
    line of the code carries the difference."""
    taxes: dict[str | None, tuple[Decimal, Decimal]] = {}
    for ln, code in zip(lines, codes, strict=True):
        amount, amount_base = taxes.get(code, (ZERO, ZERO))
        taxes[code] = (amount + ln["tax"], amount_base + ln["tax_base"])
    now_qty = {ln["invoice_line"]: ln["quantity"] for ln in lines}
    for no, ln in by_no.items():
        if credited.get(no, (ZERO,))[0] + now_qty.get(no, ZERO) != ln.quantity:
            return taxes  # units are left to credit later
    jl = journal_lines.c
    left = await conn.execute(
        select(jl.tax_code, func.sum(jl.credit - jl.debit))
        .where(jl.account == TAX_PAYABLE, jl.invoice_id == invoice.id)
        .group_by(jl.tax_code)
    )
    for code, remaining in left:
        amount, amount_base = taxes.get(code, (ZERO, ZERO))
        difference = Decimal(remaining) - amount_base
        if difference:
            taxes[code] = (amount, amount_base + difference)
            same = [ln for ln, c in zip(lines, codes, strict=True) if c == code]
            if same:
                same[-1]["tax_base"] += difference
    return taxes


async def _lock_note(conn: AsyncConnection, credit_note_id: int) -> Any:
    row = (
        await conn.execute(
            select(credit_notes).where(credit_notes.c.id == credit_note_id).with_for_update()
        )
    ).first()
    if row is None:
        raise NotFound(f"credit note {credit_note_id} not found")
    return row


async def _note_and_invoice(conn: AsyncConnection, credit_note_id: int) -> tuple[Any, Any]:
    """The credit note and its invoice, locked invoice first (the order every invoice change
    takes)."""
    found = (
        await conn.execute(
            select(credit_notes.c.invoice_id).where(credit_notes.c.id == credit_note_id)
        )
    ).scalar()
    if found is None:
        raise NotFound(f"credit note {credit_note_id} not found")
    invoice = await lock_invoice(conn, found)
    return await _lock_note(conn, credit_note_id), invoice


def _credit_left(note: Any, invoice: Any, amount: Decimal) -> None:
    """`amount` must be within the note's unapplied credit and the credit the invoice still
    holds (a payment reversed since may have used it up)."""
    if amount > note.unapplied:
        raise InvalidInput(
            "amount",
            f"{amount} exceeds the unapplied credit {note.unapplied} {note.currency} of credit "
            f"note {note.id}",
        )
    held = -invoice.open_amount
    if amount > held:
        raise InvalidInput(
            "amount",
            f"{amount} exceeds the credit invoice {invoice.id} still holds "
            f"({max(held, ZERO)} {invoice.currency}; its open amount is {invoice.open_amount})",
        )


def _released(invoice: Any, amount: Decimal, base: str) -> Decimal:
    """The base amount of `amount` of the invoice's credit: exactly what is left when it
    takes all of it."""
    if amount == -invoice.open_amount:
        return Decimal(-invoice.open_base)
    return to_base(amount, invoice.rate, base)


async def _settle(
    conn: AsyncConnection,
    *,
    note: Any,
    invoice: Any,
    kind: str,
    day: dt.date,
    amount: Decimal,
    base_amount: Decimal,
    postings: list[Posting],
    memo: str,
    user: str,
    target: int | None = None,
    account: str | None = None,
) -> dict[str, Any]:
    entry = await journal.post_entry(
        conn,
        date=day,
        memo=memo[:500],
        source=SOURCE,
        source_ref=credit_note_ref(note.id),
        currency=note.currency,
        rate=note.rate,
        lines=postings,
        user=user,
    )
    settlement = (
        await conn.execute(
            credit_note_settlements.insert()
            .values(
                credit_note_id=note.id,
                kind=kind,
                invoice_id=target,
                account=account,
                date=day,
                amount=amount,
                base_amount=base_amount,
                entry_id=entry["id"],
                created_at=dt.datetime.now(dt.UTC),
                created_by=user,
            )
            .returning(*credit_note_settlements.c)
        )
    ).one()
    await conn.execute(
        credit_notes.update()
        .where(credit_notes.c.id == note.id)
        .values(unapplied=note.unapplied - amount)
    )
    await update_invoice(
        conn,
        invoice.id,
        open_amount=invoice.open_amount + amount,
        open_base=invoice.open_base + base_amount,
    )
    # The row as stored: amounts travel at the scale they are kept.
    settled = CreditNoteSettled.from_row(
        dict(settlement._mapping),
        invoice_id=invoice.id,
        target_invoice_id=target,
        customer=note.customer,
        currency=note.currency,
    )
    # On the credit note's invoice's subject, after its CreditNoteIssued.
    await publish(conn, f"invoice/{invoice.id}", settled)
    return await get_credit_note(conn, credit_note_id=note.id)


async def refund(
    conn: AsyncConnection, *, credit_note_id: int, body: CreditNoteRefund, user: str
) -> dict[str, Any]:
    """Pay out part or all of the customer credit: Dr Receivable / Cr cash or bank."""
    note, invoice = await _note_and_invoice(conn, credit_note_id)
    amount = exact(body.amount, note.currency, field="amount")
    _credit_left(note, invoice, amount)
    day = body.date or today()
    _check_date(day, not_before=note.date, what=f"credit note {note.id}")
    account = await cash_account(conn, body.account, what="refunds are paid from one")
    base = await books.base_currency(conn)
    released = _released(invoice, amount, base)
    tags = {"party": note.customer, "invoice_id": invoice.id}
    postings = [
        debit(RECEIVABLE, released, amount, **tags),
        credit(account, released, amount, **tags),
    ]
    return await _settle(
        conn,
        note=note,
        invoice=invoice,
        kind="refund",
        day=day,
        amount=amount,
        base_amount=released,
        postings=postings,
        memo=f"refund of credit note {note.id} to {note.customer}",
        user=user,
        account=account,
    )


async def allocate(
    conn: AsyncConnection, *, credit_note_id: int, body: CreditNoteAllocate, user: str
) -> dict[str, Any]:
    """Apply part or all of the customer credit to another open invoice of the customer:
    Dr Receivable (the credit note's invoice) / Cr Receivable (the other one); each side at
    its invoice's rate, the difference an exchange gain or loss."""
    found = (
        await conn.execute(
            select(credit_notes.c.invoice_id).where(credit_notes.c.id == credit_note_id)
        )
    ).scalar()
    if found is None:
        raise NotFound(f"credit note {credit_note_id} not found")
    if body.invoice == found:
        raise InvalidInput("invoice", f"credit note {credit_note_id} is on invoice {found} itself")
    # Both invoices locked in id order, so two allocations never wait on each other in a cycle.
    locked = {}
    for invoice_id in sorted((found, body.invoice)):
        locked[invoice_id] = await _invoice_for(conn, invoice_id, field="invoice")
    invoice, target = locked[found], locked[body.invoice]
    note = await _lock_note(conn, credit_note_id)
    if target.customer != note.customer:
        raise InvalidInput(
            "invoice", f"invoice {target.id} is {target.customer}'s, not {note.customer}'s"
        )
    if target.currency != note.currency:
        raise InvalidInput(
            "invoice", f"invoice {target.id} is in {target.currency}, not {note.currency}"
        )
    if target.status not in ("issued", "partially_paid"):
        raise Conflict(
            f"invoice {target.id} is {target.status}; only an issued or partly paid invoice "
            "takes a credit",
            field="invoice",
        )
    amount = exact(body.amount, note.currency, field="amount")
    _credit_left(note, invoice, amount)
    if amount > target.open_amount:
        raise InvalidInput(
            "amount",
            f"{amount} exceeds the open amount {target.open_amount} {target.currency} of "
            f"invoice {target.id}",
        )
    day = body.date or today()
    _check_date(day, not_before=note.date, what=f"credit note {note.id}")
    _check_date(day, not_before=target.date, what=f"invoice {target.id}")
    base = await books.base_currency(conn)
    released = _released(invoice, amount, base)
    relieved = settled_base(amount, open_amount=target.open_amount,
                            open_base=target.open_base, rate=target.rate, base=base)  # fmt: skip
    postings = [
        debit(RECEIVABLE, released, amount, party=note.customer, invoice_id=invoice.id),
        credit(RECEIVABLE, relieved, amount, party=note.customer, invoice_id=target.id),
    ]
    if released != relieved:
        postings.append(credit(EXCHANGE_DIFFERENCE, released - relieved, ZERO, party=note.customer))
    result = await _settle(
        conn,
        note=note,
        invoice=invoice,
        kind="allocation",
        day=day,
        amount=amount,
        base_amount=released,
        postings=postings,
        memo=f"credit note {note.id} of {note.customer} applied to invoice {target.id}",
        user=user,
        target=target.id,
    )
    # Settled by the customer's credit: counted as paid, as a payment would be.
    paid, open_amount = target.paid_amount + amount, target.open_amount - amount
    status = paid_status(paid=paid, open_amount=open_amount)
    await update_invoice(
        conn,
        target.id,
        paid_amount=paid,
        open_amount=open_amount,
        open_base=target.open_base - relieved,
        status=status,
    )
    if status != target.status:
        updated = await get_invoice(conn, invoice_id=target.id)
        await publish_status_changed(conn, invoice=updated, previous=target.status)
    return result


def _shown(note: dict[str, Any], settlements: list[dict[str, Any]]) -> dict[str, Any]:
    note["invoice"] = note.pop("invoice_id")
    note["settlements"] = settlements
    return note


async def _with_settlements(
    conn: AsyncConnection, notes: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    ids = [n["id"] for n in notes]
    by_note: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        s = credit_note_settlements.c
        rows = await conn.execute(
            select(credit_note_settlements).where(s.credit_note_id.in_(ids)).order_by(s.id)
        )
        for r in rows:
            by_note[r.credit_note_id].append(dict(r._mapping))
    return [_shown(n, by_note[n["id"]]) for n in notes]


async def get_credit_note(conn: AsyncConnection, *, credit_note_id: int) -> dict[str, Any]:
    note = await CREDIT_NOTES.get(conn, credit_note_id)
    return (await _with_settlements(conn, [note]))[0]


async def list_credit_notes(
    conn: AsyncConnection,
    *,
    after: Position | None,
    limit: int,
    invoice: int | None,
    customer: str | None,
) -> list[dict[str, Any]]:
    """Newest first."""
    c = credit_notes.c
    found = await CREDIT_NOTES.newest_first(
        conn,
        after=after,
        limit=limit,
        where=(
            c.invoice_id == invoice if invoice else None,
            c.customer == customer if customer else None,
        ),
    )
    return await _with_settlements(conn, found)
