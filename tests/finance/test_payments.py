"""Payments: received only on cash or bank accounts, not before the invoice date, and reversed
at most once, which opens the invoice again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from erp.platform.calendar import today
from tests.finance.support import Service, auth, problem, published, pump
from tests.finance.test_invoices import (
    back_dating_bin,
    balances,
    invoice_body,
    issue,
    setup_stock,
)

YESTERDAY = today() - dt.timedelta(days=1)


async def issued_invoice(
    finance: Service, inventory: Service, *, price: str = "36.00", **extra: Any
) -> dict[str, Any]:
    """An invoice of one W-1 at `price`, issued with its goods."""
    draft = await finance.ok("POST", "/invoices", invoice_body(("W-1", "1", price, "0"), **extra))
    await issue(finance, draft["id"])
    await pump(finance, inventory)
    invoice: dict[str, Any] = await finance.ok("GET", f"/invoices/{draft['id']}")
    assert invoice["status"] == "issued", invoice
    return invoice


async def patch(finance: Service, code: str, body: dict[str, Any]) -> Any:
    return await finance.client.patch(f"/accounts/{code}", json=body, headers=auth())


async def test_only_cash_or_bank_accounts_take_payments(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "1.00"))
    invoice = await issued_invoice(finance, inventory)
    page = await finance.ok("GET", "/accounts?limit=500")
    assert {a["code"] for a in page["items"] if a["cash_or_bank"]} == {"1100"}
    before = await finance.snapshot()
    for account in ("1500", "6100", "1200", "4000"):
        body = {"invoice": invoice["id"], "amount": "1.00", "account": account}
        problem(await finance.post("/payments", body), 422, "account", "cash or bank")
    assert await finance.snapshot() == before

    # A second bank under 1100 is cash or bank like its parent, unless told otherwise.
    bank = await finance.ok(
        "POST", "/accounts", {"code": "1110", "name": "Bank", "type": "asset", "parent": "1100"}
    )
    assert bank["cash_or_bank"] is True
    petty = {"code": "1120", "name": "Deposits", "type": "asset", "parent": "1100"}
    assert (await finance.ok("POST", "/accounts", {**petty, "cash_or_bank": False}))[
        "cash_or_bank"
    ] is False
    problem(
        await finance.post(
            "/payments", {"invoice": invoice["id"], "amount": "1", "account": "1120"}
        ),
        422,
        "account",
    )
    await finance.ok(
        "POST", "/payments", {"invoice": invoice["id"], "amount": "1", "account": "1110"}
    )
    marked = await patch(finance, "1500", {"cash_or_bank": True})
    assert marked.status_code == 200 and marked.json()["cash_or_bank"] is True
    await finance.ok(
        "POST", "/payments", {"invoice": invoice["id"], "amount": "1", "account": "1500"}
    )

    expense = {"code": "6900", "name": "Travel", "type": "expense", "cash_or_bank": True}
    problem(await finance.post("/accounts", expense), 422, "cash_or_bank")
    problem(await patch(finance, "6100", {"cash_or_bank": True}), 422, "cash_or_bank")
    problem(await patch(finance, "1200", {"cash_or_bank": True}), 422, "cash_or_bank", "control")
    problem(await patch(finance, "1100", {"cash_or_bank": False}), 409, "cash_or_bank")
    assert (await finance.ok("GET", "/accounts/1100"))["cash_or_bank"] is True


async def test_a_payment_before_the_invoice_date_is_refused(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "1.00"))
    invoice = await issued_invoice(finance, inventory)
    before = await finance.snapshot()
    body = {"invoice": invoice["id"], "amount": "1.00", "date": YESTERDAY.isoformat()}
    problem(await finance.post("/payments", body), 422, "date", invoice["date"])
    assert await finance.snapshot() == before
    paid = await finance.ok("POST", "/payments", {**body, "date": invoice["date"]})
    assert paid["date"] == invoice["date"]


async def test_reversing_a_payment_opens_the_invoice_again_once(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "10", "1.00"))
    invoice = await issued_invoice(finance, inventory)
    first = await finance.ok("POST", "/payments", {"invoice": invoice["id"], "amount": "10.00"})
    second = await finance.ok("POST", "/payments", {"invoice": invoice["id"], "amount": "26.00"})
    assert (await finance.ok("GET", f"/invoices/{invoice['id']}"))["status"] == "paid"

    key = {"Idempotency-Key": "bounced-1"}
    path = f"/payments/{second['id']}/reverse"
    reversed_ = await finance.post(path, {"reason": "cheque bounced"}, headers=key)
    assert reversed_.status_code == 201, reversed_.text
    payment = reversed_.json()
    replay = await finance.post(path, {"reason": "cheque bounced"}, headers=key)
    assert replay.status_code == 201 and replay.json() == payment
    entry = await finance.ok("GET", f"/journal-entries/{payment['reversed_by']}")
    assert entry["reverses"] == second["entry_id"] and "cheque bounced" in entry["memo"]
    assert entry["date"] == today().isoformat()
    reopened = await finance.ok("GET", f"/invoices/{invoice['id']}")
    assert (reopened["status"], reopened["paid_amount"], reopened["open_amount"]) == (
        "partially_paid",
        "10.0000",
        "26.0000",
    )
    assert (await balances(finance))["1200"] == 26
    (event,) = await published(finance, "finance.payment-reversed")
    assert (event["payment_id"], event["entry_id"], event["status"]) == (
        second["id"],
        entry["id"],
        "partially_paid",
    )
    assert event["reason"] == "cheque bounced" and event["open_amount"] == "26.0000"

    before = await finance.snapshot()
    problem(await finance.post(path, {"reason": "again"}), 409, "already reversed")
    problem(await finance.post("/payments/999/reverse"), 404, "999")
    problem(await finance.post(path, {"memo": "x"}), 422, "memo")
    assert await finance.snapshot() == before

    await finance.ok("POST", f"/payments/{first['id']}/reverse")
    settled = await finance.ok("GET", f"/invoices/{invoice['id']}")
    assert (settled["status"], settled["open_amount"]) == ("issued", "36.0000")
    # With no payment standing, it may be voided.
    assert (await finance.ok("POST", f"/invoices/{invoice['id']}/void"))["status"] == "void"


async def test_a_reversal_is_dated_in_an_open_period_and_not_before_the_payment(
    finance: Service, inventory: Service
) -> None:
    await back_dating_bin(inventory, "W-1")
    two_days_ago = (YESTERDAY - dt.timedelta(days=1)).isoformat()
    invoice = await issued_invoice(finance, inventory, warehouse="BACK", date=two_days_ago)
    body = {"invoice": invoice["id"], "amount": "36.00", "date": YESTERDAY.isoformat()}
    payment = await finance.ok("POST", "/payments", body)
    path = f"/payments/{payment['id']}/reverse"
    problem(await finance.post(path, {"date": two_days_ago}), 422, "date", "precede")
    await finance.ok("POST", "/periods/close", {"date": YESTERDAY.isoformat()})
    before = await finance.snapshot()
    refused = problem(
        await finance.post(path, {"date": YESTERDAY.isoformat()}), 409, "date", "closed_through"
    )
    assert refused["closed_through"] == YESTERDAY.isoformat()
    assert await finance.snapshot() == before
    done = await finance.ok("POST", path)
    entry = await finance.ok("GET", f"/journal-entries/{done['reversed_by']}")
    assert entry["date"] == today().isoformat()
