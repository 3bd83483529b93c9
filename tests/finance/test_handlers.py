"""Finance's and inventory's event handlers called directly with constructed events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from erp.finance.events.handlers import on_issue_rejected, on_stock_moved
from erp.platform.events.envelope import Event
from tests.finance.support import Service, pump
from tests.finance.test_invoices import balances, invoice_body, setup_stock


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


async def test_a_rejection_of_an_older_issue_changes_nothing(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "5", "1.00"))
    draft = await finance.ok("POST", "/invoices", invoice_body(("W-1", "1", "9.00", "0")))
    await finance.ok("POST", f"/invoices/{draft['id']}/issue")
    stale = {"invoice_id": draft["id"], "issue_no": 0, "reason": "old"}
    async with finance.db.transaction() as conn:
        await on_issue_rejected(conn, event("inventory.issue-rejected", stale))
    assert (await finance.ok("GET", f"/invoices/{draft['id']}"))["status"] == "issued"


async def test_an_unknown_item_puts_the_invoice_on_hold(
    finance: Service, inventory: Service
) -> None:
    await setup_stock(inventory, ("W-1", "5", "1.00"))
    draft = await finance.ok("POST", "/invoices", invoice_body(("NOPE", "1", "9.00", "0")))
    await finance.ok("POST", f"/invoices/{draft['id']}/issue")
    await pump(finance, inventory)
    held = await finance.ok("GET", f"/invoices/{draft['id']}")
    assert held["status"] == "on_hold" and "NOPE" in held["hold_reason"]
    assert (await balances(finance)).get("1200") is None
