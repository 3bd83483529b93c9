"""Customers and suppliers: codes without regard to case, terms that set due dates, credit
limits that stop an issue unless someone says why, and aging by days past due."""

from __future__ import annotations

import datetime as dt
from typing import Any

from erp.platform.calendar import today
from tests.finance.support import Service, problem, published, pump
from tests.finance.test_invoices import back_dating_bin, invoice_body, issue, setup_stock


def customer(code: str, **fields: Any) -> dict[str, Any]:
    return {"code": code, "name": f"{code} Trading", **fields}


async def test_codes_are_unique_without_regard_to_case_and_documents_keep_the_own_code(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "1.00"))
    made = await finance.ok("POST", "/customers", customer("Delta", tax_id="DE811", terms_days=14))
    assert (made["code"], made["terms_days"], made["terms_basis"]) == ("Delta", 14, "net")
    assert made["credit_limit"] is None and made["active"] is True
    problem(await finance.post("/customers", customer("DELTA")), 409, "code", "Delta")
    # A supplier may share a customer's code: they are different books.
    await finance.ok("POST", "/suppliers", customer("delta"))
    assert (await finance.ok("GET", "/customers/dElTa"))["code"] == "Delta"
    assert (await finance.ok("GET", "/suppliers/DELTA"))["code"] == "delta"

    body = invoice_body(("W-1", "1", "5.00", "0"), date="2026-03-10")
    draft = await finance.ok("POST", "/invoices", {**body, "customer": "delta"})
    assert draft["customer"] == "Delta" and draft["due_date"] == "2026-03-24"
    found = await finance.ok("GET", "/customers?search=elt")
    assert [p["code"] for p in found["items"]] == ["Delta"]
    assert [e["code"] for e in await published(finance, "finance.party-changed")][-2:] == [
        "Delta",
        "delta",
    ]


async def test_bad_input_names_the_field_and_writes_nothing(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "1.00"))
    before = await finance.snapshot()
    problem(await finance.post("/customers", customer("X", currency="XXX")), 422, "currency")
    problem(await finance.post("/suppliers", customer("S", credit_limit="10")), 422, "credit_limit")
    problem(await finance.post("/customers", customer("X", credit_limit="10.001")), 422, "credit")
    problem(await finance.post("/customers", customer("bad code")), 422, "code")
    problem(await finance.post("/customers", customer("X", terms_basis="weekly")), 422, "terms")
    problem(await finance.post("/customers", customer("X", terms_days=-1)), 422, "terms_days")
    unknown = {**invoice_body(("W-1", "1", "5.00", "0")), "customer": "NOBODY"}
    problem(await finance.post("/invoices", unknown), 422, "customer", "NOBODY")
    early = invoice_body(("W-1", "1", "5.00", "0"), date="2026-03-10", due_date="2026-03-09")
    problem(await finance.post("/invoices", early), 422, "due_date")
    problem(await finance.patch("/customers/ACME", {"name": None}), 422, "name")
    problem(await finance.patch("/customers/NOBODY", {"name": "x"}), 404)
    problem(await finance.post("/customers", customer("Y"), role="viewer"), 403)
    assert await finance.snapshot() == before


async def test_terms_set_due_dates_and_a_deactivated_customer_takes_no_new_invoices(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "1.00"))
    await finance.ok("POST", "/customers", customer("EOM", terms_days=10, terms_basis="eom",
                                                    currency="EUR"))  # fmt: skip
    body = {**invoice_body(("W-1", "1", "5.00", "0")), "customer": "EOM", "rate": "1.1"}
    draft = await finance.ok("POST", "/invoices", {**body, "date": "2026-02-14"})
    # Ten days after the end of February; the customer's currency when none is given.
    assert draft["due_date"] == "2026-03-10" and draft["currency"] == "EUR"
    given = await finance.ok("POST", "/invoices", {**body, "date": "2026-02-14",
                                                   "due_date": "2026-02-20"})  # fmt: skip
    assert given["due_date"] == "2026-02-20"

    changed = await finance.patch("/customers/eom", {"active": False, "terms_days": 0})
    assert changed.status_code == 200 and changed.json()["active"] is False
    problem(await finance.post("/invoices", body), 422, "customer", "inactive")
    # Its history stays: the drafts are there, and it is listed among the inactive ones.
    assert (await finance.ok("GET", f"/invoices/{draft['id']}"))["due_date"] == "2026-03-10"
    inactive = await finance.ok("GET", "/customers?active=false")
    assert [p["code"] for p in inactive["items"]] == ["EOM"]
    problem(await finance.post(f"/invoices/{draft['id']}/issue"), 409, "customer", "inactive")


async def test_a_credit_limit_stops_an_issue_unless_overridden_with_a_reason(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "1.00"))
    await finance.ok("POST", "/customers", customer("TIGHT", credit_limit="100.00"))
    body = {**invoice_body(("W-1", "1", "80.00", "0")), "customer": "TIGHT"}
    first = await finance.ok("POST", "/invoices", body)
    second = await finance.ok("POST", "/invoices", {**body, "lines": [
        {"sku": "W-1", "warehouse": "MAIN", "quantity": "1", "unit_price": "30.00"}]})  # fmt: skip
    await issue(finance, first["id"])
    # The first is pending, not yet a receivable: it counts all the same.
    before = await finance.snapshot()
    refused = problem(await finance.post(f"/invoices/{second['id']}/issue"), 409, "credit_limit")
    assert refused["credit_limit"] == "100.0000" and refused["exposure"] == "110.0000"
    assert await finance.snapshot() == before
    await pump(finance, inventory)
    problem(await finance.post(f"/invoices/{second['id']}/issue"), 409, "credit_limit")

    await issue(finance, second["id"], {"credit_override": "paid by cheque on delivery"})
    (kept,) = await finance.ok("GET", "/customers/tight/credit-overrides")
    assert kept["invoice_id"] == second["id"] and kept["reason"] == "paid by cheque on delivery"
    assert kept["overridden_by"] == "accountant" and kept["exposure"] == "110.0000"
    await pump(finance, inventory)
    assert (await finance.ok("GET", f"/invoices/{second['id']}"))["status"] == "issued"

    # Raising the limit lets the next one through without a word.
    await finance.patch("/customers/TIGHT", {"credit_limit": "1000.00"})
    third = await finance.ok("POST", "/invoices", body)
    await issue(finance, third["id"])


async def test_aging_counts_days_past_the_due_date(finance: Service, inventory: Service) -> None:
    await setup_stock(inventory, ("W-1", "10", "1.00"))
    await back_dating_bin(inventory, "OLD-1")
    day = today() - dt.timedelta(days=45)
    await finance.ok("POST", "/customers", customer("NET60", terms_days=60))
    for code in ("NET60", "ACME"):  # ACME pays net 30
        body = invoice_body(("OLD-1", "1", "10.00", "0"), warehouse="BACK", date=str(day))
        body["customer"] = code
        await issue(finance, (await finance.ok("POST", "/invoices", body))["id"])
    await pump(finance, inventory)
    aging = await finance.ok("GET", "/ar-aging")
    rows = {r["customer"]: r for r in aging["rows"]}
    assert rows["NET60"]["current"] == "10.0000"  # due in 15 days
    assert rows["ACME"]["1-30"] == "10.0000"  # 15 days late
    at_due = await finance.ok("GET", f"/ar-aging?as_of={day + dt.timedelta(days=30)}")
    assert {r["customer"]: r["current"] for r in at_due["rows"]} == {
        "ACME": "10.0000",
        "NET60": "10.0000",
    }
    statement = await finance.ok("GET", "/customers/acme/statement")
    assert statement["name"] == "ACME Ltd"
    assert statement["open_invoices"][0]["due_date"] == str(day + dt.timedelta(days=30))
    problem(await finance.get("/customers/NOBODY/statement"), 404)
