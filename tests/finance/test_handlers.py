"""Finance's and inventory's event handlers called directly with constructed events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from erp.finance.events.handlers import on_goods_issued, on_issue_rejected, on_stock_moved
from erp.platform.calendar import today
from erp.platform.events.envelope import Event
from tests.finance.support import Service, auth, pump
from tests.finance.test_invoices import balances, invoice_body, issue, setup_stock


def event(topic: str, data: dict[str, Any]) -> Event:
    now = dt.datetime.now(dt.UTC)
    return Event("e-1", "erp/inventory", topic, "warehouse/MAIN", 1, now, data)


def line(sku: str, warehouse: str, quantity: str, value: str) -> dict[str, Any]:
    """A stock-moved line as inventory sends it; finance posts only its value."""
    return {
        "line_no": 0,
        "sku": sku,
        "warehouse": warehouse,
        "quantity": quantity,
        "unit_cost": "0",
        "value": value,
        "on_hand_after": "0",
        "value_after": "0",
        "average_cost_after": "0",
    }


RECEIPT = {
    "movement_id": 7,
    "type": "receipt",
    "warehouse": "MAIN",
    "to_warehouse": None,
    "reference": "PO-1",
    "reason": None,
    "reverses": None,
    "posted_at": "2026-03-01T10:00:00Z",
    "posted_by": "w",
    "lines": [line("W-1", "MAIN", "2", "12.34")],
}


async def test_a_redelivered_movement_posts_once(finance: Service) -> None:
    for _ in range(2):
        async with finance.db.transaction() as conn:
            await on_stock_moved(conn, event("inventory.stock-moved", RECEIPT))
    assert await balances(finance) == {"1300": Decimal("12.34"), "2150": Decimal("12.34")}
    page = await finance.ok("GET", "/journal-entries?source=stock")
    assert [e["date"] for e in page["items"]] == ["2026-03-01"]


async def test_a_movement_in_a_closed_period_posts_on_the_first_open_day(
    finance: Service,
) -> None:
    await finance.ok("POST", "/periods/close", {"date": "2026-03-05"})
    async with finance.db.transaction() as conn:
        await on_stock_moved(conn, event("inventory.stock-moved", RECEIPT))
    page = await finance.ok("GET", "/journal-entries?source=stock")
    assert [e["date"] for e in page["items"]] == ["2026-03-06"]


async def test_transfers_post_nothing_and_reversals_link_the_original(finance: Service) -> None:
    transfer = {**RECEIPT, "movement_id": 8, "type": "transfer", "to_warehouse": "B"}
    transfer["lines"] = [line("W-1", "MAIN", "-1", "-5.00"), line("W-1", "B", "1", "5.00")]
    reversal = {**RECEIPT, "movement_id": 9, "reverses": 7}
    reversal["lines"] = [line("W-1", "MAIN", "-2", "-12.34")]
    for data in (RECEIPT, transfer, reversal):
        async with finance.db.transaction() as conn:
            await on_stock_moved(conn, event("inventory.stock-moved", data))
    page = await finance.ok("GET", "/journal-entries?source=stock")
    newest, oldest = page["items"]
    assert newest["reverses"] == oldest["id"] and oldest["reversed_by"] == newest["id"]
    assert await balances(finance) == {}


async def test_answers_to_an_older_issue_change_nothing(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "5", "1.00"))
    draft = await finance.ok("POST", "/invoices", invoice_body(("W-1", "1", "9.00", "0")))
    await issue(finance, draft["id"])
    before = await finance.snapshot()
    stale_rejection = {"invoice_id": draft["id"], "issue_no": 0, "reason": "old"}
    stale_goods = {
        "invoice_id": draft["id"],
        "issue_no": 0,
        "posting_date": "2026-03-01",
        "issued_at": "2026-03-01T10:00:00Z",
    }
    async with finance.db.transaction() as conn:
        await on_issue_rejected(conn, event("inventory.issue-rejected", stale_rejection))
        await on_goods_issued(conn, event("inventory.invoice-goods-issued", stale_goods))
    assert (await finance.ok("GET", f"/invoices/{draft['id']}"))["status"] == "pending"
    assert await finance.snapshot() == before


async def test_an_item_deactivated_before_the_issue_puts_the_invoice_on_hold(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "5", "1.00"))
    draft = await finance.ok("POST", "/invoices", invoice_body(("W-1", "1", "9.00", "0")))
    patch = await inventory.client.patch(
        "/items/W-1", json={"active": False}, headers=auth("warehouse")
    )
    assert patch.status_code == 200, patch.text
    await issue(finance, draft["id"])
    await pump(finance, inventory)
    held = await finance.ok("GET", f"/invoices/{draft['id']}")
    assert held["status"] == "on_hold" and "W-1" in held["hold_reason"]
    assert (await balances(finance)).get("1200") is None
    assert (await finance.ok("GET", "/journal-entries?source=invoice"))["items"] == []


async def test_the_cost_of_goods_sold_is_dated_with_its_revenue(
    finance: Service, inventory: Service
) -> None:
    """A back-dated invoice: inventory issues its goods on the invoice date (the movement's
    posting date) though it writes them today; revenue and COGS fall in the invoice's month."""
    await setup_stock(inventory, ("W-1", "5", "1.00"))
    last_month = today().replace(day=1) - dt.timedelta(days=1)
    back_dated = last_month.replace(day=10)
    body = invoice_body(("W-1", "2", "9.00", "0"), date=back_dated.isoformat())
    draft = await finance.ok("POST", "/invoices", body)
    await issue(finance, draft["id"])
    issue_movement = {
        **RECEIPT,
        "movement_id": 70,
        "type": "issue",
        "reference": f"invoice:{draft['id']}",
        "posting_date": back_dated.isoformat(),
        "posted_at": dt.datetime.now(dt.UTC).isoformat(),
        "lines": [line("W-1", "MAIN", "-2", "-2.00")],
    }
    goods = {
        "invoice_id": draft["id"],
        "issue_no": 1,
        "posting_date": back_dated.isoformat(),
        "issued_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    async with finance.db.transaction() as conn:
        await on_stock_moved(conn, event("inventory.stock-moved", issue_movement))
        await on_goods_issued(conn, event("inventory.invoice-goods-issued", goods))
    entries = (await finance.ok("GET", "/journal-entries"))["items"]
    assert {(e["source"], e["date"]) for e in entries} == {
        ("stock", back_dated.isoformat()),
        ("invoice", back_dated.isoformat()),
    }
    tb = await finance.ok("GET", f"/trial-balance?as_of={last_month}")
    rows = {r["account"]: r["balance"] for r in tb["rows"]}
    assert rows["4000"] == "18.0000" and rows["5000"] == "2.0000"
