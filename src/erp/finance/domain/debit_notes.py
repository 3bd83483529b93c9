"""Debit notes: a supplier's credit against one of their bills.

Each credited bill line gives back its share of what the bill posted, at the bill's rate: the
payable (2100, tagged with the bill, so its open amount goes down), the GRNI the line cleared
(2150, pro rata to the quantity, so goods returned after billing leave 2150 at zero again),
the price variance (5200) as the bill booked it, an expense line's account, and the input
tax (1400). The last credit of a line takes exactly what is left of it. A debit note may not
credit more than the bill still owes: a supplier's refund of a paid bill is not recorded here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.contracts.finance import DebitNotePosted
from erp.finance.domain import books, journal, receipts
from erp.finance.domain.bills import bill_ref, event_lines
from erp.finance.domain.chart import GOODS_RECEIVED_NOT_INVOICED, INPUT_TAX, PAYABLE, PRICE_VARIANCE
from erp.finance.domain.journal import Posting, credit, debit, with_rounding
from erp.finance.domain.money import ZERO, money, settled_base, to_base, within
from erp.finance.domain.publish import publish
from erp.finance.models import bill_lines, bills, debit_note_lines, debit_notes, goods_receipts
from erp.finance.schemas.debit_notes import DebitNoteCreate
from erp.platform.calendar import today
from erp.platform.errors import Conflict, InvalidInput, NotFound
from erp.platform.listing import Documents

DEBIT_NOTES = Documents(
    noun="debit note",
    headers=debit_notes,
    lines=debit_note_lines,
    owner="debit_note_id",
    line_fields=(
        "line_no", "bill_line", "receipt_id", "account", "quantity", "net", "tax", "cleared",
        "tax_code",
    ),
    hidden=("number_key",),
)  # fmt: skip

Left = dict[int, list[Decimal]]  # bill line_no -> [quantity, net, tax, cleared] not credited


async def _left_to_credit(conn: AsyncConnection, bill_id: int) -> tuple[dict[int, Any], Left]:
    """The bill's lines by line_no, and what each has left to credit."""
    lines = {
        r.line_no: r
        for r in await conn.execute(select(bill_lines).where(bill_lines.c.bill_id == bill_id))
    }
    d = debit_note_lines.c
    done = {
        r.bill_line: r
        for r in await conn.execute(
            select(
                d.bill_line,
                func.sum(d.quantity).label("quantity"),
                func.sum(d.net).label("net"),
                func.sum(d.tax).label("tax"),
                func.sum(d.cleared).label("cleared"),
            )
            .where(d.bill_id == bill_id)
            .group_by(d.bill_line)
        )
    }
    left: Left = {}
    for no, ln in lines.items():
        got = done.get(no)
        credited = [Decimal(got.quantity), Decimal(got.net), Decimal(got.tax),
                    Decimal(got.cleared)] if got else [ZERO] * 4  # fmt: skip
        left[no] = [a - b for a, b in zip((ln.quantity, ln.net, ln.tax, ln.cleared), credited,
                                          strict=True)]  # fmt: skip
    return lines, left


def _credited_lines(
    body: DebitNoteCreate, lines: dict[int, Any], left: Left, *, currency: str, base: str
) -> list[dict[str, Any]]:
    result = []
    for i, want in enumerate(body.lines):
        field = f"lines.{i}"
        ln = lines.get(want.bill_line)
        if ln is None:
            raise InvalidInput(f"{field}.bill_line", f"the bill has no line {want.bill_line}")
        quantity, net, tax, cleared = rest = left[want.bill_line]
        if want.quantity > quantity:
            raise InvalidInput(
                f"{field}.quantity",
                f"{want.quantity} exceeds what line {want.bill_line} has left to credit"
                f" ({quantity}: billed {ln.quantity}, credited {ln.quantity - quantity})",
            )
        if want.quantity != quantity:  # pro rata; the last credit takes exactly the rest
            share = want.quantity / quantity
            net, tax = money(net * share, currency), money(tax * share, currency)
            cleared = money(cleared * share, base)
        for k, taken in enumerate((want.quantity, net, tax, cleared)):
            rest[k] -= taken  # a second line on the same bill line sees it
        result.append({"line_no": i + 1, "bill_line": ln.line_no, "receipt_id": ln.receipt_id,
                       "account": ln.account, "quantity": want.quantity, "net": net, "tax": tax,
                       "cleared": cleared, "tax_code": ln.tax_code, "sku": ln.sku})  # fmt: skip
    return result


def _postings(bill: Any, lines: list[dict[str, Any]], base_total: Decimal, total: Decimal,
              base: str) -> list[Posting]:  # fmt: skip
    rate, tags = bill.rate, {"party": bill.supplier, "bill_id": bill.id}
    postings = [debit(PAYABLE, base_total, total, **tags)]
    taxes: dict[str | None, Decimal] = {}
    for ln in lines:
        net_base, code = to_base(ln["net"], rate, base), ln["tax_code"]
        if ln["tax"] or code is not None:
            taxes[code] = taxes.get(code, ZERO) + ln["tax"]
        if ln["receipt_id"] is None:
            postings.append(credit(ln["account"], net_base, ln["net"], tax_code=code,
                                   field=f"lines.{ln['line_no'] - 1}", **tags))  # fmt: skip
            continue
        postings.append(credit(GOODS_RECEIVED_NOT_INVOICED, ln["cleared"], ln["net"],
                               sku=ln["sku"], tax_code=code, **tags))  # fmt: skip
        if net_base != ln["cleared"]:  # the variance the bill booked, credited back
            postings.append(credit(PRICE_VARIANCE, net_base - ln["cleared"], ZERO,
                                   sku=ln["sku"], tax_code=code, **tags))  # fmt: skip
    for code, amount in taxes.items():
        if amount:
            postings.append(credit(INPUT_TAX, to_base(amount, rate, base), amount, tax_code=code,
                                   **tags))  # fmt: skip
    return with_rounding(postings, memo_currency=bill.currency)


async def post_debit_note(
    conn: AsyncConnection, *, bill_id: int, body: DebitNoteCreate, user: str
) -> dict[str, Any]:
    bill = (
        await conn.execute(select(bills).where(bills.c.id == bill_id).with_for_update())
    ).first()
    if bill is None:
        raise NotFound(f"bill {bill_id} not found")
    day = body.date or today()
    if day < bill.date:
        raise InvalidInput("date", f"{day} is before the date of bill {bill.id} ({bill.date})")
    base = await books.base_currency(conn)
    lines, left = await _left_to_credit(conn, bill.id)
    credited = _credited_lines(body, lines, left, currency=bill.currency, base=base)
    subtotal = within(sum((ln["net"] for ln in credited), ZERO), field="lines")
    tax_total = sum((ln["tax"] for ln in credited), ZERO)
    total = subtotal + tax_total
    if total > bill.open_amount:
        raise InvalidInput(
            "lines",
            f"the debit note ({total} {bill.currency}) exceeds what bill {bill.id} still owes"
            f" ({bill.open_amount})",
        )
    await books.check_open(conn, day)
    number_key = body.number.lower()
    taken = (
        await conn.execute(
            select(debit_notes.c.id).where(
                debit_notes.c.supplier == bill.supplier, debit_notes.c.number_key == number_key
            )
        )
    ).first()
    if taken is not None:
        raise Conflict(
            f"credit note {body.number!r} of {bill.supplier} was entered already (debit note"
            f" {taken.id})",
            field="number",
        )
    base_total = settled_base(total, open_amount=bill.open_amount, open_base=bill.open_base,
                              rate=bill.rate, base=base)  # fmt: skip
    entry = await journal.post_entry(
        conn,
        date=day,
        memo=f"credit note {body.number} from {bill.supplier} on bill {bill.number}"[:500],
        source="debit-note",
        source_ref=bill_ref(bill.id),
        currency=bill.currency,
        rate=bill.rate,
        lines=_postings(bill, credited, base_total, total, base),
        user=user,
    )
    header = {"bill_id": bill.id, "supplier": bill.supplier, "number": body.number,
              "number_key": number_key, "date": day, "currency": bill.currency,
              "rate": bill.rate, "subtotal": subtotal, "tax_total": tax_total, "total": total,
              "base_total": base_total, "entry_id": entry["id"],
              "created_at": dt.datetime.now(dt.UTC), "created_by": user}  # fmt: skip
    note_id = await _insert(conn, header)
    await conn.execute(
        debit_note_lines.insert(),
        [
            {
                **{k: v for k, v in ln.items() if k != "sku"},
                "debit_note_id": note_id,
                "bill_id": bill.id,
            }
            for ln in credited
        ],
    )
    await _unbill(conn, credited)
    open_amount = bill.open_amount - total
    await conn.execute(
        bills.update()
        .where(bills.c.id == bill.id)
        .values(
            open_amount=open_amount,
            open_base=bill.open_base - base_total,
            # Nothing left to pay is `paid`, whether payments or credits settled it.
            status="paid" if open_amount == 0 else bill.status,
            updated_at=dt.datetime.now(dt.UTC),
        )
    )
    result = await get_debit_note(conn, debit_note_id=note_id)
    posted = DebitNotePosted.from_row(
        result, open_amount=open_amount, lines=await event_lines(conn, credited)
    )
    await publish(conn, f"bill/{bill.id}", posted)
    return result


async def _insert(conn: AsyncConnection, header: dict[str, Any]) -> int:
    """The debit note's row; the same number entered twice at once is a 409 naming it."""
    try:
        async with conn.begin_nested():
            statement = debit_notes.insert().values(**header).returning(debit_notes.c.id)
            return int((await conn.execute(statement)).scalar_one())
    except IntegrityError:
        raise Conflict(f"credit note {header['number']!r} was entered already",
                       field="number") from None  # fmt: skip


async def _unbill(conn: AsyncConnection, credited: list[dict[str, Any]]) -> None:
    """Take the credited quantity and GRNI off the receipts' billed figures (locked, in id
    order, as bills lock them), so 2150 keeps equal to the receipts not billed."""
    ids = sorted({ln["receipt_id"] for ln in credited if ln["receipt_id"] is not None})
    if not ids:
        return
    g = goods_receipts.c
    await conn.execute(select(g.id).where(g.id.in_(ids)).order_by(g.id).with_for_update())
    for ln in credited:
        if ln["receipt_id"] is not None:
            await receipts.add_billed(
                conn, ln["receipt_id"], quantity=-ln["quantity"], value=-ln["cleared"]
            )


async def get_debit_note(conn: AsyncConnection, *, debit_note_id: int) -> dict[str, Any]:
    data = await DEBIT_NOTES.get(conn, debit_note_id)
    data["bill"] = data.pop("bill_id")
    return data
