"""Tax codes on invoice and bill lines, and the tax report: output and input tax per code and
period from the journal, so a void counts in the period it is dated."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from erp.platform.calendar import today
from tests.finance.support import Service, dec, problem, pump
from tests.finance.test_invoices import invoice_body, issue, setup_stock

CODES = (
    {"code": "VAT20", "name": "Standard rate", "kind": "output", "rate": "20"},
    {"code": "ZERO", "name": "Zero-rated exports", "kind": "output", "treatment": "zero"},
    {"code": "EXEMPT", "name": "Exempt", "kind": "output", "treatment": "exempt"},
    {"code": "IVAT20", "name": "Input standard rate", "kind": "input", "rate": "20"},
)


async def report(finance: Service, **dates: str) -> dict[str, Any]:
    query = "&".join(f"{k}={v}" for k, v in dates.items())
    result: dict[str, Any] = await finance.ok("GET", f"/tax-report?{query}")
    return result


def by_code(found: dict[str, Any]) -> dict[str | None, tuple[Decimal, Decimal]]:
    return {r["code"]: (dec(r["taxable"]), dec(r["tax"])) for r in found["rows"]}


async def test_the_tax_report_sums_output_and_input_tax_per_code(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "4.00"))
    for code in CODES:
        await finance.ok("POST", "/tax-codes", code)
    await finance.ok("POST", "/suppliers", {"code": "LANDLORD", "name": "Landlord"})
    body = invoice_body(("W-1", "1", "100.00", "0"), ("W-1", "1", "50.00", "0"))
    body["lines"][0]["tax_code"] = "VAT20"
    body["lines"][0].pop("tax_rate")
    body["lines"][1]["tax_code"] = "ZERO"
    draft = await finance.ok("POST", "/invoices", body)
    assert draft["tax_total"] == "20.0000" and draft["lines"][0]["tax_rate"] == "20.0000"
    assert [ln["tax_code"] for ln in draft["lines"]] == ["VAT20", "ZERO"]
    await issue(finance, draft["id"])
    await pump(finance, inventory)
    rent = {"account": "6100", "quantity": "1", "unit_price": "200", "tax_code": "IVAT20"}
    await finance.ok("POST", "/bills", {"supplier": "LANDLORD", "number": "R1", "lines": [rent]})

    month = {"from": str(today().replace(day=1)), "to": str(today())}
    found = await report(finance, **month)
    assert by_code(found) == {
        "VAT20": (Decimal(100), Decimal(20)),
        "ZERO": (Decimal(50), Decimal(0)),
        "IVAT20": (Decimal(200), Decimal(40)),
    }
    assert [r["kind"] for r in found["rows"]] == ["output", "output", "input"]
    assert (dec(found["output_tax"]), dec(found["input_tax"])) == (Decimal(20), Decimal(40))
    assert dec(found["net_due"]) == Decimal(-20)  # to reclaim
    # The tax report's output tax is what sales tax payable holds for the period.
    tb = await finance.ok("GET", "/trial-balance")
    assert {r["account"]: dec(r["balance"]) for r in tb["rows"]}["2200"] == Decimal(20)

    # A void posts the mirror, tags and all: the sale leaves the period it is dated in.
    await finance.ok("POST", f"/invoices/{draft['id']}/void", {"reason": "wrong customer"})
    after = by_code(await report(finance, **month))
    assert after["VAT20"] == (Decimal(0), Decimal(0)) and after["ZERO"] == (0, 0)
    before = await report(finance, **{"from": "2020-01-01", "to": "2020-12-31"})
    assert before["rows"] == [] and dec(before["net_due"]) == 0


async def test_bad_tax_codes_name_the_field_and_write_nothing(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "4.00"))
    for code in CODES:
        await finance.ok("POST", "/tax-codes", code)
    await finance.patch("/tax-codes/EXEMPT", {"active": False})
    before = await finance.snapshot()

    def line(**tax: str) -> dict[str, Any]:
        body = invoice_body(("W-1", "1", "10.00", "0"))
        body["lines"][0].pop("tax_rate")
        body["lines"][0].update(tax)
        return body

    problem(await finance.post("/invoices", line(tax_code="NOPE")), 422, "lines.0.tax_code")
    problem(await finance.post("/invoices", line(tax_code="IVAT20")), 422, "lines.0.tax_code")
    problem(await finance.post("/invoices", line(tax_code="EXEMPT")), 422, "inactive")
    mismatch = line(tax_code="VAT20", tax_rate="10")
    problem(await finance.post("/invoices", mismatch), 422, "lines.0.tax_code", "20")
    problem(await finance.post("/tax-codes", CODES[0]), 409, "code")
    no_rate = {"code": "X", "name": "x", "kind": "output"}
    problem(await finance.post("/tax-codes", no_rate), 422, "rate")
    problem(await finance.post("/tax-codes", {**no_rate, "treatment": "zero", "rate": "5"}), 422,
            "rate")  # fmt: skip
    problem(await finance.post("/tax-codes", {**no_rate, "kind": "sales"}), 422, "kind")
    problem(await finance.get(f"/tax-report?from={today()}&to={today() - dt.timedelta(1)}"), 422,
            "from")  # fmt: skip
    assert await finance.snapshot() == before
