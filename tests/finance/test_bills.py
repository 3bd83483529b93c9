"""Procure to pay: goods come in against a purchase order, the supplier's bill clears goods
received not invoiced (a price difference is a variance), payments in the supplier's currency
realise exchange differences, and 2150 always equals the receipts not yet billed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import update

from erp.finance.domain.verify import Mismatch, verify_books
from erp.finance.models import goods_receipts
from erp.platform.calendar import today
from tests.finance.support import Service, dec, problem, published, pump
from tests.finance.test_invoices import add_items, balances


async def supplier(finance: Service, code: str, **fields: Any) -> None:
    await finance.ok("POST", "/suppliers", {"code": code, "name": f"{code} Supplies", **fields})


async def received_against_order(inventory: Service, quantity: str) -> dict[str, Any]:
    """Warehouse MAIN, item W-1, an approved order of 10 at 4.00 from SUP; `quantity` of it
    received (at the order's price)."""
    await inventory.ok("POST", "/warehouses", {"code": "MAIN", "name": "Main"}, role="warehouse")
    await add_items(inventory, "W-1")
    order = {"supplier": "SUP", "lines": [{"sku": "W-1", "warehouse": "MAIN", "quantity": "10",
                                           "unit_price": "4.00"}]}  # fmt: skip
    made = await inventory.ok("POST", "/purchase-orders", order, role="warehouse")
    await inventory.ok("POST", f"/purchase-orders/{made['id']}/approve", role="warehouse")
    line = {"sku": "W-1", "quantity": quantity,
            "purchase_order_line": {"order_id": made["id"], "line_no": 1}}  # fmt: skip
    receipt = {"type": "receipt", "warehouse": "MAIN", "lines": [line]}
    moved: dict[str, Any] = await inventory.ok("POST", "/movements", receipt, role="warehouse")
    return moved


async def mismatches(finance: Service) -> list[Mismatch]:
    async with finance.db.read() as conn:
        return (await verify_books(conn))[1]


def bill(supplier: str, number: str, *lines: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"supplier": supplier, "number": number, "lines": list(lines), **extra}


async def unbilled(finance: Service, **params: str) -> dict[str, Any]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    result: dict[str, Any] = await finance.ok("GET", f"/goods-receipts?{query}")
    return result


async def test_bills_clear_grni_and_payments_in_another_currency_realise_fx(
    finance: Service, inventory: Service
) -> None:
    await supplier(finance, "SUP", currency="EUR", terms_days=30)
    await received_against_order(inventory, "6")
    await pump(inventory, finance)
    (receipt,) = (await unbilled(finance))["rows"]
    assert (receipt["supplier"], receipt["unbilled_quantity"]) == ("SUP", "6.0000")
    assert dec(receipt["unbilled_value"]) == Decimal("24")
    assert (await balances(finance))["2150"] == Decimal("24")

    # Four of the six, at the ordered price but in euros at 1.10: 16.00 of GRNI is cleared,
    # the 1.60 the euros cost more is a purchase price variance; 10% input tax.
    line = {"receipt": receipt["id"], "quantity": "4", "unit_price": "4.00", "tax_rate": "10"}
    first = await finance.ok("POST", "/bills", bill("sup", "A-1", line, rate="1.10"))
    assert (first["supplier"], first["currency"], first["total"]) == ("SUP", "EUR", "17.6000")
    assert first["due_date"] == str(today() + dt.timedelta(days=30))
    assert first["lines"][0]["cleared"] == "16.0000" and first["lines"][0]["sku"] == "W-1"
    books = await balances(finance)
    assert books["2150"] == Decimal("8") and books["5200"] == Decimal("1.60")
    assert books["1400"] == Decimal("1.76") and books["2100"] == Decimal("19.36")
    left = await unbilled(finance)
    assert left["total_unbilled"] == "8.0000" and left["rows"][0]["unbilled_quantity"] == "2.0000"
    before_bill = await unbilled(finance, as_of=str(today() - dt.timedelta(days=1)))
    assert before_bill["rows"] == []  # nothing had come in yet

    # Paid in two parts at 1.20: each pays more dollars than the payable held, a loss.
    pay = {"bill": first["id"], "amount": "10.00", "rate": "1.20"}
    paid = await finance.ok("POST", "/supplier-payments", pay)
    assert (paid["base_amount"], paid["supplier"]) == ("12.0000", "SUP")
    assert (await balances(finance))["7100"] == Decimal("1.00")
    problem(await finance.post("/supplier-payments", {**pay, "amount": "7.61"}), 422, "amount")
    await finance.ok("POST", "/supplier-payments", {**pay, "amount": "7.60"})
    books = await balances(finance)
    assert "2100" not in books and books["7100"] == Decimal("1.76")  # 1.00 + (9.12 - 8.36)
    assert (await finance.ok("GET", f"/bills/{first['id']}"))["status"] == "paid"

    # The last two units clear exactly what is left of the receipt, whatever the rounding.
    rest = {"receipt": receipt["id"], "quantity": "2", "unit_price": "3.00"}
    await finance.ok("POST", "/bills", bill("SUP", "A-2", rest, rate="1.10"))
    books = await balances(finance)
    assert "2150" not in books and books["5200"] == Decimal("1.60") - Decimal("1.40")
    assert (await unbilled(finance))["rows"] == []
    posted = await published(finance, "finance.bill-posted")
    assert [e["number"] for e in posted] == ["A-1", "A-2"]
    assert len(await published(finance, "finance.supplier-paid")) == 2

    # `erp finance verify` holds GRNI to the receipts and each bill to its payable lines.
    assert await mismatches(finance) == []
    async with finance.db.transaction() as conn:
        await conn.execute(update(goods_receipts).values(billed_value=0))
    (wrong,) = await mismatches(finance)
    assert wrong.what == "account 2150" and wrong.recomputed == Decimal("24")


async def test_expense_bills_and_ap_aging_by_due_date(finance: Service) -> None:
    await supplier(finance, "LANDLORD", terms_days=0)
    await supplier(finance, "POWER", terms_days=30)
    month_ago = today() - dt.timedelta(days=40)
    rent = {"account": "6100", "description": "office rent", "quantity": "1", "unit_price": "500"}
    await finance.ok("POST", "/bills", bill("LANDLORD", "R-1", rent, date=str(month_ago)))
    utilities = {"code": "6300", "name": "Utilities", "type": "expense", "parent": "6000"}
    await finance.ok("POST", "/accounts", utilities)
    power = {"account": "6300", "quantity": "1", "unit_price": "80", "tax_rate": "20"}
    await finance.ok("POST", "/bills", bill("POWER", "P-1", power))
    books = await balances(finance)
    assert books["6100"] == Decimal("500") and books["2100"] == Decimal("596")
    aging = await finance.ok("GET", "/ap-aging")
    rows = {r["supplier"]: r for r in aging["rows"]}
    assert rows["LANDLORD"]["31-60"] == "500.0000" and rows["POWER"]["current"] == "96.0000"
    assert aging["totals"]["total"] == "596.0000"
    earlier = await finance.ok("GET", f"/ap-aging?as_of={month_ago - dt.timedelta(days=1)}")
    assert earlier["rows"] == []
    statement = await finance.ok("GET", "/suppliers/power/statement")
    assert (statement["supplier"], statement["name"]) == ("POWER", "POWER Supplies")
    assert statement["closing_balance"] == "96.0000" and statement["lines"][0]["balance"] == (
        "96.0000"
    )
    (open_bill,) = statement["open_bills"]
    assert open_bill["due_date"] == str(today() + dt.timedelta(days=30))
    problem(await finance.get("/suppliers/NOBODY/statement"), 404)


async def test_bad_bills_name_the_field_and_write_nothing(
    finance: Service, inventory: Service
) -> None:
    await supplier(finance, "SUP")
    await supplier(finance, "OTHER")
    await received_against_order(inventory, "6")
    await pump(inventory, finance)
    (receipt,) = (await unbilled(finance))["rows"]
    line = {"receipt": receipt["id"], "quantity": "4", "unit_price": "4.00"}
    await finance.ok("POST", "/bills", bill("SUP", "B-1", line))
    before = await finance.snapshot()
    cases = [
        (bill("NOBODY", "X", line), 422, "supplier"),
        (bill("SUP", "X", {**line, "receipt": 999}), 422, "lines.0.receipt"),
        (bill("SUP", "X", {**line, "quantity": "3"}), 422, "lines.0.quantity"),
        (bill("SUP", "X", {**line, "quantity": "2"}, {**line, "quantity": "1"}), 422,
         "lines.1.quantity"),
        (bill("OTHER", "X", {**line, "quantity": "1"}), 422, "lines.0.receipt"),
        (bill("SUP", "b-1", {**line, "quantity": "1"}), 409, "number"),
        (bill("SUP", "X", {"quantity": "1", "unit_price": "5"}), 422, "lines.0.account"),
        (bill("SUP", "X", {"account": "1300", "quantity": "1", "unit_price": "5"}), 422,
         "lines.0.account"),
        (bill("SUP", "X", {"account": "6000", "quantity": "1", "unit_price": "5"}), 422,
         "lines.0.account"),
        (bill("SUP", "X", {**line, "quantity": "1"}, date=str(today() - dt.timedelta(days=1))),
         422, "date"),
        (bill("SUP", "X", {**line, "quantity": "1"}, due_date="2000-01-01"), 422, "due_date"),
    ]  # fmt: skip
    for body, status, field in cases:
        problem(await finance.post("/bills", body), status, field)
    problem(await finance.post("/supplier-payments", {"bill": 999, "amount": "1"}), 422, "bill")
    problem(await finance.post("/bills", bill("SUP", "X", line), role="viewer"), 403)
    assert await finance.snapshot() == before
