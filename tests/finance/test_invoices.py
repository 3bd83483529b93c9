"""Invoices through the event flow: finance asks for the goods, inventory issues them (or
rejects), finance posts the revenue and COGS (or holds the invoice, with nothing posted)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx

from erp.platform.calendar import today
from tests.finance.support import Service, dec, problem, published, pump


async def setup_stock(inventory: Service, *receipts: tuple[str, str, str]) -> None:
    """Warehouse MAIN; receipts of (sku, quantity, unit cost)."""
    await inventory.ok("POST", "/warehouses", {"code": "MAIN", "name": "Main"}, role="warehouse")
    await add_items(inventory, *{r[0] for r in receipts})
    for sku, quantity, cost in receipts:
        await receive(inventory, sku, quantity, cost)


async def add_items(inventory: Service, *skus: str) -> None:
    for sku in sorted(skus):
        item = {"sku": sku, "name": sku, "uom": "pcs"}
        await inventory.ok("POST", "/items", item, role="warehouse")


async def receive(inventory: Service, sku: str, quantity: str, cost: str) -> dict[str, Any]:
    body = {
        "type": "receipt",
        "warehouse": "MAIN",
        "lines": [{"sku": sku, "quantity": quantity, "unit_cost": cost}],
    }
    result: dict[str, Any] = await inventory.ok("POST", "/movements", body, role="warehouse")
    return result


def invoice_body(
    *lines: tuple[str, str, str, str], warehouse: str = "MAIN", **extra: Any
) -> dict[str, Any]:
    return {
        "customer": "ACME",
        "lines": [
            {"sku": s, "warehouse": warehouse, "quantity": q, "unit_price": p, "tax_rate": t}
            for s, q, p, t in lines
        ],
        **extra,
    }


async def issue(finance: Service, invoice_id: int, body: Any = None) -> dict[str, Any]:
    """Ask for the goods: 202, the invoice pending with nothing posted."""
    response = await finance.post(f"/invoices/{invoice_id}/issue", body)
    assert response.status_code == 202, response.text
    pending: dict[str, Any] = response.json()
    assert pending["status"] == "pending" and pending["open_amount"] == "0.0000"
    return pending


async def balances(finance: Service) -> dict[str, Decimal]:
    page = await finance.ok("GET", "/accounts?limit=500")
    return {a["code"]: dec(a["balance"]) for a in page["items"] if dec(a["balance"])}


async def valuation(inventory: Service) -> Decimal:
    page = await inventory.ok("GET", "/stock?limit=500")
    return sum((dec(s["value"]) for s in page["items"]), Decimal(0))


async def test_issue_posts_receivable_then_cogs_and_payments_settle_it(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "4.00"))
    await pump(inventory, finance)
    assert await balances(finance) == {"1300": Decimal("40"), "2150": Decimal("40")}

    draft = await finance.ok("POST", "/invoices", invoice_body(("W-1", "3", "10.00", "20")))
    assert draft["status"] == "draft" and draft["total"] == "36.0000"
    assert draft["open_amount"] == "0.0000"
    await issue(finance, draft["id"])
    await pump(finance, inventory)
    issued = await finance.ok("GET", f"/invoices/{draft['id']}")
    assert issued["status"] == "issued" and issued["open_amount"] == "36.0000"
    assert await balances(finance) == {
        "1200": Decimal("36"),
        "1300": Decimal("28"),
        "2150": Decimal("40"),
        "2200": Decimal("6"),
        "4000": Decimal("30"),
        "5000": Decimal("12"),
    }
    assert await valuation(inventory) == Decimal("28")

    paid = await finance.ok("POST", "/payments", {"invoice": draft["id"], "amount": "16.00"})
    assert paid["base_amount"] == "16.0000"
    assert (await finance.ok("GET", f"/invoices/{draft['id']}"))["status"] == "partially_paid"
    before = await finance.snapshot()
    over = {"invoice": draft["id"], "amount": "20.01"}
    problem(await finance.post("/payments", over), 422, "amount", "exceeds", "20.0000")
    problem(await finance.post("/payments", {"invoice": draft["id"], "amount": "-1"}), 422)
    problem(await finance.post("/payments", {"invoice": draft["id"], "amount": "1.001"}), 422)
    problem(await finance.post("/payments", {"invoice": 999, "amount": "1"}), 404, "999")
    problem(await finance.post(f"/invoices/{draft['id']}/issue"), 409, "already issued")
    problem(await finance.post(f"/invoices/{draft['id']}/void"), 409, "payments")
    assert await finance.snapshot() == before

    await finance.ok("POST", "/payments", {"invoice": draft["id"], "amount": "20.00"})
    final = await finance.ok("GET", f"/invoices/{draft['id']}")
    assert final["status"] == "paid" and final["open_amount"] == "0.0000"
    problem(await finance.post(f"/invoices/{draft['id']}/void"), 409, "paid")
    problem(await finance.post("/payments", {"invoice": draft["id"], "amount": "1"}), 409, "paid")
    assert (await balances(finance)).get("1200") is None
    assert (await balances(finance))["1100"] == Decimal("36")

    cogs = await finance.ok("GET", "/journal-entries?source=stock")
    assert {e["source_ref"] for e in cogs["items"]} == {"movement:1", "movement:2"}
    statement = await finance.ok("GET", "/customers/ACME/statement")
    assert [ln["balance"] for ln in statement["lines"]] == ["36.0000", "20.0000", "0.0000"]
    assert statement["open_invoices"] == []


async def test_issue_asks_for_the_goods_and_posts_only_once_they_left(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "4.00"))
    await pump(inventory, finance)
    draft = await finance.ok("POST", "/invoices", invoice_body(("W-1", "3", "10.00", "20")))
    journal = await finance.ok("GET", "/journal-entries")
    response = await finance.post(f"/invoices/{draft['id']}/issue")
    assert response.status_code == 202, response.text
    pending = response.json()
    assert (pending["status"], pending["issue_no"], pending["open_amount"]) == (
        "pending",
        1,
        "0.0000",
    )
    # Relative, so right whatever prefix a proxy strips (the gateway serves /api/finance).
    location = response.headers["location"]
    for base in ("http://finance", "http://gateway:8000/api/finance"):
        asked = httpx.URL(f"{base}/invoices/{draft['id']}/issue")
        assert asked.join(location) == httpx.URL(f"{base}/invoices/{draft['id']}")
    polled = await finance.get(response.request.url.join(location).path)
    assert polled.json()["status"] == "pending"

    # Nothing is posted while the goods have not left.
    assert await finance.ok("GET", "/journal-entries") == journal
    assert (await finance.ok("GET", "/customers/ACME/statement"))["lines"] == []
    (requested,) = await published(finance, "finance.invoice-issue-requested")
    assert (requested["invoice_id"], requested["issue_no"]) == (draft["id"], 1)
    assert await published(finance, "finance.invoice-issued") == []
    problem(await finance.post(f"/invoices/{draft['id']}/issue"), 409, "pending")
    problem(await finance.post("/payments", {"invoice": draft["id"], "amount": "1"}), 409)

    await pump(finance, inventory)
    issued = await finance.ok("GET", f"/invoices/{draft['id']}")
    assert issued["status"] == "issued" and issued["open_amount"] == "36.0000"
    (entry,) = (await finance.ok("GET", "/journal-entries?source=invoice"))["items"]
    assert entry["date"] == draft["date"] and entry["posted_by"] == "accountant"
    (announced,) = await published(finance, "finance.invoice-issued")
    assert announced["entry_id"] == entry["id"] and announced["issue_no"] == 1
    changes = await published(finance, "finance.invoice-status-changed")
    assert [(c["previous_status"], c["status"]) for c in changes] == [
        ("draft", "pending"),
        ("pending", "issued"),
    ]
    problem(await finance.post(f"/invoices/{draft['id']}/issue"), 409, "already issued")


async def test_issue_is_idempotent_and_keeps_its_location(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "4.00"))
    draft = await finance.ok("POST", "/invoices", invoice_body(("W-1", "1", "10.00", "0")))
    key = {"Idempotency-Key": "issue-1"}
    first = await finance.post(f"/invoices/{draft['id']}/issue", headers=key)
    again = await finance.post(f"/invoices/{draft['id']}/issue", headers=key)
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"] == f"../{draft['id']}"
    assert len(await published(finance, "finance.invoice-issue-requested")) == 1


async def test_issue_into_a_closed_period_is_refused_naming_the_date(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "4.00"))
    yesterday = today() - dt.timedelta(days=1)
    body = invoice_body(("W-1", "1", "10.00", "0"), date=yesterday.isoformat())
    draft = await finance.ok("POST", "/invoices", body)
    await finance.ok("POST", "/periods/close", {"date": yesterday.isoformat()})
    before = await finance.snapshot()
    refused = problem(
        await finance.post(f"/invoices/{draft['id']}/issue"), 409, "date", "closed_through"
    )
    assert refused["closed_through"] == yesterday.isoformat()
    problem(
        await finance.post(f"/invoices/{draft['id']}/issue", {"date": yesterday.isoformat()}),
        409,
        "date",
    )
    assert await finance.snapshot() == before
    moved = await issue(finance, draft["id"], {"date": today().isoformat()})
    assert moved["date"] == today().isoformat()


async def test_a_period_closed_while_pending_posts_on_the_first_open_day(
    finance: Service, inventory: Service
) -> None:
    await back_dating_bin(inventory, "OLD-1")
    yesterday = today() - dt.timedelta(days=1)
    body = invoice_body(("OLD-1", "1", "10.00", "0"), warehouse="BACK", date=yesterday.isoformat())
    draft = await finance.ok("POST", "/invoices", body)
    await issue(finance, draft["id"])
    await finance.ok("POST", "/periods/close", {"date": yesterday.isoformat()})
    await pump(finance, inventory)
    invoice = await finance.ok("GET", f"/invoices/{draft['id']}")
    assert invoice["status"] == "issued" and invoice["date"] == yesterday.isoformat()
    (entry,) = (await finance.ok("GET", "/journal-entries?source=invoice"))["items"]
    assert entry["date"] == today().isoformat()


async def test_short_stock_puts_the_invoice_on_hold_with_nothing_half_posted(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "2", "5.00"))
    await pump(inventory, finance)
    draft = await finance.ok("POST", "/invoices", invoice_body(("W-1", "3", "10.00", "10")))
    await issue(finance, draft["id"])
    await pump(finance, inventory)
    held = await finance.ok("GET", f"/invoices/{draft['id']}")
    assert held["status"] == "on_hold" and held["open_amount"] == "0.0000"
    assert "insufficient stock of W-1" in held["hold_reason"]
    assert await balances(finance) == {"1300": Decimal("10"), "2150": Decimal("10")}
    assert (await finance.ok("GET", "/journal-entries?source=invoice"))["items"] == []
    for as_of in (draft["date"], today().isoformat(), "2999-12-31"):
        tb = await finance.ok("GET", f"/trial-balance?as_of={as_of}")
        assert {r["account"] for r in tb["rows"]} == {"1300", "2150"}
    statement = await finance.ok("GET", "/customers/ACME/statement")
    assert statement["lines"] == [] and statement["open_invoices"] == []
    assert await valuation(inventory) == Decimal("10")
    problem(await finance.post("/payments", {"invoice": draft["id"], "amount": "1"}), 409, "hold")

    await receive(inventory, "W-1", "5", "5.00")
    released = await issue(finance, draft["id"])
    assert released["issue_no"] == 2 and released["hold_reason"] is None
    await pump(inventory, finance)
    assert (await finance.ok("GET", f"/invoices/{draft['id']}"))["status"] == "issued"
    books = await balances(finance)
    assert books["1300"] == await valuation(inventory) == Decimal("20")
    assert books["5000"] == Decimal("15") and books["1200"] == Decimal("33")


async def test_void_reverses_the_issue_and_returns_the_goods(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "3.00"))
    draft = await finance.ok("POST", "/invoices", invoice_body(("W-1", "4", "5.00", "0")))
    await issue(finance, draft["id"])
    await pump(finance, inventory)
    voided = await finance.ok("POST", f"/invoices/{draft['id']}/void", {"reason": "cancelled"})
    assert voided["status"] == "void" and voided["open_amount"] == "0.0000"
    await pump(finance, inventory)
    assert await valuation(inventory) == Decimal("30")
    assert await balances(finance) == {"1300": Decimal("30"), "2150": Decimal("30")}
    problem(await finance.post(f"/invoices/{draft['id']}/void"), 409, "already void")
    problem(await finance.post(f"/invoices/{draft['id']}/issue"), 409, "void")


async def test_void_before_inventory_answers_still_returns_the_goods(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "3.00"))
    draft = await finance.ok("POST", "/invoices", invoice_body(("W-1", "4", "5.00", "0")))
    await issue(finance, draft["id"])
    voided = await finance.ok("POST", f"/invoices/{draft['id']}/void")
    assert voided["status"] == "void" and voided["open_amount"] == "0.0000"
    # The goods leave after the void; finance asks for them back and posts no revenue.
    await pump(finance, inventory)
    assert await valuation(inventory) == Decimal("30")
    assert await balances(finance) == {"1300": Decimal("30"), "2150": Decimal("30")}
    assert (await finance.ok("GET", "/journal-entries?source=invoice"))["items"] == []
    assert (await finance.ok("GET", f"/invoices/{draft['id']}"))["status"] == "void"


async def test_foreign_currency_invoice_and_payment_post_exchange_difference(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "1.00"))
    before = await finance.snapshot()
    body = invoice_body(("W-1", "1", "100.00", "0"), currency="EUR")
    problem(await finance.post("/invoices", body), 422, "rate", "EUR")
    problem(await finance.post("/invoices", {**body, "currency": "usd"}), 422, "currency")
    assert await finance.snapshot() == before
    draft = await finance.ok("POST", "/invoices", {**body, "rate": "1.1"})
    await issue(finance, draft["id"])
    await pump(finance, inventory)
    assert (await balances(finance))["1200"] == Decimal("110")
    payment = {"invoice": draft["id"], "amount": "100.00", "rate": "1.2"}
    paid = await finance.ok("POST", "/payments", payment)
    assert paid["base_amount"] == "120.0000" and paid["currency"] == "EUR"
    books = await balances(finance)
    assert books.get("1200") is None and books["1100"] == Decimal("120")
    assert books["7100"] == Decimal("-10")  # a gain: credit on an expense account
    tb = await finance.ok("GET", "/trial-balance")
    assert tb["total_debit"] == tb["total_credit"]


async def test_jpy_invoice_rounds_to_whole_yen(finance: Service, inventory: Service) -> None:
    await setup_stock(inventory, ("W-1", "10", "1.00"))
    body = invoice_body(("W-1", "3", "333", "10"), currency="JPY", rate="0.0067")
    draft = await finance.ok("POST", "/invoices", body)
    assert draft["total"] == "1099.0000"  # 999 + 99.9 -> 100 tax, half-even to whole yen: 1099
    await issue(finance, draft["id"])
    await pump(finance, inventory)
    entries = await finance.ok("GET", f"/journal-entries?source_ref=invoice:{draft['id']}")
    entry = entries["items"][0]
    assert entry["total_debit"] == entry["total_credit"]
    problem(
        await finance.post("/payments", {"invoice": draft["id"], "amount": "0.5"}),
        422,
        "decimal places",
    )


async def back_dating_bin(inventory: Service, sku: str) -> None:
    """Warehouse BACK, which may go negative, with item `sku` never moved there: goods dated
    in the past can leave it, as no later movement of the bin stands in the way."""
    house = {"code": "BACK", "name": "Back", "allow_negative": True}
    await inventory.ok("POST", "/warehouses", house, role="warehouse")
    await add_items(inventory, sku)


async def test_invoice_lists_aging_and_roles(finance: Service, inventory: Service) -> None:
    await setup_stock(inventory, ("W-1", "10", "1.00"))
    await back_dating_bin(inventory, "OLD-1")
    old = invoice_body(("OLD-1", "1", "50.00", "0"), warehouse="BACK", date="2026-01-01")
    first = await finance.ok("POST", "/invoices", old)
    await issue(finance, first["id"])
    second = await finance.ok("POST", "/invoices", invoice_body(("W-1", "1", "70.00", "0")))
    await issue(finance, second["id"])
    await pump(finance, inventory)
    aging = await finance.ok("GET", "/ar-aging")
    assert aging["buckets"] == ["current", "1-30", "31-60", "61-90", "90+"]
    (row,) = aging["rows"]
    assert row["customer"] == "ACME" and row["total"] == "120.0000"
    # ACME pays net 30: today's invoice is not due yet, January's is long overdue.
    assert row["current"] == "70.0000" and row["90+"] == "50.0000"
    page = await finance.ok("GET", "/invoices?limit=1&status=issued")
    assert [i["id"] for i in page["items"]] == [second["id"]] and page["next_cursor"]
    assert (await finance.get("/invoices", role="warehouse")).status_code == 200
    problem(await finance.get("/trial-balance", role="warehouse"), 403)
    problem(await finance.post("/invoices", old, role="viewer"), 403)
    bad = invoice_body(("W-1", "0", "50.00", "0"))
    problem(await finance.post("/invoices", bad), 422, "quantity")
    bad = invoice_body(("W-1", "1", "50.00", "120"))
    problem(await finance.post("/invoices", bad), 422, "tax_rate")
    bad = invoice_body(("W-1", "1", "0", "0"))
    problem(await finance.post("/invoices", bad), 422, "more than zero")
