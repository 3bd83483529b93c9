"""Credit notes through finance, inventory and reporting: the customer credit refunded and
allocated moves reporting's open amounts from each settlement's date, and the credited line
with its returned goods comes off the sales report on the credit note's date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from erp.platform.calendar import today
from erp.platform.events.envelope import Event
from erp.reporting.domain.rebuild import rebuild
from tests.finance.support import Service, published, pump
from tests.finance.test_credit_notes import credit, issued_invoice
from tests.finance.test_invoices import add_items, setup_stock


async def deliver_all(target: Service, *sources: Service) -> None:
    """Every event in the sources' outboxes, through the target's inbox, as the transport
    would have delivered them all along."""
    events = []
    for source in sources:
        outbox = source.spec.migrations.metadata.tables["outbox"]
        async with source.db.read() as conn:
            rows = await conn.execute(select(outbox.c.payload).order_by(outbox.c.id))
            found = [Event.from_json(r.payload) for r in rows]
        events += [e for e in found if e.type in target.spec.subscriptions]
    failures = await target.app.state.runtime.extras["events"].inbox.deliver(events)
    assert all(f is None for f in failures.values()), failures


async def open_amounts(reporting: Service, as_of: dt.date) -> dict[int, Decimal]:
    """Invoice → open amount at `as_of`, from the due list (a window over every due date)."""
    window = {"as_of": as_of.isoformat(), "from": as_of.isoformat()}
    window["to"] = (as_of + dt.timedelta(days=60)).isoformat()
    response = await reporting.get("/reports/due", params=window)
    assert response.status_code == 200, response.text
    return {r["document_id"]: Decimal(r["open_amount"]) for r in response.json()["rows"]}


async def sales_by_day(reporting: Service, start: dt.date) -> dict[str, tuple[Decimal, ...]]:
    params = {"from": start.isoformat(), "to": today().isoformat(), "group_by": "day"}
    response = await reporting.get("/reports/sales", params=params)
    assert response.status_code == 200, response.text
    keys = ("quantity", "revenue", "cogs", "margin")
    return {r["period"]: tuple(Decimal(r[k]) for k in keys) for r in response.json()["rows"]}


async def test_reporting_follows_a_credit_note_its_refund_and_its_allocation(
    finance: Service, inventory: Service, reporting: Service
) -> None:
    d0 = today() - dt.timedelta(days=6)

    def day(n: int) -> str:
        return (d0 + dt.timedelta(days=n)).isoformat()

    await setup_stock(inventory)
    await add_items(inventory, "W-1")
    stock = {
        "type": "receipt",
        "warehouse": "MAIN",
        "posting_date": day(-1),
        "lines": [{"sku": "W-1", "quantity": "10", "unit_cost": "4.00"}],
    }
    await inventory.ok("POST", "/movements", stock, role="warehouse")
    await pump(inventory, finance)
    paid = await issued_invoice(finance, inventory, ("W-1", "3", "10.00", "0"), date=day(0))
    await finance.ok("POST", "/payments", {"invoice": paid["id"], "amount": "30", "date": day(0)})
    other = await issued_invoice(finance, inventory, ("W-1", "1", "25.00", "0"), date=day(1))
    note = await credit(finance, paid["id"], (1, "1"), date=day(2))
    settle = f"/credit-notes/{note['id']}"
    await finance.ok(
        "POST", f"{settle}/allocate", {"invoice": other["id"], "amount": "4", "date": day(3)}
    )
    await finance.ok("POST", f"{settle}/refund", {"amount": "6", "account": "1100", "date": day(4)})
    await pump(finance, inventory)
    await deliver_all(reporting, finance, inventory)

    sent = await published(finance, "finance.credit-note-settled")
    assert [
        (s["credit_note_id"], s["invoice_id"], s["kind"], s["target_invoice_id"], s["amount"])
        for s in sent
    ] == [
        (note["id"], paid["id"], "allocation", other["id"], "4.0000"),
        (note["id"], paid["id"], "refund", None, "6.0000"),
    ]
    assert [(s["date"], s["customer"], s["base_amount"]) for s in sent] == [
        (day(3), "ACME", "4.0000"),
        (day(4), "ACME", "6.0000"),
    ]

    async def replay(conn: AsyncConnection) -> None:
        await rebuild(conn, advance=lambda n: None)

    def as_of(n: int) -> dt.date:
        return d0 + dt.timedelta(days=n)

    for _ in range(2):  # as delivered, then rebuilt from the kept events
        assert await open_amounts(reporting, as_of(1)) == {other["id"]: 25}
        assert await open_amounts(reporting, as_of(2)) == {paid["id"]: -10, other["id"]: 25}
        assert await open_amounts(reporting, as_of(3)) == {paid["id"]: -6, other["id"]: 21}
        # The credit used up: reporting ends where finance does.
        assert await open_amounts(reporting, today()) == {other["id"]: 21}
        assert await sales_by_day(reporting, d0) == {
            day(0): (Decimal(3), Decimal(30), Decimal(12), Decimal(18)),
            day(1): (Decimal(1), Decimal(25), Decimal(4), Decimal(21)),
            day(2): (Decimal(-1), Decimal(-10), Decimal(-4), Decimal(-6)),
        }
        await reporting.db.run(replay)
    finance_side: dict[str, Any] = await finance.ok("GET", f"/invoices/{other['id']}")
    assert finance_side["open_amount"] == "21.0000"
