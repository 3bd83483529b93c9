"""Supplier returns and debit notes: goods returned after billing leave GRNI negative for their
receipt until the supplier's credit arrives; the debit note clears it, reduces the payable and
the input tax, and the books still verify. Bad debit notes name the field and write nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from erp.platform.calendar import today
from tests.finance.support import Service, dec, problem, published, pump
from tests.finance.test_bills import (
    bill,
    mismatches,
    received_against_order,
    supplier,
    unbilled,
)
from tests.finance.test_invoices import balances


async def billed_then_returned(finance: Service, inventory: Service) -> tuple[dict[str, Any], ...]:
    """6 of W-1 received at 4.00 against SUP's order, billed at 5.00 with 10% tax (GRNI 24
    cleared, variance 6, tax 3, payable 33), then 2 returned to the supplier."""
    await supplier(finance, "SUP", terms_days=30)
    moved = await received_against_order(inventory, "6")
    await pump(inventory, finance)
    (receipt,) = (await unbilled(finance))["rows"]
    line = {"receipt": receipt["id"], "quantity": "6", "unit_price": "5.00", "tax_rate": "10"}
    posted = await finance.ok("POST", "/bills", bill("SUP", "B-1", line))
    back = {"reason": "damaged", "lines": [{"line_no": 0, "quantity": "2"}]}
    returned = await inventory.ok(
        "POST", f"/movements/{moved['id']}/return", back, role="warehouse"
    )
    await pump(inventory, finance)
    return receipt, posted, returned


async def test_a_return_after_billing_awaits_the_debit_note_that_clears_it(
    finance: Service, inventory: Service
) -> None:
    receipt, posted, _ = await billed_then_returned(finance, inventory)
    # The return took 8.00 (2 at the receipt's 4.00) off inventory and out of GRNI: the
    # receipt has -2 left to bill until the supplier credits them.
    books = await balances(finance)
    assert books["2150"] == Decimal("-8") and books["1300"] == Decimal("16")
    (row,) = (await unbilled(finance))["rows"]
    assert (row["id"], dec(row["received_quantity"]), dec(row["unbilled_quantity"])) == (
        receipt["id"], Decimal("4"), Decimal("-2"),
    )  # fmt: skip
    assert dec(row["unbilled_value"]) == Decimal("-8")
    assert await mismatches(finance) == []

    credit = {"number": "CN-1", "lines": [{"bill_line": 1, "quantity": "2"}]}
    note = await finance.ok("POST", f"/bills/{posted['id']}/debit-notes", credit)
    assert (note["bill"], note["supplier"], dec(note["total"])) == (posted["id"], "SUP", 11)
    (credited,) = note["lines"]
    assert (dec(credited["net"]), dec(credited["tax"]), dec(credited["cleared"])) == (10, 1, 8)
    books = await balances(finance)
    assert "2150" not in books  # back to zero
    assert books["2100"] == Decimal("22") and books["1400"] == Decimal("2")
    assert books["5200"] == Decimal("4")  # the variance on the 4 units kept
    assert (await unbilled(finance))["rows"] == []
    got = await finance.ok("GET", f"/bills/{posted['id']}")
    assert (dec(got["open_amount"]), got["status"]) == (Decimal("22"), "open")
    assert await mismatches(finance) == []
    (event,) = await published(finance, "finance.debit-note-posted")
    assert (event["bill_id"], event["number"], event["open_amount"]) == (
        posted["id"], "CN-1", "22.0000",
    )  # fmt: skip
    assert await finance.ok("GET", f"/debit-notes/{note['id']}") == note

    # The rest credited in full after a payment: exactly what is left of the line.
    await finance.ok("POST", "/supplier-payments", {"bill": posted["id"], "amount": "11.00"})
    rest = {"number": "CN-2", "lines": [{"bill_line": 1, "quantity": "2"}]}
    second = await finance.ok("POST", f"/bills/{posted['id']}/debit-notes", rest)
    assert dec(second["total"]) == 11
    got = await finance.ok("GET", f"/bills/{posted['id']}")
    assert (dec(got["open_amount"]), got["status"]) == (Decimal("0"), "paid")
    # The bill's four units, less two credited: two left billed against four received.
    (row,) = (await unbilled(finance))["rows"]
    assert (dec(row["unbilled_quantity"]), dec(row["unbilled_value"])) == (2, 8)
    assert (await balances(finance))["2150"] == Decimal("8")
    assert await mismatches(finance) == []


async def test_bad_debit_notes_name_the_field_and_write_nothing(
    finance: Service, inventory: Service
) -> None:
    _, posted, _ = await billed_then_returned(finance, inventory)
    path = f"/bills/{posted['id']}/debit-notes"
    await finance.ok("POST", path, {"number": "CN-1", "lines": [{"bill_line": 1, "quantity": "1"}]})
    await finance.ok("POST", "/supplier-payments", {"bill": posted["id"], "amount": "25.00"})
    before = await finance.snapshot()

    def note(*lines: tuple[int, str], **extra: Any) -> dict[str, Any]:
        body = [{"bill_line": n, "quantity": q} for n, q in lines]
        return {"number": "CN-9", "lines": body, **extra}

    yesterday = str(today() - dt.timedelta(days=1))
    cases = [
        (note((1, "5.0001")), 422, "lines.0.quantity"),  # 6 billed, 1 credited already
        (note((1, "3"), (1, "3")), 422, "lines.1.quantity"),
        (note((2, "1")), 422, "lines.0.bill_line"),
        (note((1, "0")), 422, "lines.0.quantity"),
        (note((1, "2")), 422, "lines"),  # 11.00 when the bill owes 2.50
        (note((1, "1"), date=yesterday), 422, "date"),
        (note((1, "0.1"), number="cn-1"), 409, "number"),
    ]
    for body, status, field in cases:
        problem(await finance.post(path, body), status, field)
    problem(await finance.post("/bills/999/debit-notes", note((1, "1"))), 404)
    problem(await finance.post(path, note((1, "0.1")), role="viewer"), 403)
    assert await finance.snapshot() == before
    assert await mismatches(finance) == []
