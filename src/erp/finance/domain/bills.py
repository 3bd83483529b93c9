"""Supplier bills and what pays them.

A bill is posted when it is entered. A line that bills a goods receipt line takes that
receipt's value off goods received not invoiced (2150), pro rata to the quantity billed (the
last billing of a receipt takes exactly what is left); whatever the supplier charges beyond or
below that value is a purchase price variance (5200). The stock keeps the cost it came in at,
so inventory's valuation and 1300 never move for a bill. A line without a receipt (a service,
an expense) is posted to its account. Tax is input tax recoverable (1400); the total is owed
to the supplier on accounts payable (2100), tagged with the bill.

Payments relieve the payable at the bill's rate (the last one exactly what is left) and pay
from a cash or bank account at the rate of their day; the difference is an exchange gain or
loss (7100).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.finance import BillLine, BillPosted, SupplierPaid
from erp.finance.domain import books, journal, parties, receipts
from erp.finance.domain.accounts import cash_account, postable
from erp.finance.domain.chart import (
    CONTROL_ACCOUNTS,
    EXCHANGE_DIFFERENCE,
    GOODS_RECEIVED_NOT_INVOICED,
    INPUT_TAX,
    PAYABLE,
    PRICE_VARIANCE,
)
from erp.finance.domain.journal import Posting, credit, debit, with_rounding
from erp.finance.domain.money import (
    ZERO,
    exact,
    money,
    net_and_tax,
    resolve_rate,
    settled_base,
    to_base,
    within,
)
from erp.finance.domain.publish import publish
from erp.finance.domain.tax import rates_for
from erp.finance.models import bill_lines, bills, goods_receipts, supplier_payments
from erp.finance.schemas.bills import BillCreate, SupplierPaymentCreate
from erp.platform.calendar import today
from erp.platform.errors import Conflict, InvalidInput, NotFound
from erp.platform.listing import Documents, Position

EXPENSE_TYPES = ("expense", "asset")

BILLS = Documents(
    noun="bill",
    headers=bills,
    lines=bill_lines,
    owner="bill_id",
    line_fields=(
        "line_no", "receipt_id", "account", "sku", "description", "quantity", "unit_price",
        "tax_rate", "net", "tax", "cleared", "tax_code",
    ),
    hidden=("number_key", "open_base", "updated_at"),
)  # fmt: skip


def bill_ref(bill_id: int) -> str:
    return f"bill:{bill_id}"


async def _priced_lines(
    conn: AsyncConnection, body: BillCreate, *, currency: str, rate: Decimal, base: str,
    supplier: str, day: dt.date,
) -> list[dict[str, Any]]:  # fmt: skip
    """Each line with its net, tax, account and the GRNI it clears (base currency); the
    receipts it names are locked."""
    matched = [(ln.receipt, f"lines.{i}.receipt") for i, ln in enumerate(body.lines) if ln.receipt]
    open_receipts = await receipts.lock_for_billing(conn, matched)
    accounts_named = [
        (ln.account, f"lines.{i}.account") for i, ln in enumerate(body.lines) if ln.account
    ]
    account_rows = await postable(conn, accounts_named) if accounts_named else {}
    rates = await rates_for(conn, enumerate(body.lines), kind="input")
    lines = []
    for i, ln in enumerate(body.lines):
        tax_rate = rates.get(i, ln.tax_rate)
        field = f"lines.{i}"
        net, tax = net_and_tax(ln.quantity, ln.unit_price, tax_rate, currency, field=field)
        line = {"line_no": i + 1, "receipt_id": ln.receipt, "sku": None,
                "description": ln.description, "quantity": ln.quantity,
                "unit_price": ln.unit_price, "tax_rate": tax_rate, "net": net, "tax": tax,
                "cleared": ZERO, "tax_code": ln.tax_code}  # fmt: skip
        if ln.receipt is not None:
            if ln.account is not None:
                raise InvalidInput(f"{field}.account", "a line billing a receipt takes no account")
            got = open_receipts[ln.receipt]
            if got["supplier"] is not None and got["supplier"] != supplier:
                raise InvalidInput(
                    f"{field}.receipt",
                    f"goods receipt line {ln.receipt} came from {got['supplier']}, not {supplier}",
                )
            if got["date"] > day:
                raise InvalidInput(
                    "date", f"{day} is before goods receipt line {ln.receipt} ({got['date']})"
                )
            if ln.quantity > got["open_quantity"]:
                raise InvalidInput(
                    f"{field}.quantity",
                    f"{ln.quantity} exceeds what is left to bill of goods receipt line"
                    f" {ln.receipt} ({got['open_quantity']})",
                )
            cleared = (
                got["open_value"]
                if ln.quantity == got["open_quantity"]
                else money(got["open_value"] * ln.quantity / got["open_quantity"], base)
            )
            got["open_quantity"] -= ln.quantity  # a second line on the same receipt sees it
            got["open_value"] -= cleared
            line.update(account=GOODS_RECEIVED_NOT_INVOICED, sku=got["sku"], cleared=cleared)
        else:
            if ln.account is None:
                raise InvalidInput(f"{field}.account", "a line without a receipt needs an account")
            row = account_rows[ln.account]
            if ln.account in CONTROL_ACCOUNTS or row.type not in EXPENSE_TYPES:
                raise InvalidInput(
                    f"{field}.account",
                    f"{ln.account} is not an expense or asset account a bill may post to",
                )
            line["account"] = ln.account
        lines.append(line)
    return lines


def _postings(bill: dict[str, Any], lines: list[dict[str, Any]], base: str) -> list[Posting]:
    rate, tags = bill["rate"], {"party": bill["supplier"], "bill_id": bill["id"]}
    postings = []
    taxes: dict[str | None, Decimal] = {}
    for ln in lines:
        net_base, code = to_base(ln["net"], rate, base), ln["tax_code"]
        if ln["tax"] or code is not None:
            taxes[code] = taxes.get(code, ZERO) + ln["tax"]
        if ln["receipt_id"] is None:
            field = f"lines.{ln['line_no'] - 1}.account"  # what a refusal of the account names
            postings.append(debit(ln["account"], net_base, ln["net"], field=field,
                                  tax_code=code, **tags))  # fmt: skip
            continue
        postings.append(debit(GOODS_RECEIVED_NOT_INVOICED, ln["cleared"], ln["net"],
                              sku=ln["sku"], tax_code=code, **tags))  # fmt: skip
        if net_base != ln["cleared"]:
            variance = net_base - ln["cleared"]
            postings.append(debit(PRICE_VARIANCE, variance, ZERO, sku=ln["sku"], tax_code=code,
                                  **tags))  # fmt: skip
    for code, amount in taxes.items():
        if amount:
            postings.append(debit(INPUT_TAX, to_base(amount, rate, base), amount, tax_code=code,
                                  **tags))  # fmt: skip
    postings.append(credit(PAYABLE, to_base(bill["total"], rate, base), bill["total"], **tags))
    return with_rounding(postings, memo_currency=bill["currency"])


async def post_bill(conn: AsyncConnection, *, body: BillCreate, user: str) -> dict[str, Any]:
    supplier = await parties.party_for(conn, kind="supplier", code=body.supplier, field="supplier")
    base = await books.base_currency(conn)
    currency = body.currency or supplier.currency or base
    rate = resolve_rate(currency, body.rate, base=base)
    day = body.date or today()
    if body.due_date is not None and body.due_date < day:
        raise InvalidInput("due_date", f"must not be before the bill date {day}")
    lines = await _priced_lines(conn, body, currency=currency, rate=rate, base=base,
                                supplier=supplier.code, day=day)  # fmt: skip
    subtotal = within(sum((ln["net"] for ln in lines), ZERO), field="lines", what="the subtotal")
    tax_total = sum((ln["tax"] for ln in lines), ZERO)
    total = within(subtotal + tax_total, field="lines", what="the bill total")
    if total <= 0:
        raise InvalidInput("lines", f"the bill must total more than zero {currency}")
    to_base(total, rate, base)
    await books.check_open(conn, day)
    now = dt.datetime.now(dt.UTC)
    header = {"supplier": supplier.code, "number": body.number,
              "number_key": body.number.lower(), "date": day,
              "due_date": body.due_date or parties.terms_due(supplier, day),
              "currency": currency, "rate": rate, "status": "open", "subtotal": subtotal,
              "tax_total": tax_total, "total": total, "paid_amount": ZERO,
              "open_amount": total, "created_at": now, "created_by": user,
              "updated_at": now}  # fmt: skip
    taken = (
        await conn.execute(
            select(bills.c.id).where(
                bills.c.supplier == supplier.code, bills.c.number_key == header["number_key"]
            )
        )
    ).first()
    if taken is not None:
        raise Conflict(
            f"bill {body.number!r} of {supplier.code} was entered already (bill {taken.id})",
            field="number",
        )
    # The entry first: the bill row names it. Its lines are tagged with the bill's id, so the
    # id is drawn before (the row is written with it).
    bill_id = await _next_bill_id(conn, header)
    bill = {**header, "id": bill_id}
    postings = _postings(bill, lines, base)
    entry = await journal.post_entry(
        conn,
        date=day,
        memo=f"bill {body.number} from {supplier.code}"[:500],
        source="bill",
        source_ref=bill_ref(bill_id),
        currency=currency,
        rate=rate,
        lines=postings,
        user=user,
    )
    payable = next(p for p in postings if p.account == PAYABLE)
    await conn.execute(
        bills.update()
        .where(bills.c.id == bill_id)
        .values(entry_id=entry["id"], open_base=payable.credit)
    )
    await conn.execute(bill_lines.insert(), [{**ln, "bill_id": bill_id} for ln in lines])
    for ln in lines:
        if ln["receipt_id"] is not None:
            await receipts.add_billed(
                conn, ln["receipt_id"], quantity=ln["quantity"], value=ln["cleared"]
            )
    result = await get_bill(conn, bill_id=bill_id)
    posted = BillPosted.from_row(result, bill_id=bill_id, lines=await event_lines(conn, lines))
    await publish(conn, f"bill/{bill_id}", posted)
    return result


async def event_lines(conn: AsyncConnection, lines: list[dict[str, Any]]) -> tuple[BillLine, ...]:
    """A bill's or a debit note's lines as they travel: a matched one names its receipt line
    as inventory does (movement and line number), which is how readers of stock events know
    it."""
    ids = [ln["receipt_id"] for ln in lines if ln["receipt_id"] is not None]
    g = goods_receipts.c
    received = {}
    if ids:
        found = await conn.execute(select(g.id, g.movement_id, g.line_no).where(g.id.in_(ids)))
        received = {r.id: (r.movement_id, r.line_no) for r in found}
    travelled = []
    for ln in lines:
        movement_id, line_no = received.get(ln["receipt_id"], (None, None))
        travelled.append(
            BillLine(
                line_no=ln["line_no"],
                sku=ln["sku"],
                quantity=ln["quantity"],
                net=ln["net"],
                tax=ln["tax"],
                tax_code=ln["tax_code"],
                account=ln["account"],
                receipt_movement_id=movement_id,
                receipt_line_no=line_no,
                cleared=ln["cleared"] if movement_id is not None else None,
            )
        )
    return tuple(travelled)


async def _next_bill_id(conn: AsyncConnection, header: dict[str, Any]) -> int:
    """Write the bill's row (its entry is filled in once posted) and return its id. Two
    entries of one supplier's number at once: the second is a 409 naming `number`."""
    try:
        async with conn.begin_nested():
            statement = bills.insert().values(**header, open_base=ZERO, entry_id=None)
            return int((await conn.execute(statement.returning(bills.c.id))).scalar_one())
    except IntegrityError:
        raise Conflict(f"bill {header['number']!r} was entered already", field="number") from None


async def pay_bill(
    conn: AsyncConnection, *, body: SupplierPaymentCreate, user: str
) -> dict[str, Any]:
    bill = (
        await conn.execute(select(bills).where(bills.c.id == body.bill).with_for_update())
    ).first()
    if bill is None:
        raise InvalidInput("bill", f"unknown bill {body.bill}")
    if bill.status == "paid":
        raise Conflict(f"bill {bill.id} is paid", field="bill")
    base = await books.base_currency(conn)
    amount = exact(body.amount, bill.currency, field="amount")
    if amount > bill.open_amount:
        raise InvalidInput(
            "amount",
            f"{amount} exceeds the open amount {bill.open_amount} {bill.currency} of bill"
            f" {bill.id}",
        )
    day = body.date or today()
    if day < bill.date:
        raise InvalidInput("date", f"{day} is before the date of bill {bill.id} ({bill.date})")
    rate = resolve_rate(bill.currency, body.rate or bill.rate, base=base)
    account = await cash_account(conn, body.account, what="bills are paid from one")
    paid = to_base(amount, rate, base)
    relieved = settled_base(amount, open_amount=bill.open_amount, open_base=bill.open_base,
                            rate=bill.rate, base=base)  # fmt: skip
    tags = {"party": bill.supplier, "bill_id": bill.id}
    lines = [debit(PAYABLE, relieved, amount, **tags), credit(account, paid, amount, **tags)]
    if paid != relieved:  # paid more in the base currency than was owed: a loss
        lines.append(debit(EXCHANGE_DIFFERENCE, paid - relieved, ZERO, **tags))
    entry = await journal.post_entry(
        conn,
        date=day,
        memo=f"payment of bill {bill.number} to {bill.supplier}"[:500],
        source="bill-payment",
        source_ref=bill_ref(bill.id),
        currency=bill.currency,
        rate=rate,
        lines=lines,
        user=user,
    )
    payment = {"bill_id": bill.id, "supplier": bill.supplier, "date": day,
               "currency": bill.currency, "rate": rate, "amount": amount, "base_amount": paid,
               "account": account, "entry_id": entry["id"],
               "created_at": dt.datetime.now(dt.UTC), "created_by": user}  # fmt: skip
    payment_id = (
        await conn.execute(
            supplier_payments.insert().values(**payment).returning(supplier_payments.c.id)
        )
    ).scalar_one()
    open_amount = bill.open_amount - amount
    await conn.execute(
        bills.update()
        .where(bills.c.id == bill.id)
        .values(
            paid_amount=bill.paid_amount + amount,
            open_amount=open_amount,
            open_base=bill.open_base - relieved,
            status="paid" if open_amount == 0 else "partially_paid",
            updated_at=dt.datetime.now(dt.UTC),
        )
    )
    result = await get_payment(conn, payment_id=payment_id)
    paid_event = SupplierPaid.from_row(result, payment_id=payment_id, bill_id=bill.id,
                                       open_amount=open_amount)  # fmt: skip
    await publish(conn, f"bill/{bill.id}", paid_event)
    return result


async def get_bill(conn: AsyncConnection, *, bill_id: int) -> dict[str, Any]:
    return await BILLS.get(conn, bill_id)


async def list_bills(
    conn: AsyncConnection,
    *,
    after: Position | None,
    limit: int,
    supplier: str | None,
    status: str | None,
) -> list[dict[str, Any]]:
    c = bills.c
    return await BILLS.newest_first(
        conn,
        after=after,
        limit=limit,
        where=(
            c.supplier == supplier if supplier else None,
            c.status == status if status else None,
        ),
    )


async def get_payment(conn: AsyncConnection, *, payment_id: int) -> dict[str, Any]:
    statement = select(supplier_payments).where(supplier_payments.c.id == payment_id)
    row = (await conn.execute(statement)).first()
    if row is None:
        raise NotFound(f"supplier payment {payment_id} not found")
    data = dict(row._mapping)
    data["bill"] = data.pop("bill_id")
    return data
