"""Reporting, fed the events finance and inventory publish, gives finance's own figures: the
tax report per code, and the goods received not invoiced line by line, whose total is 2150 in
reporting's trial balance too."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from erp.platform.calendar import today
from tests.finance.support import Service, dec, pump
from tests.finance.test_bills import bill, received_against_order, supplier, unbilled
from tests.finance.test_invoices import invoice_body, issue, setup_stock
from tests.finance.test_tax import CODES


async def both_tax_reports(finance: Service, reporting: Service, start: str, end: str) -> Any:
    """Finance's and reporting's tax reports of the range, as (kind, code) → (taxable, tax)
    and (output, input, net due)."""
    theirs = await finance.ok("GET", f"/tax-report?from={start}&to={end}")
    ours = await reporting.ok("GET", f"/reports/tax?from={start}&to={end}")
    found = []
    for body, totals in ((theirs, theirs), (ours, ours["totals"])):
        rows = {(r["kind"], r["code"]): (dec(r["taxable"]), dec(r["tax"])) for r in body["rows"]}
        sums = tuple(dec(totals[k]) for k in ("output_tax", "input_tax", "net_due"))
        found.append((rows, sums))
    return found


async def test_reporting_tax_report_gives_finance_figures(
    finance: Service, inventory: Service, reporting: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "4.00"))
    for code in CODES:
        await finance.ok("POST", "/tax-codes", code)
    await supplier(finance, "LANDLORD")
    body = invoice_body(("W-1", "1", "100.00", "0"), ("W-1", "2", "25.50", "0"))
    body["lines"][0]["tax_code"] = "VAT20"
    body["lines"][0].pop("tax_rate")
    body["lines"][1]["tax_code"] = "ZERO"
    draft = await finance.ok("POST", "/invoices", body)
    await issue(finance, draft["id"])
    await pump(finance, inventory, reporting)
    rent = {"account": "6100", "quantity": "1", "unit_price": "200", "tax_rate": "20"}
    coded = {**rent, "unit_price": "33.33", "tax_code": "IVAT20"}
    coded.pop("tax_rate")
    await finance.ok("POST", "/bills", bill("LANDLORD", "R1", rent, coded))
    await pump(finance, inventory, reporting)

    day = str(today())
    theirs, ours = await both_tax_reports(finance, reporting, day, day)
    assert ours == theirs
    rows, sums = ours
    assert rows[("output", "VAT20")] == (Decimal(100), Decimal(20))
    assert rows[("input", "IVAT20")] == (Decimal("33.33"), Decimal("6.67"))
    assert rows[("input", None)] == (Decimal(0), Decimal(40))  # tax posted without a code
    assert sums == (Decimal(20), Decimal("46.67"), Decimal("-26.67"))

    # A void posts the mirror, tags and all: both reports net the sale out of its period.
    await finance.ok("POST", f"/invoices/{draft['id']}/void", {"reason": "wrong customer"})
    await pump(finance, inventory, reporting)
    theirs, ours = await both_tax_reports(finance, reporting, day, day)
    assert ours == theirs and ours[0][("output", "VAT20")] == (0, 0)
    assert await both_tax_reports(finance, reporting, "2020-01-01", "2020-12-31") == [
        ({}, (0, 0, 0)),
        ({}, (0, 0, 0)),
    ]


async def agreed_grni(finance: Service, reporting: Service) -> Decimal:
    """Reporting's unbilled receipts, line by line and in total, are finance's; the total is
    reporting's 2150 balance. Returns it."""
    theirs = await unbilled(finance)
    ours = await reporting.ok("GET", "/reports/unbilled-receipts")
    assert [
        (r["supplier"], r["sku"], dec(r["unbilled_quantity"]), dec(r["unbilled_value"]))
        for r in ours["rows"]
    ] == [
        (r["supplier"], r["sku"], dec(r["unbilled_quantity"]), dec(r["unbilled_value"]))
        for r in theirs["rows"]
    ]
    total = dec(ours["totals"]["unbilled_value"])
    assert total == dec(theirs["total_unbilled"])
    ledger = await reporting.ok("GET", "/reports/trial-balance")
    grni = next(r for r in ledger["rows"] if r["account"] == "2150")
    assert dec(grni["credit"]) - dec(grni["debit"]) == total
    return total


async def test_reporting_unbilled_receipts_give_finance_grni_and_2150(
    finance: Service, inventory: Service, reporting: Service
) -> None:
    await supplier(finance, "SUP")
    await received_against_order(inventory, "6")
    await pump(inventory, finance, reporting)
    (receipt,) = (await unbilled(finance))["rows"]
    line = {"receipt": receipt["id"], "quantity": "4", "unit_price": "4.10", "tax_rate": "10"}
    posted = await finance.ok("POST", "/bills", bill("SUP", "A-1", line))
    await pump(inventory, finance, reporting)
    assert await agreed_grni(finance, reporting) == Decimal(8)
    # The supplier credits one of the four billed: that one is unbilled again in both.
    note = {"number": "CN-1", "lines": [{"bill_line": 1, "quantity": "1"}]}
    await finance.ok("POST", f"/bills/{posted['id']}/debit-notes", note)
    await pump(inventory, finance, reporting)
    assert await agreed_grni(finance, reporting) == Decimal(12)

    purchases = await reporting.ok("GET", "/reports/purchases?group_by=supplier,item")
    rows = purchases["rows"]
    bought = [(r["supplier"], r["item"], dec(r["quantity"]), dec(r["amount"])) for r in rows]
    assert bought == [("SUP", "W-1", Decimal(3), Decimal("12.30"))]  # four billed, one credited
