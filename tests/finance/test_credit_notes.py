"""Customer credit notes: part of an issued invoice credited, goods back at the cost they left
with, the customer credit refunded or allocated; bad input refused with nothing written."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from erp.finance.domain.verify import inventory_balance, verify_books
from erp.inventory.models import movements
from erp.platform.calendar import today
from erp.platform.events.envelope import Event
from tests.finance.support import Service, dec, problem, published, pump
from tests.finance.test_invoices import (
    add_items,
    balances,
    invoice_body,
    issue,
    receive,
    setup_stock,
    valuation,
)


async def issued_invoice(
    finance: Service, inventory: Service, *lines: tuple[str, str, str, str], **extra: Any
) -> dict[str, Any]:
    draft = await finance.ok("POST", "/invoices", invoice_body(*lines, **extra))
    await issue(finance, draft["id"])
    await pump(finance, inventory)
    invoice: dict[str, Any] = await finance.ok("GET", f"/invoices/{draft['id']}")
    assert invoice["status"] == "issued", invoice
    return invoice


async def credit(finance: Service, invoice_id: int, *lines: Any, **extra: Any) -> dict[str, Any]:
    body = {
        "invoice": invoice_id,
        "lines": [
            {"line_no": no, "quantity": q, **(more[0] if more else {})} for no, q, *more in lines
        ],
        **extra,
    }
    response = await finance.post("/credit-notes", body)
    assert response.status_code == 201, response.text
    note: dict[str, Any] = response.json()
    return note


async def books_are_right(finance: Service, inventory: Service) -> None:
    """What `erp finance verify` checks: every entry balances, account totals equal their
    lines, open amounts their receivable lines, and 1300 equals inventory's valuation."""
    async with finance.db.read() as conn:
        _, mismatches = await verify_books(conn)
        kept = await inventory_balance(conn)
    assert mismatches == []
    assert kept == await valuation(inventory)


async def redeliver(source: Service, target: Service, topic: str, *, new_ids: bool) -> None:
    """Hand every event of `topic` in `source`'s outbox to `target` again: the same events
    (the inbox drops them), or copies under new ids (as a publisher repeating itself would)."""
    outbox = source.spec.migrations.metadata.tables["outbox"]
    async with source.db.read() as conn:
        rows = await conn.execute(select(outbox.c.payload).where(outbox.c.topic == topic))
        events = [Event.from_json(r.payload) for r in rows]
    assert events
    if new_ids:
        events = [dataclasses.replace(e, id=str(uuid.uuid4())) for e in events]
    inbox = target.app.state.runtime.extras["events"].inbox
    failures = await inbox.deliver(events)
    assert all(f is None for f in failures.values()), failures


async def test_partial_credit_returns_goods_at_their_original_cost(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "4.00"))
    await pump(inventory, finance)
    invoice = await issued_invoice(finance, inventory, ("W-1", "3", "10.00", "20"))
    # The average moves between the sale and the return: 7 left at 4.00, 5 more at 7.00.
    await receive(inventory, "W-1", "5", "7.00")
    await pump(inventory, finance)
    assert (await balances(finance))["5000"] == Decimal("12")

    note = await credit(finance, invoice["id"], (1, "1"), reason="one arrived damaged")
    assert (note["subtotal"], note["tax_total"], note["total"]) == ("10.0000", "2.0000", "12.0000")
    assert (note["applied"], note["unapplied"]) == ("12.0000", "0.0000")
    assert note["lines"][0]["return_goods"] is True and note["invoice"] == invoice["id"]
    await pump(finance, inventory)

    after = await finance.ok("GET", f"/invoices/{invoice['id']}")
    assert (after["status"], after["open_amount"]) == ("issued", "24.0000")
    assert await balances(finance) == {
        "1200": Decimal("24"),  # 36 less 12
        "1300": Decimal("67"),  # 28 + 35 + the 4.00 the returned unit left with
        "2150": Decimal("75"),
        "2200": Decimal("4"),  # 6 less 2
        "4000": Decimal("20"),  # 30 less 10
        "5000": Decimal("8"),  # 12 less 4: reversed exactly
    }
    returned = await inventory.ok("GET", "/movements?type=receipt&limit=1")
    movement = returned["items"][0]
    assert movement["reference"] == f"credit-note:{note['id']}"
    assert [(ln["quantity"], ln["unit_cost"], ln["value"]) for ln in movement["lines"]] == [
        ("1.0000", "4.0000", "4.00")
    ]
    stock = await inventory.ok("GET", "/stock?sku=W-1")
    assert (stock["items"][0]["on_hand"], stock["items"][0]["value"]) == ("13.0000", "67.00")
    entries = await finance.ok("GET", "/journal-entries?source=credit-note")
    assert [e["source_ref"] for e in entries["items"]] == [f"credit-note:{note['id']}"]
    assert entries["items"][0]["lines"][-1]["invoice_id"] == invoice["id"]
    await books_are_right(finance, inventory)

    # Delivered again, or repeated under new ids: no second receipt, no second posting.
    before, journal = await valuation(inventory), await finance.snapshot()
    for new_ids in (False, True):
        await redeliver(finance, inventory, "finance.credit-note-issued", new_ids=new_ids)
        await redeliver(inventory, finance, "inventory.stock-moved", new_ids=new_ids)
    await pump(inventory, finance)
    assert await valuation(inventory) == before
    assert await finance.snapshot() == journal
    async with inventory.db.read() as conn:
        refs = (await conn.execute(select(movements.c.reference))).scalars().all()
    assert refs.count(f"credit-note:{note['id']}") == 1
    # The receipt belongs to the credit note: a client cannot reverse it.
    reverse = await inventory.post(f"/movements/{movement['id']}/reverse", role="warehouse")
    problem(reverse, 409, "credit note", f"credit-note:{note['id']}")
    assert [
        e["credit_note_id"] for e in await published(finance, "finance.credit-note-issued")
    ] == [note["id"]]


async def test_credit_beyond_what_was_invoiced_is_refused_with_nothing_written(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "4.00"), ("W-2", "10", "1.00"))
    await pump(inventory, finance)
    invoice = await issued_invoice(
        finance, inventory, ("W-1", "3", "3.33", "20"), ("W-2", "1", "5.00", "0")
    )
    assert (invoice["subtotal"], invoice["tax_total"]) == ("14.9900", "2.0000")
    first = await credit(finance, invoice["id"], (1, "1", {"return_goods": False}))
    assert (first["subtotal"], first["tax_total"]) == ("3.3300", "0.6700")
    await pump(finance, inventory)

    before = await finance.snapshot()
    stock_before = await valuation(inventory)
    cases = [
        ({"lines": [{"line_no": 1, "quantity": "2.0001"}]}, 422, "lines.0.quantity", "2.0000"),
        (
            {"lines": [{"line_no": 2, "quantity": "1"}, {"line_no": 1, "quantity": "3"}]},
            422,
            "lines.1.quantity",
        ),
        ({"lines": [{"line_no": 3, "quantity": "1"}]}, 422, "lines.0.line_no"),
        (
            {"lines": [{"line_no": 1, "quantity": "1"}, {"line_no": 1, "quantity": "1"}]},
            422,
            "lines.1.line_no",
        ),
        ({"lines": [{"line_no": 1, "quantity": "0"}]}, 422, "lines.0.quantity"),
        ({"lines": []}, 422, "lines"),
        ({"invoice": 999, "lines": [{"line_no": 1, "quantity": "1"}]}, 422, "invoice", "999"),
        ({"date": "2000-01-01", "lines": [{"line_no": 1, "quantity": "1"}]}, 422, "date"),
        (
            {
                "date": (today() + dt.timedelta(days=1)).isoformat(),
                "lines": [{"line_no": 1, "quantity": "1"}],
            },
            422,
            "date",
        ),
    ]
    for body, status, *words in cases:
        response = await finance.post("/credit-notes", {"invoice": invoice["id"], **body})
        problem(response, status, *words)
    draft = await finance.ok("POST", "/invoices", invoice_body(("W-1", "1", "1.00", "0")))
    problem(
        await finance.post(
            "/credit-notes", {"invoice": draft["id"], "lines": [{"line_no": 1, "quantity": "1"}]}
        ),
        409,
        "draft",
    )
    problem(await finance.post(f"/invoices/{invoice['id']}/void"), 409, "credit note")
    before["invoices"] += 1
    before["invoice_lines"] += 1
    assert await finance.snapshot() == before
    assert await valuation(inventory) == stock_before

    # The last units of each line take exactly what is left: nothing drifts.
    second = await credit(finance, invoice["id"], (1, "1", {"return_goods": False}))
    assert (second["subtotal"], second["tax_total"]) == ("3.3300", "0.6700")
    last = await credit(finance, invoice["id"], (1, "1"), (2, "1"))
    assert [(ln["net"], ln["tax"]) for ln in last["lines"]] == [
        ("3.3300", "0.6600"),
        ("5.0000", "0.0000"),
    ]
    await pump(finance, inventory)
    problem(
        await finance.post(
            "/credit-notes",
            {"invoice": invoice["id"], "lines": [{"line_no": 2, "quantity": "0.0001"}]},
        ),
        422,
        "lines.0.quantity",
    )
    final = await finance.ok("GET", f"/invoices/{invoice['id']}")
    assert final["open_amount"] == "0.0000"
    assert {
        k: v for k, v in (await balances(finance)).items() if k in ("1200", "2200", "4000")
    } == {}
    # Two W-1 kept by the customer, one returned; W-2 back at 1.00: COGS is what stayed out.
    assert (await balances(finance))["5000"] == Decimal("8")
    await books_are_right(finance, inventory)


async def test_customer_credit_is_refunded_or_allocated_to_another_invoice(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "4.00"))
    await pump(inventory, finance)
    paid = await issued_invoice(finance, inventory, ("W-1", "3", "10.00", "0"))
    await finance.ok("POST", "/payments", {"invoice": paid["id"], "amount": "30.00"})
    other = await issued_invoice(finance, inventory, ("W-1", "1", "25.00", "0"))
    beta = await issued_invoice(finance, inventory, ("W-1", "1", "5.00", "0"), customer="BETA")

    note = await credit(finance, paid["id"], (1, "1"))
    assert (note["applied"], note["unapplied"]) == ("0.0000", "10.0000")
    customer_credit = await finance.ok("GET", f"/invoices/{paid['id']}")
    assert (customer_credit["status"], customer_credit["open_amount"]) == ("paid", "-10.0000")

    before = await finance.snapshot()
    allocate = f"/credit-notes/{note['id']}/allocate"
    refund = f"/credit-notes/{note['id']}/refund"
    problem(await finance.post(allocate, {"invoice": beta["id"], "amount": "1"}), 422, "invoice")
    problem(await finance.post(allocate, {"invoice": paid["id"], "amount": "1"}), 422, "invoice")
    problem(
        await finance.post(allocate, {"invoice": other["id"], "amount": "10.01"}), 422, "amount"
    )
    problem(await finance.post(allocate, {"invoice": 999, "amount": "1"}), 422, "invoice")
    problem(await finance.post(refund, {"amount": "10.01"}), 422, "amount", "10.0000")
    problem(await finance.post(refund, {"amount": "1", "account": "4000"}), 422, "account")
    problem(await finance.post(refund, {"amount": "1.001"}), 422, "amount")
    problem(await finance.post("/credit-notes/999/refund", {"amount": "1"}), 404, "999")
    problem(await finance.post(refund, {"amount": "1"}, role="viewer"), 403)
    assert await finance.snapshot() == before

    allocated = await finance.ok("POST", allocate, {"invoice": other["id"], "amount": "4.00"})
    assert allocated["unapplied"] == "6.0000"
    assert [(s["kind"], s["invoice_id"], s["amount"]) for s in allocated["settlements"]] == [
        ("allocation", other["id"], "4.0000")
    ]
    target = await finance.ok("GET", f"/invoices/{other['id']}")
    assert (target["status"], target["open_amount"], target["paid_amount"]) == (
        "partially_paid",
        "21.0000",
        "4.0000",
    )
    refunded = await finance.ok("POST", refund, {"amount": "6.00", "account": "1100"})
    assert refunded["unapplied"] == "0.0000" and refunded["settlements"][-1]["kind"] == "refund"
    problem(await finance.post(refund, {"amount": "0.01"}), 422, "amount")
    settled = await finance.ok("GET", f"/invoices/{paid['id']}")
    assert settled["open_amount"] == "0.0000"
    await pump(finance, inventory)

    money = await balances(finance)
    assert money["1200"] == Decimal("26")  # what `other` and `beta` still owe
    assert money["1100"] == Decimal("24")  # 30 received, 6 refunded
    assert money["4000"] == Decimal("50")  # 30 + 25 + 5 - 10
    assert money["5000"] == Decimal("16")  # five sold at 4.00, one back
    statement = await finance.ok("GET", "/customers/ACME/statement")
    assert statement["closing_balance"] == "21.0000"
    aging = await finance.ok("GET", "/ar-aging")
    assert aging["totals"]["total"] == "26.0000"
    await books_are_right(finance, inventory)

    listed = await finance.ok("GET", f"/credit-notes?invoice={paid['id']}")
    assert [n["id"] for n in listed["items"]] == [note["id"]]
    assert (await finance.get("/credit-notes", role="warehouse")).status_code == 200
    assert (await finance.get(f"/credit-notes/{note['id']}", role="viewer")).status_code == 200
    problem(await finance.get("/credit-notes/999"), 404)


async def test_a_retry_with_the_same_key_posts_one_credit_note(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "4.00"))
    await pump(inventory, finance)
    invoice = await issued_invoice(finance, inventory, ("W-1", "2", "10.00", "0"))
    body = {"invoice": invoice["id"], "lines": [{"line_no": 1, "quantity": "1"}]}
    key = {"Idempotency-Key": "credit-1"}
    first = await finance.post("/credit-notes", body, headers=key)
    again = await finance.post("/credit-notes", body, headers=key)
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json()["id"] == first.json()["id"]
    page = await finance.ok("GET", "/credit-notes")
    assert len(page["items"]) == 1
    problem(await finance.post("/credit-notes", body, role="viewer"), 403)


async def test_goods_come_back_today_when_the_bin_moved_after_the_credit_date(
    finance: Service, inventory: Service
) -> None:
    """A credit note dated before a later line of the bin: inventory cannot back-date the
    receipt, so the goods come back today, still at the cost they left with."""
    yesterday = today() - dt.timedelta(days=1)
    await setup_stock(inventory)
    await add_items(inventory, "W-1")
    first = {
        "type": "receipt",
        "warehouse": "MAIN",
        "posting_date": (yesterday - dt.timedelta(days=1)).isoformat(),
        "lines": [{"sku": "W-1", "quantity": "10", "unit_cost": "4.00"}],
    }
    await inventory.ok("POST", "/movements", first, role="warehouse")
    await pump(inventory, finance)
    invoice = await issued_invoice(
        finance, inventory, ("W-1", "2", "10.00", "0"), date=yesterday.isoformat()
    )
    await receive(inventory, "W-1", "2", "10.00")
    await pump(inventory, finance)
    await credit(finance, invoice["id"], (1, "2"), date=yesterday.isoformat())
    await pump(finance, inventory)
    returned = (await inventory.ok("GET", "/movements?type=receipt&limit=1"))["items"][0]
    assert returned["reference"].startswith("credit-note:")
    assert returned["posting_date"] == today().isoformat()
    assert returned["lines"][0]["value"] == "8.00"
    assert (await balances(finance)).get("5000") is None  # COGS reversed in full
    await books_are_right(finance, inventory)


async def test_clients_cannot_write_credit_note_references(inventory: Service) -> None:
    await setup_stock(inventory, ("W-1", "1", "4.00"))
    body = {
        "type": "receipt",
        "warehouse": "MAIN",
        "reference": "credit-note:1",
        "lines": [{"sku": "W-1", "quantity": "1", "unit_cost": "1.00"}],
    }
    response = await inventory.post("/movements", body, role="warehouse")
    problem(response, 422, "reference", "credit note")
    assert dec((await inventory.ok("GET", "/stock?sku=W-1"))["items"][0]["on_hand"]) == 1


async def test_foreign_currency_credits_at_the_invoice_rate_and_end_exactly_at_zero(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "4.00"))
    await pump(inventory, finance)
    invoice = await issued_invoice(
        finance, inventory, ("W-1", "3", "3.33", "20"), currency="EUR", rate="1.0837"
    )
    await finance.ok(
        "POST", "/payments", {"invoice": invoice["id"], "amount": "5.00", "rate": "1.2"}
    )
    notes = [await credit(finance, invoice["id"], (1, "1")) for _ in range(3)]
    assert {(n["currency"], n["rate"]) for n in notes} == {("EUR", "1.08370000")}
    # 11.99 in all, 6.99 open: the second takes the last 2.99, the rest is customer credit.
    assert [(n["total"], n["unapplied"]) for n in notes] == [
        ("4.0000", "0.0000"),
        ("4.0000", "1.0100"),
        ("3.9900", "3.9900"),
    ]
    await pump(finance, inventory)
    after = await finance.ok("GET", f"/invoices/{invoice['id']}")
    assert after["open_amount"] == "-5.0000"  # paid 5.00 of what is now nothing
    first = await finance.ok("POST", f"/credit-notes/{notes[2]['id']}/refund", {"amount": "3.99"})
    assert first["settlements"][0]["base_amount"] == "4.3200"  # at the invoice's rate
    await finance.ok("POST", f"/credit-notes/{notes[1]['id']}/refund", {"amount": "1.01"})
    money = await balances(finance)
    # Sales, tax and the receivable come back exactly to zero in the base currency.
    assert {k: v for k, v in money.items() if k in ("1200", "2200", "4000", "5000")} == {}
    assert money["1300"] == Decimal("40")
    await books_are_right(finance, inventory)


async def test_credit_notes_tag_their_lines_with_the_invoice_lines_tax_codes(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "4.00"))
    await pump(inventory, finance)
    await finance.ok(
        "POST", "/tax-codes", {"code": "VAT20", "name": "Standard", "kind": "output", "rate": "20"}
    )
    body = invoice_body(("W-1", "3", "10.00", "0"))
    body["lines"][0]["tax_code"] = "VAT20"
    body["lines"][0].pop("tax_rate")
    draft = await finance.ok("POST", "/invoices", body)
    await issue(finance, draft["id"])
    await pump(finance, inventory)
    await credit(finance, draft["id"], (1, "1"))
    month = f"from={today().replace(day=1)}&to={today()}"
    rows = (await finance.ok("GET", f"/tax-report?{month}"))["rows"]
    assert [(r["code"], r["taxable"], r["tax"]) for r in rows] == [("VAT20", "20.0000", "4.0000")]
    await credit(finance, draft["id"], (1, "2"))
    rows = (await finance.ok("GET", f"/tax-report?{month}"))["rows"]
    assert [(dec(r["taxable"]), dec(r["tax"])) for r in rows] == [(0, 0)]
